"""The self-review with every real evidence provider on the hand-built school: each phase's figures are for its
own period, a phase dated after today shows "not yet", a SIP opens every evidence link (200, no pupil named),
and the page's queries do not grow with the pupils. The test clock is 10 March 2026."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from targets.models import ProgressStatus
from tests.selfreview.evidence_school import _pupil, build
from tests.selfreview.factories import ReviewFactory

pytestmark = pytest.mark.django_db

# Phase 1 looks back on Summer 2025, phase 2 on Autumn 2025; phase 3 is after today.
PHASES = (dt.date(2025, 8, 1), dt.date(2026, 3, 1), dt.date(2026, 7, 20))


@pytest.fixture
def w(school):
    return build(school)


def _detail(client, review) -> str:
    response = client.get(reverse("selfreview:review_detail", kwargs={"pk": review.pk}))
    assert response.status_code == 200
    return response.content.decode()


def _cells(html: str, code: str) -> list[str]:
    """The three phase cells of an item's row."""
    row = next(r for r in re.split(r'<th scope="row"', html) if f'"annex-code">{code}<' in r)
    return row.split('<td class="annex-cell-td">')[1:4]


def test_each_phase_shows_its_own_periods_figures_and_a_future_phase_not_yet(w, school, leader, client_as):
    review = ReviewFactory(school=school, phase_dates=PHASES)
    html = _detail(client_as(leader, school), review)
    summer, autumn, future = _cells(html, "3c")
    assert "all but &lt;5 of 6 pupils on roll in Year 1 in Summer 2025" in summer
    assert "pupils on roll in Years 1–3 in Autumn 2025" in autumn and "Summer 2025" not in autumn
    assert "Evidence: not yet" in future and "pupils on roll" not in future
    # 2c in phase 1 sees no flags: the autumn flags came after its date.
    flags_then, flags_autumn, _ = _cells(html, "2c")
    assert "no pupils flagged" in flags_then and "Autumn 2025" in flags_autumn
    assert "evidence not yet: dated after today" in html  # the phase 3 heading


def test_the_review_sets_the_weeks_for_2c(w, school, leader, client_as):
    review = ReviewFactory(school=school, phase_dates=PHASES)
    client = client_as(leader, school)
    response = client.post(
        reverse("selfreview:review_phases", kwargs={"pk": review.pk}),
        {f"phase_{i + 1}_date": day.isoformat() for i, day in enumerate(PHASES)} | {"action_weeks": "11"},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.action_weeks == 11
    assert "Flagged pupils acted on within 11 weeks" in _detail(client, review)


def test_sip_opens_every_evidence_link_and_no_page_names_a_pupil(w, school, sip, client_as):
    review = ReviewFactory(school=school, phase_dates=PHASES)
    client = client_as(sip, school)
    html = _detail(client, review)
    links = set(re.findall(r'<a href="([^"]+)">See the figures', html))
    assert links  # figures with a page behind them
    report = client.get(reverse("selfreview:review_report", kwargs={"pk": review.pk}))
    pages = {"review": html, "report": report.content.decode()}
    for link in sorted(links):
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
        pages[link] = response.content.decode()
    secrets = [s for p in w["pupils"] for s in (p.upn, p.legal_forename, p.legal_surname)]
    for name, content in pages.items():
        for secret in secrets:
            assert secret not in content, f"{secret} on {name}"


def test_page_queries_do_not_grow_with_pupils(w, school, leader, client_as):
    review = ReviewFactory(school=school, phase_dates=PHASES)
    client = client_as(leader, school)
    _detail(client, review)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as before:
        _detail(client, review)
    for i in range(8):
        pupil = _pupil(school, f"extra{i}", 2)
        ProgressStatus.objects.create(
            school=school,
            pupil=pupil,
            subject=w["reading"],
            window=w["autumn"],
            since_window=w["autumn"],
            expected=15,
            actual=11,
            status="well_behind",
        )
    with CaptureQueriesContext(connection) as after:
        _detail(client, review)
    # Reads only: a session or last-seen write may fall in either request depending on the (ticking) clock.
    reads = [sum(q["sql"].lstrip().upper().startswith("SELECT") for q in c.captured_queries) for c in (before, after)]
    assert reads[0] == reads[1]
