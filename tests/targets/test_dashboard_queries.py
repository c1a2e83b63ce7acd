"""The dashboard's query count is pinned and does not grow with the number of pupils."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from targets.dashboard.bench import generate_school


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["leader", "teacher", "sip"])
def test_dashboard_queries_do_not_grow_with_pupils(school, other_school, personas, client_as, role):
    # other_school holds the bigger copy so the two measurements use the same user.
    from tests.schoolpl.factories import MembershipFactory

    user = personas[role]
    MembershipFactory(user=user, school=other_school, role=role)
    generate_school(school, 60, years=2, teacher=personas["teacher"])
    generate_school(other_school, 600, years=2, teacher=personas["teacher"])
    small = _count(client_as(user, school), reverse("targets:dashboard"))
    big = _count(client_as(user, other_school), reverse("targets:dashboard"))
    assert small == big


@pytest.mark.parametrize("query", ["", "?year=6&group=pupil_premium"])
def test_dashboard_query_budget(school, leader, client_as, django_assert_max_num_queries, query):
    generate_school(school, 120, years=2)
    client = client_as(leader, school)
    # session, user, memberships (middleware) · teaching groups for the filter · windows, subjects, pupils,
    # statuses, judgements, baselines, status counts, attainment sums, the school's own AREs (load_frames) ·
    # provision provider · the session saved after sign-in (savepoint, update, release)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("targets:dashboard") + query)
    assert response.status_code == 200


def test_drill_down_query_budget(school, leader, client_as, django_assert_max_num_queries):
    generate_school(school, 120, years=2)
    client = client_as(leader, school)
    # middleware 3 · teaching groups 1 · load_frames 8 · session save 3
    with django_assert_max_num_queries(15):
        response = client.get(reverse("targets:dashboard_pupils") + "?status=stuck")
    assert response.status_code == 200
    assert response.context["table"].rows


def test_trust_dashboard_query_budget(school, other_school, leader, client_as, django_assert_max_num_queries):
    from tests.schoolpl.factories import MembershipFactory

    MembershipFactory(user=leader, school=other_school, role="leader")
    generate_school(school, 60, years=1)
    generate_school(other_school, 60, years=1)
    client = client_as(leader, school)
    # middleware 3 · memberships 1 · one GROUP BY school, subject, status · session save 3
    with django_assert_max_num_queries(8):
        response = client.get(reverse("targets:trust_dashboard"))
    assert len(response.context["per_school"]) == 2
