"""/api/v1/reviews/: scoped like the pages; editors start reviews and rate with versions."""

from __future__ import annotations

import pytest

from selfreview.models import Rating, Review
from tests.selfreview.factories import ReviewFactory, rate

pytestmark = pytest.mark.django_db


def test_staff_list_only_their_schools_reviews_with_phases_and_ratings(school, other_school, teacher, client_as):
    mine = ReviewFactory(school=school)
    ReviewFactory(school=other_school)
    rate(mine, {("3c", 1): 3})
    body = client_as(teacher, school).get("/api/v1/reviews/").json()
    assert [r["id"] for r in body["results"]] == [mine.pk]
    review = body["results"][0]
    assert [p["phase"] for p in review["phases"]] == [1, 2, 3]
    assert review["ratings"][0]["item"] == "3c" and review["ratings"][0]["rating"] == 3


def test_sip_starts_a_review_and_a_teacher_cannot(school, sip, teacher, client_as):
    data = {"title": "Spring review", "academic_year_label": "2025/26", "phase_1_date": "2026-01-20"}
    assert client_as(teacher, school).post("/api/v1/reviews/", data).status_code == 403
    response = client_as(sip, school).post("/api/v1/reviews/", data)
    assert response.status_code == 201
    review = Review.objects.get()
    assert review.school == school and review.created_by == sip
    assert str(review.phases.get(phase=1).date) == "2026-01-20"


def test_api_refuses_phase_dates_out_of_order(school, leader, client_as):
    data = {"title": "R", "academic_year_label": "2025/26", "phase_1_date": "2026-03-01", "phase_2_date": "2026-01-01"}
    assert client_as(leader, school).post("/api/v1/reviews/", data).status_code == 400
    assert not Review.objects.exists()


def test_rate_saves_then_a_stale_version_gets_409_with_the_current_value(school, leader, client_as):
    review = ReviewFactory(school=school)
    client = client_as(leader, school)
    url = f"/api/v1/reviews/{review.pk}/rate/"
    first = client.post(url, {"item": "4c", "phase": 1, "rating": 3, "notes": "No impact data", "version": 0})
    assert first.status_code == 200 and first.json()["version"] == 1
    stale = client.post(url, {"item": "4c", "phase": 1, "rating": 1, "version": 0})
    assert stale.status_code == 409
    assert stale.json()["current"]["rating"] == 3 and stale.json()["current"]["updated_by"] == leader.display_name
    assert client.post(url, {"item": "4c", "phase": 1, "rating": 5, "version": 1}).status_code == 400
    assert Rating.objects.get().rating == 3


def test_teacher_cannot_rate_and_outsider_gets_404(school, teacher, outsider, other_school, client_as):
    review = ReviewFactory(school=school)
    url = f"/api/v1/reviews/{review.pk}/rate/"
    data = {"item": "1a", "phase": 1, "rating": 2, "version": 0}
    assert client_as(teacher, school).post(url, data).status_code == 403
    assert client_as(outsider, other_school).post(url, data).status_code == 404
    assert not Rating.objects.exists()
