"""An admin imports pupils through the browser: preview with errors, fix, commit, find the pupils."""

from __future__ import annotations

import pytest

from pupils.upn import make_upn
from tests.e2e.conftest import log_in
from tests.schoolpl.factories import PASSWORD, MembershipFactory, SchoolFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = "UPN,Legal Surname,Legal Forename,DOB,Gender,Year,Reg Group,SEN Status,Primary Need\n"
GOOD_ROWS = [
    f"{make_upn(801, 2103, 19, 1)},Hargreaves,Oliver,14/03/2013,M,6,6H,K,SPLD",
    f"{make_upn(801, 2103, 19, 2)},Kowalska,Zofia,02/10/2012,F,6,6K,N,",
    f"{make_upn(801, 2103, 19, 3)},Okafor,Amara,19/12/2012,F,6,6H,E,ASD",
]


def _file(rows: list[str]) -> dict:
    return {"name": "sims-export.csv", "mimeType": "text/csv", "buffer": (HEADER + "\n".join(rows)).encode()}


@pytest.fixture
def admin_user(transactional_db):
    school = SchoolFactory(name="Greenfield Primary School")
    user = UserFactory(username="office", first_name="Joanne", last_name="Hill")
    MembershipFactory(user=user, school=school, role="admin")
    return user


def test_admin_imports_a_csv_fixes_the_errors_and_finds_the_pupils(admin_user, browser_page):
    page = browser_page
    log_in(page, "office", PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.get_by_role("link", name="Import pupils").first.click()
    page.get_by_role("heading", name="Import pupils from a CSV or XLSX file").wait_for()

    broken = list(GOOD_ROWS)
    broken[1] = broken[1].replace(make_upn(801, 2103, 19, 2), "B801200005002")  # wrong check letter
    broken[2] = broken[2].replace(",F,6,6H,", ",X,6,6H,")  # not a gender code
    page.get_by_label("Pupil list (CSV or XLSX)").set_input_files(_file(broken))
    page.get_by_role("button", name="Upload and preview").click()
    problems = page.locator("#import-problems")
    problems.wait_for()
    text = problems.inner_text()
    assert "check letter should be" in text and "Gender" in text
    assert page.get_by_role("button", name="Import 3 pupils").count() == 0
    page.console.assert_clean()

    page.get_by_label("Pupil list (CSV or XLSX)").set_input_files(_file(GOOD_ROWS))
    page.get_by_role("button", name="Upload a corrected file").click()
    page.get_by_text("No problems found").wait_for()
    page.get_by_role("button", name="Import 3 pupils").click()
    page.get_by_role("heading", name="Import finished").wait_for()
    assert "3 pupils added, 0 updated, 0 unchanged" in page.locator("main").inner_text()

    page.get_by_role("link", name="Go to the pupil list").click()
    page.get_by_label("Name or UPN").fill("Kowalska")
    page.get_by_role("button", name="Show pupils").click()
    page.get_by_role("link", name="Kowalska, Zofia").click()
    page.get_by_role("heading", name="Zofia Kowalska").wait_for()
    assert "Imported from a file" in page.locator("main").inner_text()
    page.console.assert_clean()
