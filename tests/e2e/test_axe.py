"""axe-core on every page: one URL per view, reached as the first of teacher, leader, SENCO, SIP and parent
that the role × URL matrix lets in (``tests/test_access_matrix.py``, whose world this test builds), in
Debian's Chromium at a laptop's width. A critical or serious violation on any page fails the test, and the
failure lists every page's violations at once.

axe-core is vendored (``tests/e2e/vendor``): nothing is fetched, and it is never served to users."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from conftest import sign_in
from tests.test_access_matrix import EXPECTATIONS, WORLD_KEYS, world  # noqa: F401  (the matrix's world fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
VISITORS = ("teacher", "leader", "senco", "sip", "parent")
SERIOUS = ("critical", "serious")


def _pages() -> dict[str, list[str]]:
    """url name → visitor, for every page (a GET answering 200) in the matrix, grouped by visitor."""
    by_visitor: dict[str, list[str]] = {v: [] for v in VISITORS}
    for name, expect in sorted(EXPECTATIONS.items()):
        if expect.method != "get" or expect.ok_status != 200 or ":" not in name:
            continue  # a POST, a redirect, or the API (``pupil-list``: JSON, no namespace)
        visitor = next((v for v in VISITORS if expect.status_for(v) == 200), None)
        if visitor is not None:
            by_visitor[visitor].append(name)
    return by_visitor


def _violations(page) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['where']}" for v in result if v["impact"] in SERIOUS]


def test_no_page_has_a_critical_or_serious_accessibility_violation(chromium, live_server, world, client):  # noqa: F811
    failures, checked = [], 0
    for visitor, names in _pages().items():
        client.logout()
        sign_in(client, world[WORLD_KEYS.get(visitor, visitor)], world["school"])
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        context.add_cookies([{"name": k, "value": v.value, "url": live_server.url} for k, v in client.cookies.items()])
        page = context.new_page()
        for name in names:
            expect = EXPECTATIONS[name]
            url = reverse(name, kwargs=expect.kwargs(world) if expect.kwargs else None) + expect.query
            answer = client.get(url)  # a download (CSV, XLSX, PDF) or a stream has nothing for axe to read
            if not answer.get("Content-Type", "").startswith("text/html") or answer.has_header("Content-Disposition"):
                continue
            page.goto(live_server.url + url)
            assert "/accounts/login/" not in page.url, f"{visitor} is not signed in in the browser"
            checked += 1
            failures += [f"{name} as {visitor} ({url}): {v}" for v in _violations(page)]
        context.close()
    assert checked >= 60, f"only {checked} pages were checked: the matrix's world is not being reached"
    assert not failures, f"{len(failures)} violations:\n" + "\n".join(failures)


def test_no_page_scrolls_sideways_for_a_leader_at_1280_or_1024_px(chromium, live_server, world, client):  # noqa: F811
    """Every page a senior leader can open fits a laptop (1280 px) and a tablet held sideways (1024 px): wide
    tables scroll inside their own box, the document never does."""
    sign_in(client, world["leader"], world["school"])
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": k, "value": v.value, "url": live_server.url} for k, v in client.cookies.items()])
    page = context.new_page()
    failures, checked = [], 0
    for name, expect in sorted(EXPECTATIONS.items()):
        if expect.method != "get" or expect.status_for("leader") != 200 or ":" not in name:
            continue
        url = reverse(name, kwargs=expect.kwargs(world) if expect.kwargs else None) + expect.query
        answer = client.get(url)
        if not answer.get("Content-Type", "").startswith("text/html") or answer.has_header("Content-Disposition"):
            continue
        checked += 1
        for width in (1280, 1024):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_server.url + url)  # loaded at each width: charts size themselves on load
            assert "/accounts/login/" not in page.url, "the leader is not signed in in the browser"
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                failures.append(f"{name} ({url}) at {width} px: the page is {wide} px wide")
    context.close()
    assert checked >= 40, f"only {checked} pages were checked"
    assert not failures, "\n".join(failures)
