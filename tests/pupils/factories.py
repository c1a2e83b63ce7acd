"""Factories for pupils and teaching groups. Each child object takes its school from its parent."""

from __future__ import annotations

import datetime as dt

import factory

from pupils.models import Contact, GroupMembership, Pupil, TeachingGroup, TeachingGroupTeacher
from pupils.upn import make_upn
from tests.schoolpl.factories import AcademicYearFactory, SchoolFactory, UserFactory


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    upn = factory.Sequence(lambda n: make_upn(801, 2001 + n // 1000, 19, n % 1000))
    legal_surname = factory.Faker("last_name", locale="en_GB")
    legal_forename = factory.Faker("first_name", locale="en_GB")
    date_of_birth = dt.date(2014, 3, 14)
    gender = factory.Iterator(["F", "M"])
    year_group = 6
    form = "6A"


class TeachingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeachingGroup

    academic_year = factory.SubFactory(AcademicYearFactory)
    school = factory.SelfAttribute("academic_year.school")
    name = factory.Sequence(lambda n: f"6 Set {n}")
    subject = TeachingGroup.Subject.MATHS
    kind = TeachingGroup.Kind.SET
    year_group = 6


class TeachingGroupTeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeachingGroupTeacher

    group = factory.SubFactory(TeachingGroupFactory)
    user = factory.SubFactory(UserFactory)


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(TeachingGroupFactory)
    pupil = factory.SubFactory(PupilFactory, school=factory.SelfAttribute("..group.school"))
    start_date = factory.SelfAttribute("group.academic_year.start_date")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    pupil = factory.SubFactory(PupilFactory)
    name = factory.Faker("name", locale="en_GB")
    relationship = "Mother"


def taught_group(teacher, year, **kwargs) -> TeachingGroup:
    """A group in ``year``'s school taught by ``teacher``."""
    group = TeachingGroupFactory(academic_year=year, **kwargs)
    TeachingGroupTeacherFactory(group=group, user=teacher)
    return group


def pupil_in(group, **kwargs) -> Pupil:
    """A pupil of the group's school who is in ``group`` from the start of its year."""
    pupil = PupilFactory(school=group.school, **kwargs)
    GroupMembershipFactory(group=group, pupil=pupil)
    return pupil
