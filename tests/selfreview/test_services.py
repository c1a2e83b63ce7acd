"""Writes: reviews with dated phases, ratings 1–4 saved with optimistic concurrency and audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from selfreview import services
from selfreview.models import AnnexItem, Rating, Review, ReviewPhase
from tests.selfreview.factories import RatingFactory, ReviewFactory

pytestmark = pytest.mark.django_db

D1, D2, D3 = dt.date(2025, 10, 15), dt.date(2026, 2, 10), dt.date(2026, 6, 30)


def _item(code="3c"):
    return AnnexItem.objects.get(code=code)


def test_review_create_makes_three_dated_phases(school, leader):
    review = services.review_create(
        school=school, title="Annual self-review", academic_year_label="2025/26", by=leader, phase_dates=(D1, D2, None)
    )
    assert [(p.phase, p.date) for p in review.phases.order_by("phase")] == [(1, D1), (2, D2), (3, None)]
    assert review.created_by == leader


@pytest.mark.parametrize("dates", [(D2, D1, None), (D1, D1, None), (D3, None, D1)])
def test_review_create_refuses_phase_dates_out_of_order(school, dates):
    with pytest.raises(ValidationError, match="must be after"):
        services.review_create(school=school, title="R", academic_year_label="2025/26", phase_dates=dates)
    assert not Review.objects.exists()


def test_phase_set_date_keeps_dates_strictly_in_order(school):
    review = ReviewFactory(school=school, phase_dates=(D1, D2, None))
    services.phase_set_date(review=review, phase=3, date=D3)
    with pytest.raises(ValidationError):
        services.phase_set_date(review=review, phase=2, date=D3)
    with pytest.raises(ValidationError):
        services.phase_set_date(review=review, phase=1, date=D2)
    with pytest.raises(ValidationError):
        services.phase_set_date(review=review, phase=4, date=D3)
    assert list(ReviewPhase.objects.filter(review=review).values_list("date", flat=True)) == [D1, D2, D3]


def test_phases_set_dates_validates_all_three_together(school):
    review = ReviewFactory(school=school, phase_dates=(D1, D2, D3))
    # Moving every phase a year on at once is fine even though the new phase 1 is after the old phase 3.
    later = {p: d.replace(year=d.year + 1) for p, d in ((1, D1), (2, D2), (3, D3))}
    services.phases_set_dates(review=review, dates=later)
    assert list(review.phases.values_list("date", flat=True)) == list(later.values())
    with pytest.raises(ValidationError):
        services.phases_set_dates(review=review, dates={1: D3, 2: D2, 3: None})


@pytest.mark.parametrize("bad", [0, 5, -1, 2.0, "3", True])
def test_rating_save_accepts_only_1_to_4(school, bad):
    review = ReviewFactory(school=school)
    with pytest.raises(ValidationError):
        services.rating_save(review=review, item=_item(), phase=1, rating=bad, expected_version=0)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("bad", [0, 4])
def test_rating_save_refuses_a_phase_other_than_1_to_3(school, bad):
    with pytest.raises(ValidationError):
        services.rating_save(review=ReviewFactory(school=school), item=_item(), phase=bad, rating=2, expected_version=0)


@pytest.mark.parametrize("bad", [0, 5])
def test_database_refuses_a_rating_outside_1_to_4(school, bad):
    review = ReviewFactory(school=school)
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingFactory(review=review, rating=bad)


def test_first_save_creates_version_1_and_an_audit_row(school, leader):
    review = ReviewFactory(school=school)
    result = services.rating_save(
        review=review, item=_item(), phase=1, rating=3, notes=" APP used in Y6 only ", expected_version=0, by=leader
    )
    assert result.saved and result.rating.version == 1
    assert result.rating.notes == "APP used in Y6 only"
    assert result.rating.updated_by == leader
    assert result.rating.history.count() == 1


def test_save_with_the_current_version_updates_and_bumps_it(school, leader, sip):
    review = ReviewFactory(school=school)
    first = services.rating_save(review=review, item=_item(), phase=1, rating=3, expected_version=0, by=leader)
    second = services.rating_save(
        review=review, item=_item(), phase=1, rating=2, notes="Better", expected_version=first.rating.version, by=sip
    )
    assert second.saved
    row = Rating.objects.get()
    assert (row.rating, row.notes, row.version, row.updated_by) == (2, "Better", 2, sip)
    assert [h.rating for h in row.history.order_by("history_date")] == [3, 2]


def test_stale_version_is_a_conflict_that_keeps_the_colleagues_value(school, leader, sip):
    review = ReviewFactory(school=school)
    services.rating_save(review=review, item=_item(), phase=1, rating=3, expected_version=0, by=leader)
    services.rating_save(
        review=review, item=_item(), phase=1, rating=1, notes="Leader's view", expected_version=1, by=leader
    )
    # The SIP's page still shows version 1.
    result = services.rating_save(
        review=review, item=_item(), phase=1, rating=4, notes="SIP", expected_version=1, by=sip
    )
    assert result.conflict
    assert (result.rating.rating, result.rating.notes, result.rating.updated_by) == (1, "Leader's view", leader)
    assert result.rating.updated_at is not None
    assert Rating.objects.get().rating == 1  # nothing overwritten


def test_two_first_saves_of_the_same_cell_conflict_rather_than_duplicate(school, leader, sip):
    review = ReviewFactory(school=school)
    services.rating_save(review=review, item=_item(), phase=2, rating=2, expected_version=0, by=leader)
    result = services.rating_save(review=review, item=_item(), phase=2, rating=4, expected_version=0, by=sip)
    assert result.conflict and result.rating.rating == 2
    assert Rating.objects.count() == 1


def test_keep_mine_saves_over_the_colleagues_version(school, leader, sip):
    review = ReviewFactory(school=school)
    services.rating_save(review=review, item=_item(), phase=1, rating=3, expected_version=0, by=leader)
    conflict = services.rating_save(review=review, item=_item(), phase=1, rating=4, expected_version=0, by=sip)
    kept = services.rating_save(
        review=review, item=_item(), phase=1, rating=4, expected_version=conflict.rating.version, by=sip
    )
    assert kept.saved and Rating.objects.get().rating == 4


def test_a_rating_may_be_cleared_and_notes_kept(school, leader):
    review = ReviewFactory(school=school)
    services.rating_save(review=review, item=_item(), phase=1, rating=3, expected_version=0, by=leader)
    result = services.rating_save(
        review=review,
        item=_item(),
        phase=1,
        rating=None,
        notes="Wait for the book scrutiny",
        evidence_links="https://example.org/a\n\n  https://example.org/b ",
        expected_version=1,
        by=leader,
    )
    assert result.saved and result.rating.rating is None
    assert result.rating.links == ["https://example.org/a", "https://example.org/b"]
