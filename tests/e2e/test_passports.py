"""A SENCO writes a pupil passport with an adjustment; the pupil's class teacher sees the Passport link beside
the pupil on the assessment grid and reads it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from interventions.models import Passport
from pupils.models import GroupMembership, Pupil
from schoolpl.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def taught(transactional_db):
    """A pupil in one of the teacher persona's classes or sets on the grid this year, with SEN support and no
    passport yet."""
    call_command("seed_demo", pupils=70, seed=3, verbosity=0)
    membership = (
        GroupMembership.objects.current()
        .filter(group__teacher_links__user__username="teacher", group__subject__in=("english", "maths", "science"))
        .select_related("group", "pupil")
        .order_by("-group__academic_year__start_date", "pupil_id")
        .first()
    )
    assert membership is not None
    pupil = membership.pupil
    Pupil.objects.filter(pk=pupil.pk).update(sen_provision="K")
    Passport.objects.filter(pupil=pupil).delete()  # the demo may have written one: this journey writes it
    return membership.group, pupil


def test_senco_writes_a_passport_and_the_teacher_sees_it_on_the_grid(taught, browser_page):
    group, pupil = taught
    page = browser_page
    today = timezone.localdate()
    log_in(page, "senco", DEMO_PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.get_by_role("link", name="Pupil passports").first.click()
    page.get_by_role("heading", name="Pupil passports").wait_for()
    page.get_by_role("link", name=pupil.display_name, exact=True).click()
    page.get_by_role("link", name="Write a passport with the pupil").click()

    page.get_by_label("About me").fill("I love drawing dragons and building with Lego.")
    page.get_by_label("What I find hard").fill("Copying from the board.")
    page.get_by_label("What helps me").fill("A copy of the board on my desk, and a little more time.")
    page.get_by_label("Who wrote it with the pupil").fill("the pupil, mum and the SENCO")
    page.get_by_label("Date of writing").fill(today.isoformat())
    page.get_by_role("button", name="Save passport").click()

    page.get_by_text("Pupil passport saved.").wait_for()
    page.get_by_label("Kind of adjustment").select_option(label="ICT or assistive technology")
    page.get_by_label("What the adjustment is").fill("Laptop with word prediction for longer writing")
    page.get_by_role("button", name="Add adjustment").click()
    page.get_by_text("Adjustment added.").wait_for()
    page.console.assert_clean()

    page.context.clear_cookies()
    log_in(page, "teacher", DEMO_PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.goto(f"/assessment/grid/?group={group.pk}")
    page.get_by_role("heading", name="Class assessment grid").wait_for()
    page.get_by_role("link", name=f"Passport for {pupil.display_name}").click()
    page.get_by_role("heading", name=f"Pupil passport: {pupil.display_name}").wait_for()
    page.get_by_text("A copy of the board on my desk, and a little more time.").wait_for()
    page.get_by_text("Laptop with word prediction for longer writing").wait_for()
    assert page.get_by_role("link", name="Edit the passport").count() == 0  # read-only for a teacher
    page.console.assert_clean()
