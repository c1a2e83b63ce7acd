"""Walk every URL as a signed-out visitor, as each role, and as an admin of another school."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from conftest import sign_in
from tests.access import EXCLUDED_NAMESPACES, PUBLIC, Expect
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory

ROOT = Path(__file__).resolve().parents[1]


def _access_modules():
    """``tests/<app>/access*.py`` for every project app, in dependency order."""
    modules = []
    for app in settings.PROJECT_APPS:
        folder = ROOT / "tests" / app.rsplit(".", 1)[-1]  # targets.partnership → tests/partnership
        for path in sorted(folder.glob("access*.py")):
            modules.append(importlib.import_module(f"tests.{folder.name}.{path.stem}"))
    return modules


def _expectations() -> dict[str, Expect]:
    merged: dict[str, Expect] = {}
    for module in _access_modules():
        clash = set(merged) & set(module.EXPECTATIONS)
        assert not clash, f"{module.__name__} declares URLs already declared elsewhere: {clash}"
        merged.update(module.EXPECTATIONS)
    return merged


def _world_builders():
    return [m.build_world for m in _access_modules() if hasattr(m, "build_world")]


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
    # A personal tutor of every pupil the world's teacher sees.
    from pupils.models import Pupil, TutorAssignment
    from schoolpl.access import load_access
    from tests.schoolpl.factories import MembershipFactory, UserFactory

    w["tutor"] = UserFactory(username="tutor")
    MembershipFactory(user=w["tutor"], school=school, role="tutor")
    TutorAssignment.objects.bulk_create(
        TutorAssignment(school=school, tutor=w["tutor"], pupil=p, start_date=date(2020, 9, 1))
        for p in Pupil.objects.visible_to(load_access(w["teacher"], school.pk))
    )
    return w


def _view_caps(url: str, method: str) -> frozenset | None:
    """The capabilities the view behind ``url`` declares (school_view or a DRF viewset)."""
    func = resolve(url.split("?")[0]).func
    if hasattr(func, "required_caps"):
        return func.required_caps
    cls = getattr(func, "cls", None)
    if cls is None:
        return None
    name = "required_caps" if method == "get" else "write_caps"
    return frozenset(getattr(cls, name, ()))


@pytest.mark.parametrize("url_name", sorted(EXPECTATIONS))
def test_role_matrix(url_name, world, client):
    expect = EXPECTATIONS[url_name]
    url = reverse(url_name, kwargs=expect.kwargs(world) if expect.kwargs else None) + expect.query
    failures = []
    view_caps = _view_caps(url, expect.method)
    for persona in ("anon", "teacher", "tutor", "senco", "leader", "sip", "admin", "outsider"):
        client.logout()
        if persona != "anon":
            user = world[persona]
            sign_in(client, user, world["other_school"] if persona == "outsider" else world["school"])
        data = expect.data(world) if expect.data else None
        response = getattr(client, expect.method)(url, data=data)
        wanted = expect.status_for(persona, view_caps)
        if response.status_code != wanted:
            failures.append(f"{persona}: got {response.status_code}, expected {wanted}")
        if persona == "anon" and wanted == 302:
            assert "/accounts/login/" in response["Location"], f"{url_name}: anon not sent to sign in"
    assert not failures, f"{url_name} ({url}): " + "; ".join(failures)
