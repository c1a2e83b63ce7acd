"""Factories for the tenancy models. Child objects take their school from their parent, so a fixture cannot
span two schools by accident."""

from __future__ import annotations

import datetime as dt

import factory

from schoolpl.models import AcademicYear, AssessmentWindow, Membership, School, Trust, User

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - test only


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Trust {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n} Primary")
    urn = factory.Sequence(lambda n: f"{100000 + n:06d}")
    la_code = "801"
    estab = factory.Sequence(lambda n: f"{2000 + n:04d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = "teacher"


class AcademicYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AcademicYear

    school = factory.SubFactory(SchoolFactory)
    name = "2025/26"
    start_date = dt.date(2025, 9, 1)
    end_date = dt.date(2026, 8, 31)


class AssessmentWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentWindow

    academic_year = factory.SubFactory(AcademicYearFactory)
    school = factory.SelfAttribute("academic_year.school")
    name = "Autumn 2025"
    start_date = dt.date(2025, 9, 1)
    end_date = dt.date(2025, 12, 19)
