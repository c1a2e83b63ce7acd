"""Every write to the tenancy models: keyword-only, atomic, validating before saving."""

from __future__ import annotations

import time
from datetime import date

import django_otp
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AcademicYear, AssessmentWindow, Membership, School, User
from .roles import Role


def user_create(*, username: str, password: str, first_name: str = "", last_name: str = "", email: str = "") -> User:
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def membership_grant(*, user: User, school: School, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    membership, _ = Membership.objects.update_or_create(
        user=user, school=school, role=role, defaults={"is_active": True}
    )
    return membership


@transaction.atomic
def school_update(*, school: School, by: User | None = None, **fields) -> School:
    for name, value in fields.items():
        setattr(school, name, value)
    school.full_clean()
    school.save()
    return school


def academic_year_create(*, school: School, name: str, start_date: date, end_date: date) -> AcademicYear:
    year = AcademicYear(school=school, name=name, start_date=start_date, end_date=end_date)
    year.full_clean()
    if AcademicYear.objects.filter(school=school, start_date__lt=end_date, end_date__gt=start_date).exists():
        raise ValidationError("This academic year overlaps another one.")
    year.save()
    return year


def assessment_window_create(
    *, school: School, academic_year: AcademicYear, name: str, start_date: date, end_date: date, is_open: bool = True
) -> AssessmentWindow:
    if academic_year.school_id != school.pk:
        raise ValidationError({"academic_year": "That academic year belongs to another school."})
    if start_date < academic_year.start_date or end_date > academic_year.end_date:
        raise ValidationError(f"The window must fall inside {academic_year.name}.")
    window = AssessmentWindow(
        school=school, academic_year=academic_year, name=name, start_date=start_date, end_date=end_date, is_open=is_open
    )
    window.full_clean()
    if AssessmentWindow.objects.filter(school=school, start_date__lt=end_date, end_date__gt=start_date).exists():
        raise ValidationError("This window overlaps another assessment window.")
    window.save()
    return window


def assessment_window_set_open(*, window: AssessmentWindow, is_open: bool) -> AssessmentWindow:
    AssessmentWindow.objects.filter(pk=window.pk).update(is_open=is_open)
    window.is_open = is_open
    return window


def user_has_mfa_device(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_device_pair(*, user: User, key: str, token: str, current_token: str | None = None) -> TOTPDevice:
    """Pair the authenticator app holding ``key`` (hex), proven by ``token`` from it, in place of any app the
    user had. Replacing an app needs ``current_token``, a code from the current one (DESIGN §4): a password
    alone never adds an authenticator. Raises ``ValidationError`` keyed by field."""
    new_app = TOTP(bytes.fromhex(key))
    new_app.time = time.time()
    if not new_app.verify(int(token), tolerance=1):
        raise ValidationError(
            {"token": "That code is not right. Check the time on your phone and try the newest code."}
        )
    # Checked outside the transaction below so that a wrong code's throttling (django-otp) is kept.
    if user_has_mfa_device(user=user) and (not current_token or django_otp.match_token(user, current_token) is None):
        raise ValidationError({"current_token": "That is not the code your current app shows. Try its newest code."})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        # last_t: the code that paired the app cannot be replayed to complete a sign-in.
        return TOTPDevice.objects.create(
            user=user, name="Authenticator app", key=key, confirmed=True, last_t=new_app.t(), drift=new_app.drift
        )
