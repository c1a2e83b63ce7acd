"""Shared personas: one school with a teacher, a SENCO, a senior leader, a SIP and a school admin, and an
outsider who is an admin of another school; and the school's pupil and parent (portal) accounts."""

from __future__ import annotations

import pytest

from schoolpl.access import SESSION_SCHOOL_KEY
from tests.schoolpl.factories import MembershipFactory, SchoolFactory, UserFactory

ROLES = ("teacher", "senco", "leader", "sip", "admin")


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def school(db):
    return SchoolFactory(name="Greenfield Primary School")


@pytest.fixture
def other_school(db):
    return SchoolFactory(name="Elsewhere Primary School")


def _member(school, role, username):
    # Fixed names, so a test looking for pupils' names on a page never trips over a persona's own name.
    user = UserFactory(username=username, first_name=role.title(), last_name="Persona")
    MembershipFactory(user=user, school=school, role=role)
    return user


@pytest.fixture
def teacher(school):
    return _member(school, "teacher", "teacher")


@pytest.fixture
def senco(school):
    return _member(school, "senco", "senco")


@pytest.fixture
def leader(school):
    return _member(school, "leader", "leader")


@pytest.fixture
def sip(school):
    return _member(school, "sip", "sip")


@pytest.fixture
def school_admin(school):
    return _member(school, "admin", "admin")


@pytest.fixture
def outsider(other_school):
    return _member(other_school, "admin", "outsider")


@pytest.fixture
def portal_pupil(school):
    """A pupil's own portal account (linked to no child yet: a test links it where it needs one)."""
    return _member(school, "pupil", "portal_pupil")


@pytest.fixture
def portal_parent(school):
    """A parent's portal account (linked to no child yet: a test links it where it needs one)."""
    return _member(school, "parent", "portal_parent")


@pytest.fixture
def personas(teacher, senco, leader, sip, school_admin, outsider):
    return {
        "teacher": teacher,
        "senco": senco,
        "leader": leader,
        "sip": sip,
        "admin": school_admin,
        "outsider": outsider,
    }


def sign_in(client, user, school=None):
    """Sign ``client`` in as ``user`` (optionally working in ``school``)."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if school is not None:
        session = client.session
        session[SESSION_SCHOOL_KEY] = school.pk
        session.save()
    return client


@pytest.fixture
def eager_celery():
    """Run published tasks in this process (as on a laptop without Redis), whatever REDIS_URL says."""
    from celery import current_app

    saved = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = saved


@pytest.fixture
def client_as(client):
    def _as(user, school=None):
        client.logout()
        return sign_in(client, user, school)

    return _as


from tests.celery_support import celery_worker_process, real_broker  # noqa: E402,F401  (shared fixtures)
