import datetime as dt
import random

import pytest

from schoolpl.demo import DemoContext
from selfreview import demo
from selfreview.models import Rating, Review
from tests.schoolpl.factories import AcademicYearFactory

pytestmark = pytest.mark.django_db


def test_demo_review_has_phase_1_complete_and_phase_2_partly_rated(school, leader, sip):
    year = AcademicYearFactory(school=school, name="2025/26")
    ctx = DemoContext(
        rng=random.Random(1),
        pupils=0,
        today=dt.date(2026, 3, 1),
        school=school,
        users={"leader": leader, "sip": sip},
        years=[year],
    )
    demo.build(ctx)
    current = Review.objects.get(academic_year_label="2025/26")
    assert Review.objects.filter(school=school).count() == 2  # last year's is kept
    ratings = Rating.objects.filter(review=current)
    assert ratings.filter(phase=1, rating__isnull=False).count() == 32
    assert 0 < ratings.filter(phase=2).count() < 32
    assert not ratings.filter(phase=3).exists()
    assert all(r.notes for r in ratings)
    dates = list(current.phases.values_list("date", flat=True))
    assert dates == sorted(dates) and len(set(dates)) == 3
    assert dates[0] <= ctx.today
