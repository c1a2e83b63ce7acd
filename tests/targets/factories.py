"""Factories for the targets tests (and the few pupil and assessment objects they need). Child objects take
their school from their parent, so a fixture cannot span two schools by accident."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from assessment.models import Focus, FocusJudgement, Judgement, Subject
from pupils.models import GroupMembership, Pupil, TeachingGroup, TeachingGroupTeacher
from pupils.upn import make_upn
from schoolpl.models import AcademicYear, AssessmentWindow
from targets.models import CurricularTarget, Notification, ProgressStatus, PupilTarget, TargetReview
from tests.schoolpl.factories import SchoolFactory


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    upn = factory.Sequence(lambda n: make_upn(873, 2999, 19, n % 1000))  # a range no other factory uses
    legal_surname = factory.Sequence(lambda n: f"Surname{n}")
    legal_forename = factory.Sequence(lambda n: f"Forename{n}")
    date_of_birth = dt.date(2015, 3, 1)
    gender = "F"
    year_group = 6


class TeachingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeachingGroup

    school = factory.SubFactory(SchoolFactory)
    academic_year = factory.LazyAttribute(
        lambda o: (
            AcademicYear.objects.filter(school=o.school).first()
            or AcademicYear.objects.create(
                school=o.school, name="2025/26", start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 8, 31)
            )
        )
    )
    name = factory.Sequence(lambda n: f"6{chr(65 + n % 26)}{n}")
    subject = "english"
    year_group = 6


def teach(group, user):
    return TeachingGroupTeacher.objects.create(group=group, user=user)


def enrol(group, *pupils, start=dt.date(2020, 9, 1)):
    return [GroupMembership.objects.create(group=group, pupil=p, start_date=start) for p in pupils]


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject
        django_get_or_create = ("school", "code")

    school = factory.SubFactory(SchoolFactory)
    code = "reading"
    name = factory.LazyAttribute(lambda o: o.code.title())
    group_subject = "english"


class FocusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Focus
        django_get_or_create = ("subject", "code")

    subject = factory.SubFactory(SubjectFactory)
    code = factory.Sequence(lambda n: f"AF{n % 8 + 1}")
    name = factory.LazyAttribute(lambda o: f"Focus {o.code}")


def windows(school, count=6, first_year=2023):
    """``count`` termly windows (Autumn, Spring, Summer …) from September of ``first_year``, oldest first."""
    out = []
    terms = [("Autumn", (9, 1), (12, 19), 0), ("Spring", (1, 5), (3, 31), 1), ("Summer", (4, 14), (7, 22), 1)]
    for i in range(count):
        year_offset, (name, start, end, shift) = divmod(i, 3)[0], terms[i % 3]
        start_year = first_year + year_offset
        ay = AcademicYear.objects.get_or_create(
            school=school,
            name=f"{start_year}/{str(start_year + 1)[-2:]}",
            defaults={"start_date": dt.date(start_year, 9, 1), "end_date": dt.date(start_year + 1, 8, 31)},
        )[0]
        y = start_year + shift
        out.append(
            AssessmentWindow.objects.create(
                school=school,
                academic_year=ay,
                name=f"{name} {y}",
                start_date=dt.date(y, *start),
                end_date=dt.date(y, *end),
            )
        )
    return out


class JudgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Judgement

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    subject = factory.SubFactory(SubjectFactory, school=factory.SelfAttribute("..school"))
    window = None
    grade = "4b"
    points = 27.0
    judged_at = factory.LazyFunction(timezone.now)


class FocusJudgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocusJudgement

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    focus = None
    subject = factory.SelfAttribute("focus.subject")
    window = None
    grade = "4b"
    points = 27.0
    judged_at = factory.LazyFunction(timezone.now)


class PupilTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PupilTarget

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    subject = factory.SubFactory(SubjectFactory, school=factory.SelfAttribute("..school"))
    baseline_points = 15.0
    baseline_date = dt.date(2023, 7, 15)
    target_points = 27.0
    target_date = dt.date(2026, 7, 15)
    proposed_points = 27.0
    proposal_basis = "expected progress: +12 points over 3.0 years"
    status = PupilTarget.Status.ACTIVE


class CurricularTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CurricularTarget

    school = factory.SubFactory(SchoolFactory)
    level = CurricularTarget.Level.SCHOOL
    term = CurricularTarget.Term.LONG
    text = factory.Sequence(lambda n: f"Pupils use inference to explain a character's choices ({n})")


class TargetReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetReview

    target = factory.SubFactory(CurricularTargetFactory)
    reviewed_on = dt.date(2025, 11, 1)
    outcome = CurricularTarget.Status.ACTIVE


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    school = factory.SubFactory(SchoolFactory)
    user = None
    kind = "progress_behind"
    message = "A pupil is now behind in Reading."
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")


class ProgressStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressStatus

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    subject = factory.SubFactory(SubjectFactory, school=factory.SelfAttribute("..school"))
    window = None
    since_window = factory.SelfAttribute("window")
    expected = 21.0
    actual = 17.0
    status = "behind"
    is_latest = True
