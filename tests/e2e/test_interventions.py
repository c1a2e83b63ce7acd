"""The SENCO's journey: candidates → plan a wave 2 group for three pupils → log a session → record entry and
exit judgements → read the impact."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessment.models import Subject
from interventions.selectors import supported_places
from pupils.models import Pupil
from schoolpl.demo import DEMO_PASSWORD, DEMO_URN
from schoolpl.models import AssessmentWindow, School
from targets.models import ProgressStatus
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stuck_pupils(transactional_db):
    call_command("seed_demo", pupils=70, seed=3, verbosity=0)
    school = School.objects.get(urn=DEMO_URN)
    today = timezone.localdate()
    busy = supported_places(school, today).values("pupil_id")
    pupils = list(Pupil.objects.filter(school=school, year_group__gte=2).exclude(pk__in=busy).order_by("pk")[:3])
    subject = Subject.objects.filter(school=school).first() or Subject.objects.create(
        school=school, code="e2e-reading", name="Reading", group_subject="english"
    )
    window = AssessmentWindow.objects.filter(school=school, start_date__lte=today).order_by("-start_date").first()
    for pupil in pupils:  # the trajectory job found them stuck this term (whatever the demo's own run said)
        ProgressStatus.objects.filter(pupil=pupil, subject=subject).update(is_latest=False)
        ProgressStatus.objects.update_or_create(
            pupil=pupil,
            subject=subject,
            window=window,
            defaults={
                "school": school,
                "expected": 20,
                "actual": 18,
                "status": "stuck",
                "since_window": window,
                "is_latest": True,
            },
        )
    return pupils


def test_senco_plans_a_wave_2_group_logs_a_session_and_reads_the_impact(stuck_pupils, browser_page):
    page = browser_page
    today = timezone.localdate()
    log_in(page, "senco", DEMO_PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.get_by_role("link", name="Candidates for intervention").click()
    page.get_by_role("heading", name="Candidates for intervention").wait_for()
    # Narrow the list to the stuck pupils (filters are GET parameters), then plan from the button at the top.
    page.get_by_label("Reason").select_option(label="Stuck")
    page.get_by_role("button", name="Show candidates").click()
    page.wait_for_url("**reason=stuck**")
    for pupil in stuck_pupils:
        page.get_by_label(pupil.display_name, exact=True).check()
    plan = page.get_by_role("button", name="Plan provision for the chosen pupils")
    assert plan.count() == 2  # at the top and the bottom of the list
    plan.first.click()

    page.get_by_role("heading", name="Plan provision").wait_for()
    assert page.locator("input[name=pupil]:checked").count() == 3
    page.get_by_label("Programme").select_option(label="Springboard maths")
    page.get_by_label("Name").fill("Year 4 maths catch-up")
    page.get_by_label("Start date").fill(today.isoformat())
    page.get_by_label("End date").fill((today + dt.timedelta(days=70)).isoformat())
    page.get_by_label("Staff").select_option(label="Emma Clarke")
    page.get_by_role("button", name="Plan provision").click()

    page.get_by_role("heading", name="Year 4 maths catch-up").wait_for()
    page.get_by_text("planned for 3 pupils").wait_for()
    page.get_by_role("link", name="Log a session").click()
    page.get_by_label("Teaching-sequence stage covered").select_option(label="Model")
    page.get_by_label("Notes").fill("Modelled counting on from the larger number")
    page.get_by_role("button", name="Log session").click()
    page.get_by_text("Session logged.").wait_for()
    assert "3 of 3" in page.locator("table", has_text="Stage").inner_text()

    page.get_by_role("link", name="Entry and exit judgements").click()
    page.get_by_role("heading", name="Entry and exit judgements: Year 4 maths catch-up").wait_for()
    for i, (entry, exit_) in enumerate([(15, 19), (17, 19), (13, 13)]):
        page.locator("input[name$='-entry_points']").nth(i).fill(str(entry))
        page.locator("input[name$='-entry_on']").nth(i).fill(today.isoformat())
        page.locator("input[name$='-exit_points']").nth(i).fill(str(exit_))
        page.locator("input[name$='-exit_on']").nth(i).fill((today + dt.timedelta(days=70)).isoformat())
    page.get_by_role("button", name="Save judgements").click()

    page.get_by_text("Entry and exit judgements saved.").wait_for()
    impact = page.locator("table", has_text="Points a term during").inner_text()
    assert impact.count("Accelerated") == 2 and "No change" in impact  # +4 and +2 in 70 days beat 1 a term
    page.console.assert_clean()
