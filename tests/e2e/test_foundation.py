import pytest
from django.core.management import call_command

from schoolpl.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_school(transactional_db):
    call_command("seed_demo", pupils=70, seed=1, verbosity=0)


@pytest.mark.parametrize(
    ("username", "expected_role"),
    [
        ("teacher", "Teacher"),
        ("senco", "SENCO"),
        ("leader", "Senior leader"),
        ("sip", "School Improvement Partner"),
        ("admin", "School admin"),
    ],
)
def test_each_demo_role_signs_in_and_reaches_home(demo_school, browser_page, username, expected_role):
    page = browser_page
    log_in(page, username, DEMO_PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    assert "Greenfield Primary School" in page.content()
    assert expected_role in page.locator("main").inner_text()
    # Landmarks and the skip link are there for keyboard and screen-reader users.
    assert page.locator("main#main").count() == 1
    assert page.locator("nav[aria-label=Main]").count() == 1
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.console.assert_clean()


def test_wrong_password_shows_an_error(demo_school, browser_page):
    page = browser_page
    log_in(page, "teacher", "not-the-password")
    page.get_by_text("That username and password do not match").wait_for()
    assert page.url.endswith("/accounts/login/")
    page.console.assert_clean()
