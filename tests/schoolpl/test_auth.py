from __future__ import annotations

import base64
import time

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import sign_in
from schoolpl.access import SESSION_LOGIN_AT_KEY, SESSION_SCHOOL_KEY
from tests.schoolpl.factories import PASSWORD, MembershipFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def current_token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_sign_in_reaches_the_home_page(client, teacher, school):
    response = client.post(reverse("login"), {"username": "teacher", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Greenfield Primary School" in response.content
    assert b"Teacher" in response.content


def test_wrong_password_shows_a_clear_error(client, teacher):
    response = client.post(reverse("login"), {"username": "teacher", "password": "nope"})
    assert response.status_code == 200
    assert b"That username and password do not match" in response.content


def test_lockout_is_per_username_and_address(client, teacher, senco, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "teacher", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "teacher", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many sign-in attempts" in locked.content
    # A colleague at the same school (same public address) can still sign in.
    other = client.post(reverse("login"), {"username": "senco", "password": PASSWORD})
    assert other.status_code == 302


def test_passwords_are_hashed(teacher):
    assert teacher.password.startswith("md5$")  # tests use a fast hasher; production uses Django's PBKDF2
    assert PASSWORD not in teacher.password


def test_school_requiring_mfa_sends_staff_to_set_up_an_app(client, teacher, school):
    school.require_mfa = True
    school.save()
    sign_in(client, teacher, school)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_setup"))
    setup = client.get(reverse("mfa_setup"))
    assert b"Scan this code" in setup.content
    secret = setup.context["secret"]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    good = f"{totp(key):06d}"
    bad = client.post(reverse("mfa_setup"), {"token": "000000" if good != "000000" else "111111"})
    assert b"That code is not right" in bad.content
    ok = client.post(reverse("mfa_setup"), {"token": good})
    assert ok.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    device = TOTPDevice.objects.get(user=teacher)
    assert device.confirmed


def test_a_user_with_a_device_must_enter_a_code_after_the_password(client, teacher):
    device = TOTPDevice.objects.create(user=teacher, name="app", confirmed=True)
    client.post(reverse("login"), {"username": "teacher", "password": PASSWORD})
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("mfa_verify"))
    client.post(reverse("mfa_verify"), {"token": current_token(device)})
    assert client.get(reverse("home")).status_code == 200


def test_sip_is_not_asked_for_mfa_because_they_see_no_pupil_data(client, sip, school):
    school.require_mfa = True
    school.save()
    sign_in(client, sip, school)
    assert client.get(reverse("home")).status_code == 200


def test_session_has_an_absolute_limit(client, teacher, school):
    sign_in(client, teacher, school)
    session = client.session
    session[SESSION_LOGIN_AT_KEY] = time.time() - 13 * 3600
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert "expired=1" in response["Location"]


def test_pages_about_pupils_are_not_cached(client, teacher, school):
    sign_in(client, teacher, school)
    response = client.get(reverse("home"))
    assert "no-store" in response["Cache-Control"]


def test_content_security_policy_forbids_inline_script(client, teacher, school):
    sign_in(client, teacher, school)
    csp = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_school_switcher_changes_the_working_school(client, teacher, school):
    second = SchoolFactory(name="Riverside Primary")
    MembershipFactory(user=teacher, school=second, role="leader")
    sign_in(client, teacher, school)
    home = client.get(reverse("home"))
    assert b"Riverside Primary" in home.content  # offered in the switcher
    client.post(reverse("switch_school"), {"school": second.pk})
    assert client.session[SESSION_SCHOOL_KEY] == second.pk
    assert b"as Senior leader" in client.get(reverse("home")).content


def test_cannot_switch_to_a_school_you_do_not_belong_to(client, teacher, school, other_school):
    sign_in(client, teacher, school)
    client.post(reverse("switch_school"), {"school": other_school.pk})
    assert client.session.get(SESSION_SCHOOL_KEY) == school.pk


def test_home_page_links_only_to_features_the_role_may_use(client, teacher, school_admin, school):
    sign_in(client, school_admin, school)
    assert reverse("school_settings").encode() in client.get(reverse("home")).content
    client.logout()
    sign_in(client, teacher, school)
    assert reverse("school_settings").encode() not in client.get(reverse("home")).content


def test_admin_can_add_a_term_and_close_it(client, school_admin, school):
    sign_in(client, school_admin, school)
    client.post(
        reverse("calendar"),
        {"add_year": "1", "year-name": "2025/26", "year-start_date": "2025-09-01", "year-end_date": "2026-08-31"},
    )
    year = school.academic_years.get()
    response = client.post(
        reverse("calendar"),
        {
            "add_window": "1",
            "window-academic_year": year.pk,
            "window-name": "Autumn 2025",
            "window-start_date": "2025-09-01",
            "window-end_date": "2025-12-19",
            "window-is_open": "on",
        },
    )
    assert response.status_code == 302
    window = school.assessment_windows.get()
    client.post(reverse("window_toggle", args=[window.pk]))
    window.refresh_from_db()
    assert window.is_open is False


def test_window_outside_its_year_is_refused(client, school_admin, school):
    from django.core.exceptions import ValidationError

    from schoolpl import services
    from tests.schoolpl.factories import AcademicYearFactory

    year = AcademicYearFactory(school=school)
    with pytest.raises(ValidationError, match="must fall inside"):
        services.assessment_window_create(
            school=school,
            academic_year=year,
            name="Bad",
            start_date=year.start_date.replace(year=2024),
            end_date=year.end_date,
        )


def test_pupil_and_parent_accounts_land_on_the_portal_and_never_on_staff_pages(client, school):
    from tests.schoolpl.factories import UserFactory

    parent = UserFactory(username="parent")
    MembershipFactory(user=parent, school=school, role="parent")
    sign_in(client, parent, school)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("partnership:portal")
    assert client.get(reverse("school_settings")).status_code == 403
