"""Factories for interventions (and the few pupil, assessment and target rows its tests need). Each child
takes its school from its parent so a fixture cannot span two schools by accident."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from assessment.models import Judgement, Subject
from interventions import models
from pupils.models import GroupMembership, Pupil, TeachingGroup, TeachingGroupTeacher
from targets.models import ProgressStatus
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory, SchoolFactory


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    upn = factory.Sequence(lambda n: f"A{n:011d}X"[:13])
    legal_surname = factory.Sequence(lambda n: f"Surname{n:04d}")
    legal_forename = factory.Sequence(lambda n: f"Pupil{n:04d}")
    date_of_birth = dt.date(2016, 1, 1)
    gender = "F"
    year_group = 3


class TeachingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeachingGroup

    academic_year = factory.SubFactory(AcademicYearFactory)
    school = factory.SelfAttribute("academic_year.school")
    name = factory.Sequence(lambda n: f"3{n}")
    subject = "english"
    year_group = 3


def teach(group, user):
    TeachingGroupTeacher.objects.create(group=group, user=user)


def enrol(group, pupil, start=dt.date(2000, 1, 1)):
    return GroupMembership.objects.create(group=group, pupil=pupil, start_date=start)


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject
        django_get_or_create = ("school", "code")

    school = factory.SubFactory(SchoolFactory)
    code = "reading"
    name = "Reading"
    group_subject = "english"


def judgement(pupil, subject, window, points, grade=""):
    return Judgement.objects.create(
        school=pupil.school,
        pupil=pupil,
        subject=subject,
        window=window,
        grade=grade or str(points),
        points=points,
        judged_at=timezone.now(),
    )


def status(pupil, subject, window, value, latest=True):
    return ProgressStatus.objects.create(
        school=pupil.school,
        pupil=pupil,
        subject=subject,
        window=window,
        expected=20,
        actual=18,
        status=value,
        since_window=window,
        is_latest=latest,
    )


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Programme

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Reading catch-up {n}")
    wave = 2
    need_area = "reading"
    group_size = 4
    sessions_per_week = 3
    session_minutes = 30
    length_weeks = 10
    cost_basis = "session"
    unit_cost = 20


class ProvisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Provision

    programme = factory.SubFactory(ProgrammeFactory)
    school = factory.SelfAttribute("programme.school")
    name = factory.Sequence(lambda n: f"Group {n}")
    start_date = dt.date(2026, 1, 5)
    end_date = dt.date(2026, 3, 27)


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProvisionPupil

    provision = factory.SubFactory(ProvisionFactory)
    pupil = factory.SubFactory(PupilFactory, school=factory.SelfAttribute("..provision.school"))
    joined_on = factory.SelfAttribute("provision.start_date")


class CharacteristicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SuccessCharacteristic

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Characteristic {n}")


class ScoreCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ScoreCard

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SelfAttribute("pupil.school")
    taken_on = dt.date(2025, 10, 1)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FollowUp

    place = factory.SubFactory(PlaceFactory)
    learned = "Can now blend CVC words with adjacent consonants"
    recorded_on = dt.date(2026, 2, 1)


class JournalQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.JournalQuestion

    school = factory.SubFactory(SchoolFactory)
    text = "Is anything stopping me from learning?"


__all__ = ["AssessmentWindowFactory", "SchoolFactory"]
