"""Factories for the partnership tests. Every object takes its school from the pupil (or the window), so a
fixture cannot span two schools by accident."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from assessment.models import Judgement, Subject
from partnership import services
from partnership.models import PortalLink, PortalSettings, ProgressReview
from pupils.models import Contact, GroupMembership, Pupil, TeachingGroup, TeachingGroupTeacher, TutorAssignment
from pupils.upn import make_upn
from schoolpl.models import AcademicYear, AssessmentWindow, Membership
from targets.models import CurricularTarget, ProgressStatus, PupilTarget
from tests.schoolpl.factories import UserFactory

_serial = itertools.count(1)


def pupil(school, **kwargs) -> Pupil:
    n = next(_serial)
    defaults = {
        "upn": make_upn(802, 2101 + n // 1000, 18, n % 1000),  # distinct from the other apps' factories
        "legal_surname": f"Surname{n}",
        "legal_forename": f"Forename{n}",
        "date_of_birth": dt.date(2014, 3, 14),
        "gender": "F",
        "year_group": 6,
        "form": "6B",
    }
    return Pupil.objects.create(school=school, **{**defaults, **kwargs})


def tutor_of(tutor, *pupils, start=dt.date(2020, 9, 1)) -> None:
    for p in pupils:
        TutorAssignment.objects.create(school=p.school, tutor=tutor, pupil=p, start_date=start)


def tutor_user(school, username="tutor"):
    user = UserFactory(username=username)
    Membership.objects.create(user=user, school=school, role="tutor")
    return user


def window_of(school, name="Autumn 2025", start=dt.date(2025, 9, 1), end=dt.date(2025, 12, 19)):
    year = AcademicYear.objects.filter(school=school, start_date__lte=start, end_date__gte=start).first()
    if year is None:
        s = start.year if start.month >= 9 else start.year - 1
        year = AcademicYear.objects.create(
            school=school, name=f"{s}/{str(s + 1)[-2:]}", start_date=dt.date(s, 9, 1), end_date=dt.date(s + 1, 8, 31)
        )
    return AssessmentWindow.objects.create(
        school=school, academic_year=year, name=name, start_date=start, end_date=end, is_open=False
    )


def subject(school, code="reading", name="Reading", order=0) -> Subject:
    return Subject.objects.get_or_create(
        school=school, code=code, defaults={"name": name, "group_subject": "english", "order": order}
    )[0]


def judgement(pupil, subject, window, grade="4b", points=27.0) -> Judgement:
    return Judgement.objects.create(
        school=pupil.school, pupil=pupil, subject=subject, window=window, grade=grade, points=points,
        judged_at=timezone.now(),
    )  # fmt: skip


def status(pupil, subject, window, status="on_track", expected=27.0, actual=27.0) -> ProgressStatus:
    return ProgressStatus.objects.create(
        school=pupil.school, pupil=pupil, subject=subject, window=window, since_window=window, status=status,
        expected=expected, actual=actual, is_latest=True,
    )  # fmt: skip


def numeric_target(pupil, subject, points=33.0, by=dt.date(2026, 7, 1)) -> PupilTarget:
    return PupilTarget.objects.create(
        school=pupil.school, pupil=pupil, subject=subject, baseline_points=21, baseline_date=dt.date(2022, 7, 1),
        target_points=points, target_date=by, status=PupilTarget.Status.ACTIVE,
    )  # fmt: skip


def curricular_target(pupil, text="Use commas in lists", subject=None, **kwargs) -> CurricularTarget:
    return CurricularTarget.objects.create(
        school=pupil.school, level=CurricularTarget.Level.PUPIL, term=CurricularTarget.Term.MEDIUM, text=text,
        pupil=pupil, subject=subject, **kwargs,
    )  # fmt: skip


def contact(pupil, name="Amira Hassan", email="amira@example.org", **kwargs) -> Contact:
    defaults = {"relationship": "Mother", "preferred_language": "English", "parental_responsibility": True}
    return Contact.objects.create(pupil=pupil, name=name, email=email, **{**defaults, **kwargs})


def review(pupil, tutor, held_on=None, **kwargs) -> ProgressReview:
    return ProgressReview.objects.create(
        school=pupil.school, pupil=pupil, tutor=tutor, held_on=held_on or timezone.localdate(), **kwargs
    )


def taught_by(teacher, *pupils, year=None) -> TeachingGroup:
    school = pupils[0].school
    year = (
        year
        or AcademicYear.objects.filter(school=school).first()
        or AcademicYear.objects.create(
            school=school, name="2025/26", start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 8, 31)
        )
    )
    group = TeachingGroup.objects.create(
        school=school, academic_year=year, name=f"6T{next(_serial)}", subject="english", year_group=6
    )
    TeachingGroupTeacher.objects.create(group=group, user=teacher)
    for p in pupils:
        GroupMembership.objects.create(group=group, pupil=p, start_date=dt.date(2020, 9, 1))
    return group


def portal_on(school, pupils=True, parents=True) -> PortalSettings:
    return services.portal_settings_update(school=school, pupils_enabled=pupils, parents_enabled=parents)


def portal_user(pupil, kind="parent", username=None):
    """A portal account linked to ``pupil`` (a parent of them, or the pupil themselves)."""
    user = UserFactory(username=username or f"{kind}{next(_serial)}")
    Membership.objects.get_or_create(user=user, school=pupil.school, role=kind)
    PortalLink.objects.create(school=pupil.school, user=user, pupil=pupil, kind=kind, accepted_at=timezone.now())
    return user


def link(user, pupil, kind="parent") -> PortalLink:
    return PortalLink.objects.create(school=pupil.school, user=user, pupil=pupil, kind=kind, accepted_at=timezone.now())
