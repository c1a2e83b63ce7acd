"""A senior leader records a learning walk and sees item 1c's evidence on the self-review change with it."""

from __future__ import annotations

import datetime as dt

import pytest

from selfreview.models import Observation, ObservationFocus
from tests.e2e.conftest import log_in
from tests.pupils.factories import taught_group
from tests.schoolpl.factories import (
    PASSWORD,
    AcademicYearFactory,
    AssessmentWindowFactory,
    MembershipFactory,
    SchoolFactory,
    UserFactory,
)
from tests.selfreview.factories import ReviewFactory, ensure_annex

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WORDS = "observations (lessons and learning-walk visits) with this focus, 1 Sep 2025 to 19 Dec 2025"


@pytest.fixture
def walk_school(transactional_db):
    """Phase 1 (10 January 2026) looks back on Autumn 2025, when 1c was looked at four times, twice secure."""
    ensure_annex()
    school = SchoolFactory(name="Greenfield Primary School", small_count_threshold=2)
    leader = UserFactory(username="head.hill", first_name="Helen", last_name="Hill")
    MembershipFactory(user=leader, school=school, role="leader")
    teacher = UserFactory(username="t.jones", first_name="Tom", last_name="Jones")
    MembershipFactory(user=teacher, school=school, role="teacher")
    year = AcademicYearFactory(school=school)
    AssessmentWindowFactory(academic_year=year, name="Autumn 2025")
    group = taught_group(teacher, year, name="4J", subject="english", kind="class", year_group=4)
    for day, judgement in ((10, "secure"), (17, "developing"), (24, "secure"), (31, "developing")):
        observation = Observation.objects.create(
            school=school, kind="lesson", date=dt.date(2025, 10, day), observer=leader, group=group, teacher=teacher
        )
        ObservationFocus.objects.create(observation=observation, focus="1c", judgement=judgement)
    review = ReviewFactory(school=school, phase_dates=(dt.date(2026, 1, 10), dt.date(2026, 3, 5), None))
    return leader, review


def _evidence_1c(page) -> str:
    return page.get_by_label("Evidence for 1c in phase 1", exact=True).inner_text()


def test_leader_records_a_learning_walk_and_sees_1c_change(browser_page, walk_school):
    leader, review = walk_school
    page = browser_page
    log_in(page, leader.username, PASSWORD)
    page.goto(f"/self-review/{review.pk}/")
    assert f"50% (2 of 4 {WORDS})" in _evidence_1c(page)

    page.goto("/self-review/observations/")
    page.get_by_role("link", name="Record an observation").click()
    page.get_by_role("heading", name="Record a lesson observation or learning walk").wait_for()
    page.get_by_label("Kind").select_option(label="Learning walk")
    page.get_by_label("Date").fill("2025-11-26")
    page.get_by_label("Class or set").select_option(label="4J (English, 2025/26)")
    page.get_by_label("Questioning, modelling and explaining (1c)").select_option(label="Secure")
    page.get_by_label("Pupil talk, individually and in groups (1d)").select_option(label="Developing")
    page.get_by_label("Strengths").fill("Pupils explained their reasoning to a partner before answering.")
    page.get_by_label("Next steps").fill("More wait time after questions.")
    page.get_by_role("button", name="Save the observation").click()
    page.get_by_role("heading", name="Learning walk, 26 November 2025").wait_for()
    assert "Helen Hill" in page.locator("main").inner_text()

    page.goto(f"/self-review/{review.pk}/")
    assert f"60% (3 of 5 {WORDS})" in _evidence_1c(page)
    assert "figures hidden" in page.get_by_label("Evidence for 1d in phase 1", exact=True).inner_text()  # one walk
    page.get_by_label("Evidence for 1c in phase 1", exact=True).get_by_role("link", name="See the figures").click()
    page.get_by_role("heading", name="Teaching observed: summary by focus").wait_for()
    assert f"60% (3 of 5 {WORDS})" in page.locator("table.observation-summary").inner_text()
    page.console.assert_clean()
