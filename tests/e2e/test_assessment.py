"""A teacher fills a row of the class grid from the keyboard, reloads and sees it saved; the spiky profile draws."""

import pytest
from django.core.management import call_command

from assessment.models import FocusJudgement, Judgement
from schoolpl.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GRADES = ["3c", "3b", "3a", "4c", "4b", "4a", "5c", "5b"]


@pytest.fixture
def demo_school(transactional_db):
    call_command("seed_demo", pupils=70, seed=1, verbosity=0)


def test_teacher_fills_a_grid_row_by_keyboard_and_it_is_saved(demo_school, browser_page):
    page = browser_page
    log_in(page, "teacher", DEMO_PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.goto("/assessment/grid/")
    page.get_by_role("heading", name="Class assessment grid").wait_for()
    first_row = page.locator("table[data-assessment-grid] tbody tr").first
    inputs = first_row.locator("input.grid-input")
    count = inputs.count()
    assert count >= 5  # the focuses plus the overall
    inputs.first.focus()
    typed = []
    for i in range(count):
        grade = GRADES[i % len(GRADES)]
        page.keyboard.press("Control+A")
        page.keyboard.type(grade)
        typed.append(grade)
        with page.expect_response(lambda r: "/cell/" in r.url and r.request.method == "POST"):
            page.keyboard.press("Tab")
    page.wait_for_load_state("networkidle")
    # Enter moves down the column, as in a spreadsheet.
    inputs.first.focus()
    page.keyboard.press("Enter")
    second_label = page.locator("table[data-assessment-grid] tbody tr").nth(1).locator("input.grid-input").first
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == second_label.get_attribute(
        "aria-label"
    )

    page.reload()
    inputs = page.locator("table[data-assessment-grid] tbody tr").first.locator("input.grid-input")
    assert [inputs.nth(i).input_value() for i in range(count)] == typed
    assert FocusJudgement.objects.filter(grade="3c").exists() and Judgement.objects.exists()
    page.console.assert_clean()


def test_spiky_profile_renders_its_chart(demo_school, browser_page):
    page = browser_page
    log_in(page, "teacher", DEMO_PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.goto("/assessment/grid/")
    page.locator("table[data-assessment-grid] tbody tr th a").first.click()  # the pupil's assessment page
    page.get_by_role("link", name="Spiky profile").first.click()
    page.get_by_role("heading", name="Spiky profile").wait_for()
    canvas = page.locator("canvas[data-chart]").first
    canvas.wait_for()
    # A locator, not a string predicate: wait_for_function(str) needs eval, which the page's CSP forbids.
    page.locator("canvas[data-chart][data-chart-ready='1']").first.wait_for()
    assert page.locator("table").first.locator("tbody tr").count() >= 4
    page.console.assert_clean()


def test_pupil_profile_draws_its_assessment_and_trajectory_charts(demo_school, browser_page):
    from pupils.models import GroupMembership, Pupil

    page = browser_page
    # One of the teacher's pupils now (a class this year, not a past one), with judgements and a target.
    taught_now = GroupMembership.objects.current().filter(group__teacher_links__user__username="teacher")
    pupil = (
        Pupil.objects.on_roll()
        .filter(pk__in=taught_now.values("pupil"), judgements__isnull=False, numeric_targets__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )
    assert pupil is not None
    log_in(page, "teacher", DEMO_PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.goto(f"/pupils/{pupil.pk}/")
    # Chart.js is loaded on the profile: app.js marks each canvas it drew.
    page.locator("canvas[data-chart^='pupil-assessments-'][data-chart-ready='1']").wait_for()
    page.locator("canvas[data-chart^='chart-'][data-chart-ready='1']").first.wait_for()
    for title in ("Assessments over time", "Targets and trajectory"):
        assert page.get_by_role("heading", name=title, exact=True).count() == 1
    page.console.assert_clean()
