"""An admin invites a teacher and gives her a class; she sets her password from the emailed link, signs in
and sees exactly that class."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import log_in
from tests.pupils.factories import TeachingGroupFactory
from tests.schoolpl.factories import PASSWORD, AcademicYearFactory, MembershipFactory, SchoolFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "a-long-new-password-2026"


def test_an_admin_invites_a_teacher_and_gives_her_a_class(browser_page, mailoutbox):
    school = SchoolFactory(name="Greenfield Primary School")
    admin = UserFactory(username="head.admin", first_name="Hana", last_name="Admin")
    MembershipFactory(user=admin, school=school, role="admin")
    year = AcademicYearFactory(school=school)
    TeachingGroupFactory(academic_year=year, name="6B Maths")
    TeachingGroupFactory(academic_year=year, name="5A Maths")

    page = browser_page
    log_in(page, "head.admin", PASSWORD)
    page.goto("/school/staff/")
    page.get_by_role("link", name="Invite a member of staff").click()
    page.get_by_label("Email address").fill("nina.patel@example.org")
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Surname").fill("Patel")
    page.get_by_label("Teacher", exact=True).check()
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_role("heading", name="Nina Patel").wait_for()
    page.get_by_label("6B Maths (2025/26)").check()
    page.get_by_role("button", name="Save teaching groups").click()
    page.get_by_text("Teaching groups saved: given 6B Maths.").wait_for()
    page.console.assert_clean()

    # Nina opens the link in her email, sets a password, and signs in to see her class and no other.
    link = re.search(r"https?://\S+/accounts/welcome/\S+/", mailoutbox[-1].body).group(0)
    page.context.clear_cookies()  # signed out: she opens the link in her own browser
    page.goto(link)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    page.get_by_text("Your password is set.").wait_for()
    log_in(page, "nina.patel@example.org", NEW_PASSWORD)
    page.goto("/pupils/groups/")
    main = page.locator("main").inner_text()
    assert "6B Maths" in main and "5A Maths" not in main
    page.goto(link)
    page.get_by_role("heading", name="This link no longer works").wait_for()
    page.console.assert_clean()
