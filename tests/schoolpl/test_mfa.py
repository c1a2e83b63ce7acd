"""Multi-factor sign-in: every sign-in path ends at the second factor, and a new authenticator can only be
added with the current one (or by an operator's audited reset). Issue 20, findings 1 and 2."""

from __future__ import annotations

import base64
import time

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from tests.pupils.factories import PupilFactory
from tests.schoolpl.factories import PASSWORD

pytestmark = pytest.mark.django_db

PUPIL_SURNAME = "Zebedee-Marsh"


def token_for_key(bin_key: bytes, offset: int = 0) -> str:
    """The code an app holding ``bin_key`` shows now (or ``offset`` seconds from now)."""
    generator = TOTP(bin_key)
    generator.time = time.time() + offset
    return f"{generator.token():06d}"


def device_token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def shown_key(response) -> bytes:
    """The secret the setup page shows for typing into an app, as the key bytes."""
    secret = response.context["secret"]
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def password_sign_in(client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password itself should be accepted"


def assert_no_pupil_data(client) -> None:
    page = client.get(reverse("pupils:list"))
    assert page.status_code != 200
    assert PUPIL_SURNAME.encode() not in page.content
    api = client.get("/api/v1/pupils/")
    assert api.status_code != 200
    assert PUPIL_SURNAME.encode() not in api.content


@pytest.fixture
def pupil(school):
    return PupilFactory(school=school, legal_surname=PUPIL_SURNAME)


@pytest.fixture
def owners_app(leader):
    device = TOTPDevice.objects.create(user=leader, name="Authenticator app", confirmed=True)
    return device


# --- Finding 1: the setup page is no way round the second factor ------------------------------------------


def test_setup_sends_a_password_only_session_with_an_app_to_enter_its_code(client, leader, owners_app, pupil):
    password_sign_in(client, "leader")
    response = client.get(reverse("mfa_setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_verify"))
    assert list(TOTPDevice.objects.filter(user=leader)) == [owners_app]


def test_password_alone_cannot_pair_a_second_app_and_reach_pupils(client, leader, owners_app, pupil):
    """The attack from the issue: open the setup page, pair an app of one's own, use the school's data."""
    password_sign_in(client, "leader")
    shown = client.get(reverse("mfa_setup"))
    key = shown_key(shown) if shown.status_code == 200 else bytes.fromhex(random_hex(20))
    client.post(reverse("mfa_setup"), {"token": token_for_key(key), "current_token": "000000"})
    assert_no_pupil_data(client)
    assert list(TOTPDevice.objects.filter(user=leader)) == [owners_app]


def test_opening_the_setup_page_writes_no_device(client, teacher, school):
    school.require_mfa = True
    school.save()
    password_sign_in(client, "teacher")
    first = client.get(reverse("mfa_setup"))
    again = client.get(reverse("mfa_setup"))
    assert first.status_code == again.status_code == 200
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    # A reload shows the same secret, so an app scanned a moment ago still matches.
    assert first.context["secret"] == again.context["secret"]


def test_first_app_is_paired_with_the_code_it_shows(client, teacher, school, pupil):
    school.require_mfa = True
    school.save()
    password_sign_in(client, "teacher")
    key = shown_key(client.get(reverse("mfa_setup")))
    response = client.post(reverse("mfa_setup"), {"token": token_for_key(key)})
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=teacher)
    assert device.confirmed
    assert device.bin_key == key
    assert client.get(reverse("home")).status_code == 200
    # The code that paired the app cannot be replayed to verify a later sign-in.
    client.logout()
    password_sign_in(client, "teacher")
    client.post(reverse("mfa_verify"), {"token": token_for_key(key)})
    assert client.get(reverse("home")).status_code == 302


def verified_client(client, username: str, device: TOTPDevice):
    password_sign_in(client, username)
    response = client.post(reverse("mfa_verify"), {"token": device_token(device)})
    assert response.status_code == 302
    return client


def test_replacing_an_app_needs_a_code_from_the_current_one(client, leader, owners_app, pupil):
    verified_client(client, "leader", owners_app)
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 200
    assert b"current" in page.content.lower()
    key = shown_key(page)
    refused = client.post(reverse("mfa_setup"), {"token": token_for_key(key)})
    assert refused.status_code == 200
    assert list(TOTPDevice.objects.filter(user=leader)) == [owners_app]
    # A code one step ahead: the current app's code from signing in has been used.
    ok = client.post(
        reverse("mfa_setup"),
        {"token": token_for_key(key), "current_token": token_for_key(owners_app.bin_key, offset=30)},
    )
    assert ok.status_code == 302
    replacement = TOTPDevice.objects.get(user=leader)  # the old app no longer signs in
    assert replacement.bin_key == key
    assert replacement.confirmed
    assert client.get(reverse("pupils:list")).status_code == 200


def test_a_wrong_current_code_keeps_the_current_app(client, leader, owners_app):
    verified_client(client, "leader", owners_app)
    key = shown_key(client.get(reverse("mfa_setup")))
    wrong = "000000" if token_for_key(owners_app.bin_key, offset=30) != "000000" else "111111"
    response = client.post(reverse("mfa_setup"), {"token": token_for_key(key), "current_token": wrong})
    assert response.status_code == 200
    assert b"current app" in response.content
    assert list(TOTPDevice.objects.filter(user=leader)) == [owners_app]


# --- Finding 2: the operators' admin login ends at the second factor too -----------------------------------


@pytest.fixture
def operator(leader):
    """A platform operator who is also a senior leader at the school (so a bypass would show pupils)."""
    leader.is_staff = True
    leader.is_superuser = True
    leader.save()
    return leader


def test_admin_login_with_a_password_alone_reaches_no_pupil_data(client, operator, owners_app, pupil):
    client.post("/ops-admin/login/?next=/ops-admin/", {"username": "leader", "password": PASSWORD})
    assert_no_pupil_data(client)
    assert client.get("/ops-admin/").status_code != 200
    assert client.get(reverse("home")).status_code != 200


def test_admin_login_sends_operators_to_the_app_sign_in(client, operator):
    response = client.get("/ops-admin/login/?next=/ops-admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/ops-admin/"


def test_admin_needs_the_second_factor_even_without_an_app(client, operator, school):
    """An operator with no app yet is sent to pair one: the admin site sees every school."""
    password_sign_in(client, "leader")
    response = client.get("/ops-admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("mfa_setup"))


def test_admin_opens_after_the_code(client, operator, owners_app):
    verified_client(client, "leader", owners_app)
    assert client.get("/ops-admin/").status_code == 200


def test_operator_reset_of_an_app_is_recorded(client, operator, owners_app, teacher):
    """The path for a lost phone: an operator removes the app in the admin, and the admin log keeps it."""
    teachers_app = TOTPDevice.objects.create(user=teacher, name="Authenticator app", confirmed=True)
    verified_client(client, "leader", owners_app)
    url = reverse("admin:otp_totp_totpdevice_delete", args=[teachers_app.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=teachers_app.pk).exists()
    assert LogEntry.objects.filter(user=operator, object_id=str(teachers_app.pk), action_flag=DELETION).exists()
