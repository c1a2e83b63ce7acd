"""Flags that explain themselves (issue 14): a teacher opens a flagged pupil's profile and reads why; a SENCO
filters the candidates to the guide's wave 2 group (below ARE, making expected progress or better) in Year 4
reading."""

from __future__ import annotations

import datetime as dt

import pytest

from schoolpl.calendar import academic_year_start
from tests.e2e.conftest import log_in
from tests.schoolpl.factories import PASSWORD, AcademicYearFactory, AssessmentWindowFactory
from tests.targets.factories import (
    ProgressStatusFactory,
    PupilFactory,
    PupilTargetFactory,
    SubjectFactory,
    TeachingGroupFactory,
    enrol,
    teach,
    windows,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def flagged_pupil(school, teacher):
    """Amara, in the teacher's class, on the line (3b) in Spring 2024, then judged 3c against a line at
    21.5 (3b) in Summer 2024 and Autumn 2024: behind, one sub-level below, since Summer 2024."""
    klass = TeachingGroupFactory(school=school, name="6B")
    teach(klass, teacher)
    pupil = PupilFactory(school=school, legal_forename="Amara", legal_surname="Okafor")
    enrol(klass, pupil)
    reading = SubjectFactory(school=school, code="reading", name="Reading")
    PupilTargetFactory(pupil=pupil, subject=reading)
    w = windows(school, count=4)  # Autumn 2023, Spring 2024, Summer 2024, Autumn 2024
    ProgressStatusFactory(
        pupil=pupil, subject=reading, window=w[1], expected=21, actual=21, status="on_track", is_latest=False
    )
    ProgressStatusFactory(pupil=pupil, subject=reading, window=w[2], expected=21.5, actual=19, status="behind")
    ProgressStatusFactory(
        pupil=pupil, subject=reading, window=w[3], since_window=w[2], expected=21.5, actual=19, status="behind"
    )
    ProgressStatusFactory._meta.model.objects.filter(pupil=pupil, window=w[2]).update(is_latest=False)
    return pupil


def test_teacher_reads_why_a_pupil_is_flagged_on_her_profile(flagged_pupil, browser_page):
    page = browser_page
    log_in(page, "teacher", PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.goto(f"/pupils/{flagged_pupil.pk}/")
    why = "Behind: judged 3c in Autumn 2024, one sub-level below the expected line (3b) since Summer 2024."
    page.get_by_text(why).wait_for()
    assert page.get_by_text(why).is_visible()
    page.console.assert_clean()


@pytest.fixture
def year_4_reading(school, senco):
    """Year 4 pupils' latest reading statuses in this summer's window (ARE at the end of Year 4: 21 points).
    Bella: 20 points, on track (below ARE, making expected progress: the wave 2 group). Cara: 21, at ARE.
    Dev: 18, behind (off trajectory, not expected progress). Ellis: 20, on track, but in Year 5."""
    start = academic_year_start(dt.date.today())
    year = AcademicYearFactory(
        school=school, name="This year", start_date=dt.date(start, 9, 1), end_date=dt.date(start + 1, 8, 31)
    )
    summer = AssessmentWindowFactory(
        academic_year=year, name="Summer", start_date=dt.date(start + 1, 4, 20), end_date=dt.date(start + 1, 7, 20)
    )
    reading = SubjectFactory(school=school, code="reading", name="Reading")
    for forename, year_group, status, points in [
        ("Bella", 4, "on_track", 20),
        ("Cara", 4, "on_track", 21),
        ("Dev", 4, "behind", 18),
        ("Ellis", 5, "on_track", 20),
    ]:
        pupil = PupilFactory(school=school, legal_forename=forename, legal_surname="Quill", year_group=year_group)
        ProgressStatusFactory(pupil=pupil, subject=reading, window=summer, expected=20, actual=points, status=status)
    return reading


def test_senco_filters_candidates_to_below_are_making_expected_progress(year_4_reading, browser_page):
    page = browser_page
    log_in(page, "senco", PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.goto("/")
    page.get_by_role("link", name="Candidates for intervention").first.click()
    page.get_by_role("heading", name="Candidates for intervention").wait_for()
    page.get_by_label("Year group").select_option(label="Year 4")
    page.get_by_label("Subject (off trajectory in)").select_option(label="Reading")
    page.get_by_label("Reason").select_option(label="Below ARE, making expected progress or better")
    page.get_by_role("button", name="Show candidates").click()
    page.get_by_text("No candidates match these filters.").or_(page.locator("table tbody th")).first.wait_for()
    table = page.locator("main table").inner_text()
    assert "Bella Quill" in table
    assert "Reading: On track: judged 3c in Summer, on the expected line (3c)." in table  # 20 points, line 20
    for hidden in ("Cara Quill", "Dev Quill", "Ellis Quill"):
        assert hidden not in table, hidden
    page.console.assert_clean()
