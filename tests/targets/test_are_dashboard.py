"""The leader dashboard's "% at or above ARE by year group": worked by hand, the school's own ARE used,
and a SIP's page and every export keep the small-count rule (``schoolpl.disclosure``)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from schoolpl.calendar import academic_year_start
from targets import services
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory
from tests.targets.factories import JudgementFactory, PupilFactory, SubjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def year4(school):
    """Six Year 4 pupils judged in reading in this year's autumn window (ARE: end of Year 3 + a term = 19):
    20, 19, 19, 21 at or above; 18, 17 below — 4 of 6, 67%."""
    start = academic_year_start(timezone.localdate())
    year = AcademicYearFactory(
        school=school, name="This year", start_date=dt.date(start, 9, 1), end_date=dt.date(start + 1, 8, 31)
    )
    autumn = AssessmentWindowFactory(
        academic_year=year, name="Autumn now", start_date=dt.date(start, 9, 1), end_date=dt.date(start, 12, 19)
    )
    reading = SubjectFactory(school=school, code="reading")
    for n, points in enumerate([20, 19, 19, 21, 18, 17]):
        pupil = PupilFactory(school=school, year_group=4, legal_surname=f"Four{n}")
        JudgementFactory(pupil=pupil, subject=reading, window=autumn, points=points)
    return reading


def _are_table(body: str) -> str:
    return " ".join(body.split('id="h-are"')[1].split("</table>")[0].split())


def test_leader_sees_share_at_or_above_are_by_year(client_as, school, leader, year4):
    table = _are_table(client_as(leader, school).get(reverse("targets:dashboard")).content.decode())
    assert "Year 4" in table and "67% (4 of 6)" in table


def test_schools_own_are_changes_the_share(client_as, school, leader, year4):
    services.are_set(school=school, year_group=4, term=1, subject=year4, points=20)
    table = _are_table(client_as(leader, school).get(reverse("targets:dashboard")).content.decode())
    assert "33% (2 of 6)" in table


def test_sip_and_exports_hide_a_share_that_gives_away_a_small_count(client_as, school, leader, sip, year4):
    table = _are_table(client_as(sip, school).get(reverse("targets:dashboard")).content.decode())
    assert "67%" not in table and ">x<" in table.replace(" ", "")  # 2 pupils below: under 5
    response = client_as(leader, school).get(reverse("targets:dashboard_export") + "?table=are&format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [{"Year group": "Year 4", "Reading (% at or above ARE)": "x"}]
