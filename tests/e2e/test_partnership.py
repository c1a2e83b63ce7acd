"""Journeys: a tutor records a review with the pupil's view; a leader writes and releases a year group's
reports; a parent signs in and reads their child's report."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from partnership.models import ProgressReview, Report
from schoolpl.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_school(transactional_db):
    call_command("seed_demo", pupils=70, seed=1, verbosity=0)


def sign_in_to(page, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_tutor_records_a_review_with_the_pupils_view(demo_school, browser_page):
    page = browser_page
    sign_in_to(page, "tutor", "/partnership/")
    page.get_by_role("heading", name="Progress reviews").wait_for()
    page.get_by_role("link", name="Record a review").first.click()
    page.get_by_role("heading", name="Progress review with").wait_for()
    page.get_by_label("The pupil's view of their progress").fill("I feel more confident with fractions now.")
    page.get_by_label("A parent or carer attended").check()
    page.get_by_role("button", name="Save the review").click()
    page.get_by_role("heading", name="Progress review on").wait_for()
    assert "I feel more confident with fractions now." in page.locator("main").inner_text()
    assert ProgressReview.objects.filter(pupil_view__startswith="I feel more confident").count() == 1
    page.console.assert_clean()


def test_leader_writes_and_releases_a_year_groups_reports(demo_school, eager_celery, browser_page):
    page = browser_page
    sign_in_to(page, "leader", "/partnership/reports/")
    page.get_by_role("heading", name="Reports to parents").wait_for()
    page.get_by_label("Year group").select_option(label="Year 5")
    page.get_by_role("button", name="Write the reports").click()
    page.get_by_role("link", name="Read and release the reports").click()  # shown once the run has finished
    page.get_by_role("heading", name="Reports for Year 5").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile(r"^Release \d+ draft report")).click()
    page.get_by_text("report(s) released").wait_for()
    reports = Report.objects.filter(year_group=5)
    assert reports.exists() and not reports.filter(status=Report.Status.DRAFT).exists()
    page.console.assert_clean()


def test_parent_signs_in_and_reads_their_childs_report(demo_school, browser_page):
    page = browser_page
    sign_in_to(page, "parent", "/partnership/portal/")
    page.get_by_role("heading", name="Your children").wait_for()
    page.locator("main .list-group-item a").first.click()
    page.get_by_role("link", name="Progress report:").first.click()
    page.get_by_role("heading", name="progress report").wait_for()
    main = page.locator("main").inner_text()
    assert "How you can help at home" in main and "Current targets" in main
    page.locator("canvas[data-chart-ready]").wait_for()  # Chart.js drew the chart
    assert Report.objects.filter(first_read_at__isnull=False, read_count__gte=1).exists()
    page.console.assert_clean()
