"""Password reset by e-mail (issue 18): the same answer whether or not an address has an account, a link that
works once and expires, throttled per address and per e-mail address, no mail for an inactive user, and a reset
that never signs anyone in, so the next sign-in still ends at the second factor."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from schoolpl import auth_views
from tests.schoolpl.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-quite-long-new-password-for-spring"
LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)")


@pytest.fixture(autouse=True)
def _clean_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def known(teacher):
    teacher.email = "k.jones@greenfield.sch.uk"
    teacher.save()
    return teacher


def ask(client, email: str, ip: str = "81.2.69.142"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def link_from(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def set_password(client, link: str, password: str = NEW_PASSWORD):
    """Follow the e-mailed link (Django moves the token into the session) and choose a new password."""
    landing = client.get(link)
    if landing.status_code != 302:
        return landing
    return client.post(landing["Location"], {"new_password1": password, "new_password2": password})


def test_the_sign_in_page_links_to_password_reset(client):
    page = client.get(reverse("login"))
    assert b"Forgot your password?" in page.content
    assert reverse("password_reset").encode() in page.content


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_one_gets_mail(client, known):
    form = client.get(reverse("password_reset"))
    assert form.status_code == 200
    assert b"2 hours" in form.content
    unknown = ask(client, "nobody@example.org")
    known_answer = ask(client, "K.Jones@greenfield.sch.uk")  # any case
    assert unknown.status_code == known_answer.status_code == 302
    assert unknown["Location"] == known_answer["Location"] == reverse("password_reset_done")
    done = client.get(reverse("password_reset_done"))
    assert b"If that address belongs to a schoolpl account" in done.content
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["k.jones@greenfield.sch.uk"]
    assert message.subject == "Resetting your schoolpl password"
    assert "works once, and only for the next 2 hours" in message.body
    assert "you will still be asked" in message.body


def test_an_inactive_user_gets_no_mail(client, known):
    known.is_active = False
    known.save()
    assert ask(client, known.email)["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_the_link_sets_a_password_once(client, known):
    ask(client, known.email)
    link = link_from(mail.outbox[0])
    done = set_password(client, link)
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    known.refresh_from_db()
    assert known.check_password(NEW_PASSWORD)
    assert b"Your password has been changed" in client.get(reverse("password_reset_complete")).content
    again = set_password(client, link, "another-long-password-for-summer")
    assert again.status_code == 200
    assert b"This link no longer works" in again.content
    known.refresh_from_db()
    assert known.check_password(NEW_PASSWORD)


def test_the_link_expires(client, known, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 2 * 3600
    ask(client, known.email)
    link = link_from(mail.outbox[0])
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2, minutes=1)):
        expired = set_password(client, link)
    assert expired.status_code == 200
    assert b"This link no longer works" in expired.content
    known.refresh_from_db()
    assert known.check_password(PASSWORD)


def test_a_tampered_link_fails(client, known):
    ask(client, known.email)
    link = link_from(mail.outbox[0])
    response = set_password(client, link[:-3] + "xx/")
    assert b"This link no longer works" in response.content


def test_a_reset_does_not_sign_in_and_the_next_sign_in_meets_the_second_factor(client, known):
    TOTPDevice.objects.create(user=known, name="Authenticator app", confirmed=True)
    ask(client, known.email)
    set_password(client, link_from(mail.outbox[0]))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    signed_in = client.post(reverse("login"), {"username": known.username, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    gate = client.get(reverse("home"))
    assert gate.status_code == 302
    assert gate["Location"].startswith(reverse("mfa_verify"))


def test_a_reset_ends_the_users_other_sessions(client, known, django_user_model):
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(known)
    ask(client, known.email)
    set_password(client, link_from(mail.outbox[0]))
    assert elsewhere.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_one_address_is_throttled_after_the_limit(client, known, settings):
    settings.PASSWORD_RESET_LIMIT_PER_IP = 3
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 100
    for n in range(3):
        assert ask(client, f"someone{n}@example.org").status_code == 302
    refused = ask(client, known.email)
    assert refused.status_code == 429
    assert b"too many password reset requests" in refused.content
    assert mail.outbox == []
    # Another connection (another school, another home) is not held up.
    assert ask(client, known.email, ip="81.2.69.160").status_code == 302
    assert len(mail.outbox) == 1


def test_one_email_address_gets_no_more_mail_after_the_limit_and_the_page_reads_the_same(client, known, settings):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 2
    answers = [ask(client, known.email, ip=f"81.2.69.{n}") for n in range(4)]
    assert {a.status_code for a in answers} == {302}
    assert {a["Location"] for a in answers} == {reverse("password_reset_done")}
    assert len(mail.outbox) == 2


def test_the_throttle_keys_live_in_the_cache():
    assert auth_views.reset_throttle_key("email", " K.Jones@X.org ") == "password-reset:email:k.jones@x.org"


def test_a_cache_outage_leaves_the_page_working(client, known, monkeypatch, caplog):
    """django-redis with IGNORE_EXCEPTIONS (settings) answers None for every call while Redis is down."""

    class DownCache:
        def add(self, *args, **kwargs):
            return None

        def incr(self, *args, **kwargs):
            return None

    monkeypatch.setattr(auth_views, "cache", DownCache())
    response = ask(client, known.email)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "the cache is unavailable" in caplog.text


def test_with_redis_unreachable_the_page_still_works(client, known, settings, caplog):
    """The project's Redis cache settings (settings.py), pointed at a port where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    settings.DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    assert ask(client, known.email).status_code == 302
    assert len(mail.outbox) == 1
    assert "the cache is unavailable" in caplog.text


def test_link_lifetime_in_words(settings):
    settings.PASSWORD_RESET_TIMEOUT = 90 * 60
    assert auth_views.link_lifetime() == "90 minutes"
    settings.PASSWORD_RESET_TIMEOUT = 3600
    assert auth_views.link_lifetime() == "1 hour"
