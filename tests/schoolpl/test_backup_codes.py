"""Multi-factor recovery (issue 18): one-time backup codes (django-otp's static tokens), made when an app is
first paired and shown once, each accepted once by the verify page, replaced as a set, and counted."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from schoolpl import auth_views
from tests.schoolpl.factories import PASSWORD
from tests.schoolpl.test_mfa import device_token, token_for_key

pytestmark = pytest.mark.django_db


def password_sign_in(client, user) -> None:
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302


def pair_app(client) -> TOTPDevice:
    """Pair an authenticator app through the set-up page; return the response and the device."""
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 200
    key = client.session["schoolpl_mfa_new_key"]
    return client.post(reverse("mfa_setup"), {"token": token_for_key(bytes.fromhex(key))})


def shown_codes(response) -> list[str]:
    return [code.replace(" ", "") for code in response.context["codes"]]


@pytest.fixture
def app_and_codes(leader):
    device = TOTPDevice.objects.create(user=leader, name="Authenticator app", key=random_hex(20), confirmed=True)
    codes = auth_views.backup_codes_generate(user=leader)
    return device, codes


def test_pairing_an_app_makes_ten_codes_and_shows_them_once(client, teacher):
    password_sign_in(client, teacher)
    paired = pair_app(client)
    assert paired.status_code == 302
    assert paired["Location"].startswith(reverse("mfa_backup_codes"))
    page = client.get(paired["Location"])
    codes = shown_codes(page)
    assert len(codes) == 10 == len(set(codes))
    assert b"This is the only time they are shown" in page.content
    assert b"data-print" in page.content
    assert page.context["left"] == 10
    stored = set(StaticToken.objects.filter(device__user=teacher).values_list("token", flat=True))
    assert stored == set(codes)
    again = client.get(reverse("mfa_backup_codes"))
    assert again.context["codes"] == []
    assert b"You have <strong>10</strong> unused backup codes" in again.content
    for code in codes:
        assert code.encode() not in again.content


def test_each_code_works_once_at_verify_and_the_use_is_recorded(client, leader, app_and_codes, caplog):
    _, codes = app_and_codes
    password_sign_in(client, leader)
    typed = f"{codes[0][:4]}-{codes[0][4:].upper()}"  # as printed, in any case, with a dash
    with caplog.at_level(logging.WARNING, logger="schoolpl.auth"):
        response = client.post(reverse("mfa_verify"), {"token": typed}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"You signed in with a backup code" in response.content
    assert b"You have 9 backup codes left" in response.content
    assert "completed sign-in with a backup code; 9 left" in caplog.text
    assert auth_views.backup_codes_left(user=leader) == 9

    client.post(reverse("logout"))
    password_sign_in(client, leader)
    reused = client.post(reverse("mfa_verify"), {"token": codes[0]})
    assert reused.status_code == 200
    assert reused.context["form"].errors
    assert client.get(reverse("home"))["Location"].startswith(reverse("mfa_verify"))
    # Another code still works, once django-otp's wait after a failure (1 s, doubling) has passed.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        assert client.post(reverse("mfa_verify"), {"token": codes[1]})["Location"] == reverse("home")


def test_mistyped_app_codes_do_not_lock_the_backup_codes(client, leader, app_and_codes):
    """django_otp.match_token would count a wrong six-digit code against the backup codes as well."""
    _, codes = app_and_codes
    password_sign_in(client, leader)
    for _ in range(5):
        client.post(reverse("mfa_verify"), {"token": "000000"})
    assert StaticDevice.objects.get(user=leader).throttling_failure_count == 0
    assert client.post(reverse("mfa_verify"), {"token": codes[0]})["Location"] == reverse("home")


def test_the_app_code_still_works_at_verify(client, leader, app_and_codes):
    device, _ = app_and_codes
    password_sign_in(client, leader)
    response = client.post(reverse("mfa_verify"), {"token": device_token(device)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"backup code" not in response.content
    assert auth_views.backup_codes_left(user=leader) == 10


def test_nonsense_is_refused_without_a_lookup(client, leader, app_and_codes):
    password_sign_in(client, leader)
    response = client.post(reverse("mfa_verify"), {"token": "not a code!"})
    assert response.status_code == 200
    assert "backup codes" in response.context["form"].errors["token"][0]


def test_regenerating_replaces_every_old_code(client, leader, app_and_codes):
    device, old = app_and_codes
    password_sign_in(client, leader)
    client.post(reverse("mfa_verify"), {"token": device_token(device)})
    made = client.post(reverse("mfa_backup_codes"))
    assert made["Location"] == reverse("mfa_backup_codes")
    page = client.get(reverse("mfa_backup_codes"))
    new = shown_codes(page)
    assert len(new) == 10 and not set(new) & set(old)
    assert b"The old ones no longer work" in page.content
    assert StaticDevice.objects.filter(user=leader).count() == 1
    client.post(reverse("logout"))
    password_sign_in(client, leader)
    assert client.post(reverse("mfa_verify"), {"token": old[0]}).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        assert client.post(reverse("mfa_verify"), {"token": new[0]})["Location"] == reverse("home")


def test_the_count_goes_down_as_codes_are_used(client, leader, app_and_codes):
    device, codes = app_and_codes
    for code in codes[:3]:
        password_sign_in(client, leader)
        client.post(reverse("mfa_verify"), {"token": code})
        client.post(reverse("logout"))
    password_sign_in(client, leader)
    client.post(reverse("mfa_verify"), {"token": codes[3]})
    page = client.get(reverse("mfa_backup_codes"))
    assert page.context["left"] == 6
    assert page.context["codes"] == []


def test_the_codes_page_needs_the_second_factor_in_this_session(client, leader, app_and_codes):
    _, codes = app_and_codes
    password_sign_in(client, leader)
    for method in (client.get, client.post):
        response = method(reverse("mfa_backup_codes"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_verify"))
    assert set(StaticToken.objects.filter(device__user=leader).values_list("token", flat=True)) == set(codes)


def test_without_an_app_the_codes_page_sends_to_set_up(client, teacher):
    password_sign_in(client, teacher)
    assert client.get(reverse("mfa_backup_codes"))["Location"] == reverse("mfa_setup")


def test_replacing_the_app_keeps_unused_codes(client, leader, app_and_codes):
    device, codes = app_and_codes
    password_sign_in(client, leader)
    client.post(reverse("mfa_verify"), {"token": device_token(device)})
    client.get(reverse("mfa_setup"))
    key = client.session["schoolpl_mfa_new_key"]
    response = client.post(
        reverse("mfa_setup"),
        {"current_token": token_for_key(device.bin_key, offset=30), "token": token_for_key(bytes.fromhex(key))},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert auth_views.backup_codes_left(user=leader) == 10


def test_a_backup_code_cannot_stand_in_for_the_current_app_when_replacing_it(client, leader, app_and_codes):
    device, codes = app_and_codes
    password_sign_in(client, leader)
    client.post(reverse("mfa_verify"), {"token": device_token(device)})
    client.get(reverse("mfa_setup"))
    key = client.session["schoolpl_mfa_new_key"]
    data = {"current_token": codes[0], "token": token_for_key(bytes.fromhex(key))}
    response = client.post(reverse("mfa_setup"), data)
    assert response.status_code == 200
    assert TOTPDevice.objects.get(user=leader) == device


def test_regenerating_after_signing_in_with_a_backup_code_keeps_the_session_verified(client, leader, app_and_codes):
    _, codes = app_and_codes
    password_sign_in(client, leader)
    client.post(reverse("mfa_verify"), {"token": codes[0]})
    client.post(reverse("mfa_backup_codes"))
    page = client.get(reverse("mfa_backup_codes"))
    assert page.status_code == 200
    assert len(page.context["codes"]) == 10
    assert client.get(reverse("home")).status_code == 200
