"""Walk every URL as a signed-out visitor, as each role (the portal's pupil and parent accounts too), and as an
admin of another school; and check who sees free school meals status where (the FSM-visibility column)."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from conftest import sign_in
from tests.access import EXCLUDED_NAMESPACES, FSM_MARKER, PUBLIC, Expect
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory

ROOT = Path(__file__).resolve().parents[1]


def _access_modules():
    """``tests/<app>/access*.py`` for every project app, in dependency order."""
    modules = []
    for app in settings.PROJECT_APPS:
        folder = ROOT / "tests" / app.rsplit(".", 1)[-1]  # targets.partnership → tests/partnership
        for path in sorted(folder.glob("access*.py")):
            modules.append(importlib.import_module(f"tests.{folder.name}.{path.stem}"))
    return modules


def _expectations() -> dict[str, Expect]:
    merged: dict[str, Expect] = {}
    for module in _access_modules():
        clash = set(merged) & set(module.EXPECTATIONS)
        assert not clash, f"{module.__name__} declares URLs already declared elsewhere: {clash}"
        merged.update(module.EXPECTATIONS)
    return merged


def _world_builders():
    return [m.build_world for m in _access_modules() if hasattr(m, "build_world")]


def _url_names(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    names = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names.extend(_url_names(entry, ns))
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(prefix + entry.name)
    return sorted(set(names))


EXPECTATIONS = _expectations()


def test_every_url_declares_its_expectation():
    missing = [n for n in _url_names() if n not in PUBLIC and n not in EXPECTATIONS]
    assert not missing, f"URLs with no declared access expectation: {missing}"


def test_no_stale_expectations():
    stale = sorted(set(EXPECTATIONS) - set(_url_names()))
    assert not stale, f"Expectations for URLs that no longer exist: {stale}"


@pytest.fixture
def world(personas, portal_pupil, portal_parent, school, other_school):
    year = AcademicYearFactory(school=school)
    w = {
        "school": school,
        "other_school": other_school,
        "window": AssessmentWindowFactory(academic_year=year),
        "year": year,
        **personas,
        # Under these keys: "pupil" in the world is a pupil record (see tests/pupils/access_pupils.py).
        "portal_pupil": portal_pupil,
        "portal_parent": portal_parent,
    }
    for build in _world_builders():
        build(w)
    # A personal tutor of every pupil the world's teacher sees.
    from pupils.models import Pupil, TutorAssignment
    from schoolpl.access import load_access
    from tests.schoolpl.factories import MembershipFactory, UserFactory

    w["tutor"] = UserFactory(username="tutor")
    MembershipFactory(user=w["tutor"], school=school, role="tutor")
    TutorAssignment.objects.bulk_create(
        TutorAssignment(school=school, tutor=w["tutor"], pupil=p, start_date=date(2020, 9, 1))
        for p in Pupil.objects.visible_to(load_access(w["teacher"], school.pk))
    )
    # Every pupil the teacher sees has FSM and pupil premium, so any leak of either shows.
    Pupil.objects.visible_to(load_access(w["teacher"], school.pk)).update(fsm=True, pupil_premium=True)
    return w


def _view_caps(url: str, method: str) -> frozenset | None:
    """The capabilities the view behind ``url`` declares (school_view or a DRF viewset)."""
    func = resolve(url.split("?")[0]).func
    if hasattr(func, "required_caps"):
        return func.required_caps
    cls = getattr(func, "cls", None)
    if cls is None:
        return None
    name = "required_caps" if method == "get" else "write_caps"
    return frozenset(getattr(cls, name, ()))


PERSONAS = ("anon", "teacher", "tutor", "senco", "leader", "sip", "admin", "outsider", "pupil", "parent")
WORLD_KEYS = {"pupil": "portal_pupil", "parent": "portal_parent"}  # the world's "pupil" is a pupil record
#: Personas who must never see FSM status while the school keeps it from class teachers (the default).
NO_FSM = ("teacher", "tutor", "pupil", "parent")


def _sign_in_as(client, world, persona: str) -> None:
    client.logout()
    if persona != "anon":
        user = world[WORLD_KEYS.get(persona, persona)]
        sign_in(client, user, world["other_school"] if persona == "outsider" else world["school"])


def _text(response) -> str:
    """The body of a text response (HTML, JSON, CSV); "" for anything else (XLSX, PDF, a stream)."""
    kind = response.get("Content-Type", "")
    if getattr(response, "streaming", False) or not kind.startswith(("text/", "application/json")):
        return ""
    return response.content.decode("utf-8-sig", errors="replace")


def _url(url_name: str, expect: Expect, world: dict, query: str) -> str:
    return reverse(url_name, kwargs=expect.kwargs(world) if expect.kwargs else None) + query


@pytest.mark.parametrize("url_name", sorted(EXPECTATIONS))
def test_role_matrix(url_name, world, client):
    expect = EXPECTATIONS[url_name]
    url = _url(url_name, expect, world, expect.query)
    failures = []
    view_caps = _view_caps(url, expect.method)
    for persona in PERSONAS:
        _sign_in_as(client, world, persona)
        data = expect.data(world) if expect.data else None
        response = getattr(client, expect.method)(url, data=data)
        wanted = expect.status_for(persona, view_caps)
        if response.status_code != wanted:
            failures.append(f"{persona}: got {response.status_code}, expected {wanted}")
        if persona == "anon" and wanted == 302:
            assert "/accounts/login/" in response["Location"], f"{url_name}: anon not sent to sign in"
        if persona in NO_FSM and (leak := FSM_MARKER.search(_text(response))):
            failures.append(f"{persona}: shows FSM status ({leak.group(0)!r})")
    assert not failures, f"{url_name} ({url}): " + "; ".join(failures)


FSM_COLUMN = sorted(name for name, expect in EXPECTATIONS.items() if expect.fsm is not None)


def test_the_fsm_column_covers_every_page_that_shows_pupil_characteristics():
    assert {
        "pupils:list",
        "pupils:detail",
        "pupil-list",
        "pupil-detail",
        "targets:dashboard",
        "targets:dashboard_pupils",
        "targets:dashboard_export",
    } <= set(FSM_COLUMN)


@pytest.mark.parametrize("url_name", FSM_COLUMN)
def test_fsm_visibility_column(url_name, world, client):
    """Where a URL shows FSM status (with its ``fsm`` query): a leader sees it; a class teacher and a tutor
    see none while the school keeps it from them (the default), and see it once the school allows it."""
    expect = EXPECTATIONS[url_name]
    url = _url(url_name, expect, world, expect.fsm)

    def marker(persona: str):
        _sign_in_as(client, world, persona)
        response = client.get(url)
        assert response.status_code == 200, f"{persona}: {url} answered {response.status_code}"
        return FSM_MARKER.search(_text(response))

    assert marker("leader"), f"{url}: no FSM marker for a leader, so the check below would prove nothing"
    for persona in ("teacher", "tutor"):
        leak = marker(persona)
        assert leak is None, f"{url}: a {persona} sees FSM status ({leak.group(0)!r}) the school keeps from them"
    world["school"].teachers_see_fsm = True
    world["school"].save(update_fields=["teachers_see_fsm"])
    assert marker("teacher"), f"{url}: the school lets class teachers see FSM, but the teacher does not"
