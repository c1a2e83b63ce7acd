"""Walk every URL as a signed-out visitor, as each role, and as an admin of another school."""

from __future__ import annotations

import importlib

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import sign_in
from tests.access import EXCLUDED_NAMESPACES, PUBLIC, Expect
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory


def _expectations() -> dict[str, Expect]:
    merged: dict[str, Expect] = {}
    for app in settings.PROJECT_APPS:
        try:
            module = importlib.import_module(f"tests.{app}.access")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.{app}.access":
                raise
            continue
        merged.update(module.EXPECTATIONS)
    return merged


def _world_builders():
    builders = []
    for app in settings.PROJECT_APPS:
        try:
            module = importlib.import_module(f"tests.{app}.access")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "build_world"):
            builders.append(module.build_world)
    return builders


def _url_names(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    names = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names.extend(_url_names(entry, ns))
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(prefix + entry.name)
    return sorted(set(names))


EXPECTATIONS = _expectations()


def test_every_url_declares_its_expectation():
    missing = [n for n in _url_names() if n not in PUBLIC and n not in EXPECTATIONS]
    assert not missing, f"URLs with no declared access expectation: {missing}"


def test_no_stale_expectations():
    stale = sorted(set(EXPECTATIONS) - set(_url_names()))
    assert not stale, f"Expectations for URLs that no longer exist: {stale}"


@pytest.fixture
def world(personas, school, other_school):
    year = AcademicYearFactory(school=school)
    w = {
        "school": school,
        "other_school": other_school,
        "window": AssessmentWindowFactory(academic_year=year),
        "year": year,
        **personas,
    }
    for build in _world_builders():
        build(w)
    return w


@pytest.mark.parametrize("url_name", sorted(EXPECTATIONS))
def test_role_matrix(url_name, world, client):
    expect = EXPECTATIONS[url_name]
    url = reverse(url_name, kwargs=expect.kwargs(world) if expect.kwargs else None) + expect.query
    failures = []
    for persona in ("anon", "teacher", "senco", "leader", "sip", "admin", "outsider"):
        client.logout()
        if persona != "anon":
            user = world[persona]
            sign_in(client, user, world["other_school"] if persona == "outsider" else world["school"])
        data = expect.data(world) if expect.data else None
        response = getattr(client, expect.method)(url, data=data)
        wanted = expect.status_for(persona)
        if response.status_code != wanted:
            failures.append(f"{persona}: got {response.status_code}, expected {wanted}")
        if persona == "anon" and wanted == 302:
            assert "/accounts/login/" in response["Location"], f"{url_name}: anon not sent to sign in"
    assert not failures, f"{url_name} ({url}): " + "; ".join(failures)
