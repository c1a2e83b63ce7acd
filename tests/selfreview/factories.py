"""Factories for self-reviews. Phases and ratings take their school from their review."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from selfreview.models import AnnexItem, Rating, Review, ReviewPhase
from tests.schoolpl.factories import SchoolFactory


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    title = "Annual self-review"
    academic_year_label = "2025/26"

    @factory.post_generation
    def phase_dates(obj, create, extracted, **kwargs):
        """``ReviewFactory(phase_dates=(d1, d2, d3))``; by default autumn, spring and summer dates."""
        if not create:
            return
        dates = extracted or (dt.date(2025, 12, 20), dt.date(2026, 3, 31), dt.date(2026, 7, 20))
        ReviewPhase.objects.bulk_create([ReviewPhase(review=obj, phase=i + 1, date=day) for i, day in enumerate(dates)])


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    review = factory.SubFactory(ReviewFactory)
    item = factory.LazyFunction(lambda: AnnexItem.objects.get(code="1a"))
    phase = 1
    rating = 2
    notes = ""
    version = 1
    updated_at = factory.LazyFunction(timezone.now)


def rate(review, ratings: dict[tuple[str, int], int | None], by=None) -> list[Rating]:
    """Bulk-create ``{(code, phase): rating}`` on ``review``."""
    items = {i.code: i for i in AnnexItem.objects.all()}
    return Rating.objects.bulk_create(
        [
            Rating(review=review, item=items[code], phase=phase, rating=value, updated_by=by, updated_at=timezone.now())
            for (code, phase), value in ratings.items()
        ]
    )


def make_pupil(school, *, upn: str, forename: str, surname: str):
    from pupils.models import Pupil

    return Pupil.objects.create(
        school=school,
        upn=upn,
        legal_forename=forename,
        legal_surname=surname,
        date_of_birth=dt.date(2015, 5, 1),
        gender="F",
        year_group=5,
    )


def ensure_annex() -> None:
    """Reload the annex if a transactional test (of any app) flushed it: it is product data from migration 0002,
    which a flush removes and pytest-django does not restore without serialized rollback."""
    from importlib import import_module

    from django.apps import apps

    if AnnexItem.objects.count() != 32:
        import_module("selfreview.migrations.0002_load_annex").load_annex(apps, None)
