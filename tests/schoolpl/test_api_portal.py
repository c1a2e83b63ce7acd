"""Pupil and parent (portal) accounts are refused by the staff API and its schema, as by the staff pages."""

from __future__ import annotations

import pytest

from conftest import sign_in
from tests.schoolpl.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URLS = ["/api/v1/", "/api/v1/scales/", "/api/v1/scales/nc/", "/api/v1/reviews/", "/api/schema/"]


@pytest.mark.parametrize("role", ["pupil", "parent"])
@pytest.mark.parametrize("url", URLS)
def test_portal_accounts_are_refused_by_the_staff_api(client, school, role, url):
    user = UserFactory(username=f"portal_{role}")
    MembershipFactory(user=user, school=school, role=role)
    sign_in(client, user, school)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/api/v1/", "/api/v1/scales/", "/api/schema/"])
def test_staff_still_reach_the_api_root_scales_and_schema(client, teacher, school, url):
    sign_in(client, teacher, school)
    assert client.get(url).status_code == 200


def test_staff_get_405_for_a_method_an_endpoint_lacks_and_portal_accounts_still_403(client, teacher, school):
    sign_in(client, teacher, school)
    assert client.post("/api/v1/scales/", {}).status_code == 405
    assert client.delete("/api/v1/pupils/1/").status_code == 405
    parent = UserFactory(username="portal_parent_405")
    MembershipFactory(user=parent, school=school, role="parent")
    sign_in(client, parent, school)
    assert client.post("/api/v1/scales/", {}).status_code == 403
