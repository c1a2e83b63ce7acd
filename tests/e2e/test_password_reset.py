"""Journey (issue 18): a teacher who forgot her password asks for a link from the sign-in page, follows it
from the e-mail (Django's locmem backend in tests), chooses a new password, signs in with it and still meets
the second factor before anything else; then a backup code gets her in without her phone."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from schoolpl import auth_views
from tests.e2e.test_axe import _violations
from tests.schoolpl.test_mfa import device_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "spring-term-reading-lamp-42"
LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/\S+/)")


@pytest.fixture
def teacher_with_app(teacher):
    cache.clear()
    teacher.email = "k.jones@greenfield.sch.uk"
    teacher.save()
    device = TOTPDevice.objects.create(user=teacher, name="Authenticator app", key=random_hex(20), confirmed=True)
    return teacher, device


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_forgot_password_then_sign_in_meets_the_second_factor(browser_page, teacher_with_app):
    teacher, device = teacher_with_app
    page = browser_page
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_role("heading", name="Reset your password").wait_for()
    seen = {"reset form": _violations(page)}
    page.get_by_label("Email").fill("k.jones@greenfield.sch.uk")
    page.get_by_role("button", name="Send the link").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    seen["sent"] = _violations(page)

    assert len(mail.outbox) == 1
    link = LINK.search(mail.outbox[0].body).group(1)
    page.goto(link)
    page.get_by_role("heading", name="Choose a new password").wait_for()
    seen["new password"] = _violations(page)
    page.get_by_label("New password").first.fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    page.get_by_role("heading", name="Your password has been changed").wait_for()
    seen["changed"] = _violations(page)

    # Not signed in by the reset: home sends her to sign in.
    page.goto("/")
    page.get_by_role("heading", name="Sign in").wait_for()
    # The link is spent.
    page.goto(link)
    page.get_by_role("heading", name="This link no longer works").wait_for()
    seen["spent link"] = _violations(page)

    sign_in(page, "teacher", NEW_PASSWORD)
    page.get_by_role("heading", name="Enter your code").wait_for()
    page.goto("/pupils/")
    page.get_by_role("heading", name="Enter your code").wait_for()  # nothing else before the second factor
    page.get_by_label("Six-digit code from your authenticator app, or a backup code").fill(device_token(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/pupils/")  # where she was going
    assert "Enter your code" not in page.content()
    assert not any(seen.values()), seen  # axe-core: no critical or serious violation
    page.console.assert_clean()


def test_a_backup_code_gets_her_in_without_her_phone(browser_page, teacher_with_app):
    teacher, _ = teacher_with_app
    codes = auth_views.backup_codes_generate(user=teacher)
    page = browser_page
    sign_in(page, "teacher", "correct-horse-battery-staple")
    page.get_by_role("heading", name="Enter your code").wait_for()
    page.get_by_label("Six-digit code from your authenticator app, or a backup code").fill(
        auth_views.format_code(codes[0])
    )
    page.get_by_role("button", name="Verify").click()
    page.get_by_text("You have 9 backup codes left").wait_for()
    page.goto("/accounts/mfa/backup-codes/")
    page.get_by_role("heading", name="Backup codes").wait_for()
    assert "You have 9 unused backup codes" in page.locator("main").inner_text()
    page.get_by_role("button", name="Make new backup codes").click()
    page.get_by_text("This is the only time they are shown").wait_for()
    assert page.locator("ul.backup-codes li").count() == 10
    assert not _violations(page)
    page.console.assert_clean()
