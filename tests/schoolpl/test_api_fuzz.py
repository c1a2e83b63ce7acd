"""Fuzz the whole API against its own OpenAPI schema (schemathesis): as a school admin of a school with data,
every operation gets a bounded, deterministic set of generated requests (valid and invalid: about ten per
operation, the same every run), and the test fails on any 5xx, a response that does not match the schema, or
a 401/403 (which would mean the fuzz is not signed in and tests nothing).

The requests go in-process to Django's WSGI handler, signed in with a session cookie and a CSRF token (the
API uses session authentication, so writes need both)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.throttling import UserRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from conftest import sign_in
from interventions import services as intervention_services
from tests.interventions.factories import (
    CharacteristicFactory,
    PlaceFactory,
    ProgrammeFactory,
    ProvisionFactory,
    SubjectFactory,
    enrol,
    judgement,
    status,
)
from tests.pupils.factories import PupilFactory, TeachingGroupFactory
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory
from tests.selfreview.factories import ReviewFactory, ensure_annex
from tests.targets.factories import PupilTargetFactory

pytestmark = pytest.mark.django_db


def _openapi() -> dict:
    """The schema /api/schema/ serves, as JSON (built once, when the tests are collected)."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


# Examples and fuzzing, bounded by max_examples below, valid and invalid data alike, from a fixed seed (the same
# requests every run). The coverage phase is off: it adds thousands of boundary cases that max_examples does not
# bound (minutes, not seconds).
schema = schemathesis.openapi.from_dict(
    _openapi(), config=SchemathesisConfig.from_dict({"seed": 2026, "phases": {"coverage": {"enabled": False}}})
)
CSRF_TOKEN = "fuzz" * 8  # 32 characters: Django accepts an unmasked secret that matches the cookie


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler inside the test's transaction: like the test client, don't close the connection
    at the end of each request (that would end the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def school_with_data(school):
    """A little of everything the API serves, with ids that generated requests may hit."""
    year = AcademicYearFactory(school=school)
    window = AssessmentWindowFactory(school=school, academic_year=year)
    subject = SubjectFactory(school=school)
    group = TeachingGroupFactory(academic_year=year, name="6 Reading")
    pupils = [
        PupilFactory(school=school),  # no SEN need, no ethnicity recorded: blank values the API returns
        PupilFactory(school=school, sen_provision="K", primary_need="SLCN", ethnicity="WBRI", fsm=True),
    ]
    for pupil in pupils:
        enrol(group, pupil)
        judgement(pupil, subject, window, 27.0, grade="4b")
        status(pupil, subject, window, "on_track")
        PupilTargetFactory(pupil=pupil, subject=subject)
    place = PlaceFactory(provision=ProvisionFactory(programme=ProgrammeFactory(school=school)), pupil=pupils[1])
    trait = CharacteristicFactory(school=school)
    intervention_services.score_card_create(
        school=school, pupil=place.pupil, taken_on=dt.date(2025, 10, 1), ratings={trait.pk: (4, 5, None)}
    )
    ensure_annex()
    ReviewFactory(school=school)
    return school


@pytest.fixture
def admin_cookies(client: Client, school_admin, school_with_data) -> dict[str, str]:
    sign_in(client, school_admin, school_with_data)
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_TOKEN}


@pytest.fixture
def unthrottled(monkeypatch):
    """The fuzz sends hundreds of requests a minute as one user; the rate limit is not what it tests."""
    monkeypatch.setattr(UserRateThrottle, "allow_request", lambda self, request, view: True)


def signed_in_as_staff(ctx, response, case) -> bool | None:
    """The admin may use every operation: a 401 or 403 means the fuzz is not signed in and tests nothing."""
    if response.status_code in (401, 403):
        raise AssertionError(f"{response.status_code} for the school admin: {response.text[:200]}")
    return None


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_every_request_without_a_server_error_and_as_documented(case, wsgi_app, admin_cookies, unthrottled):
    case.call_and_validate(
        app=wsgi_app,
        headers={"X-CSRFToken": CSRF_TOKEN},
        cookies=admin_cookies,
        checks=[not_a_server_error, response_schema_conformance, signed_in_as_staff],
    )
