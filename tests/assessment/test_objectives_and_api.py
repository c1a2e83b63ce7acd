"""Day-to-day assessment (objectives, quick record) and the REST API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessment.models import CriterionRecord, Judgement, LearningObjective
from tests.assessment.factories import JudgementFactory, objective_with_criteria

pytestmark = pytest.mark.django_db


def test_teacher_adds_an_objective_with_success_criteria(client_as, teacher, school, group):
    response = client_as(teacher, school).post(
        reverse("assessment:objectives", args=[group.pk]),
        {"title": "retrieve facts", "taught_on": "2025-10-01", "criteria": "I can skim\n\nI can scan\n"},
    )
    objective = LearningObjective.objects.get(group=group)
    assert response.status_code == 302
    assert list(objective.success_criteria.values_list("text", flat=True)) == ["I can skim", "I can scan"]


def test_quick_record_saves_a_rating_and_query_count_is_constant(
    client_as, teacher, school, group, pupils, django_assert_max_num_queries
):
    objective = objective_with_criteria(group)
    criterion = objective.success_criteria.first()
    client = client_as(teacher, school)
    response = client.post(
        reverse("assessment:objective_record_save", args=[objective.pk]),
        {"pupil": pupils[0].pk, "criterion": criterion.pk, "by": "peer", "rating": 3},
    )
    assert response.status_code == 200 and "Saved" in response.content.decode()
    assert CriterionRecord.objects.get(pupil=pupils[0], criterion=criterion).rating == 3
    # session, user, membership; objective, criteria, pupils, ratings, teacher link; session save
    with django_assert_max_num_queries(12):
        page = client.get(reverse("assessment:objective_record", args=[objective.pk]) + "?by=peer")
    assert 'value="3" selected' in page.content.decode()


def test_quick_record_refuses_a_rating_out_of_range(client_as, teacher, school, group, pupils):
    objective = objective_with_criteria(group)
    response = client_as(teacher, school).post(
        reverse("assessment:objective_record_save", args=[objective.pk]),
        {"pupil": pupils[0].pk, "criterion": objective.success_criteria.first().pk, "by": "self", "rating": 7},
    )
    assert "Ratings are 1" in response.content.decode()
    assert not CriterionRecord.objects.exists()


def test_api_lists_only_visible_judgements(client_as, teacher, school, window, reading, pupils):
    from tests.pupils.factories import PupilFactory

    JudgementFactory(pupil=pupils[0], subject=reading, window=window)
    JudgementFactory(pupil=PupilFactory(school=school), subject=reading, window=window)
    data = client_as(teacher, school).get("/api/v1/assessments/").json()
    assert [row["pupil"] for row in data["results"]] == [pupils[0].pk]


def test_api_write_uses_the_version_check(client_as, teacher, school, group, window, reading, pupils):
    client = client_as(teacher, school)
    body = {
        "group": group.pk,
        "window": window.pk,
        "subject": reading.pk,
        "pupil": pupils[0].pk,
        "grade": "4b",
        "version": 0,
    }
    first = client.post("/api/v1/assessments/", body, content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] == 1
    stale = client.post("/api/v1/assessments/", body | {"grade": "5c"}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["grade"] == "4b"
    bad = client.post("/api/v1/assessments/", body | {"grade": "EXS", "version": 1}, content_type="application/json")
    assert bad.status_code == 400 and "not a grade" in bad.json()["detail"]
    assert Judgement.objects.get().grade == "4b"


def test_senco_cannot_write_through_the_api(client_as, senco, school, group, window, reading, pupils):
    body = {
        "group": group.pk,
        "window": window.pk,
        "subject": reading.pk,
        "pupil": pupils[0].pk,
        "grade": "4b",
        "version": 0,
    }
    response = client_as(senco, school).post("/api/v1/assessments/", body, content_type="application/json")
    assert response.status_code == 403


def test_scales_api_lists_points(client_as, sip, school):
    data = client_as(sip, school).get("/api/v1/scales/nc/").json()
    assert {"label": "4b", "points": 27.0, "description": "Level 4 secure"} in data["grades"]
