"""Pure tests of targets.expectations (no Django, no database): hand-computed cases and properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from targets.expectations import (
    ABOVE,
    AT,
    AUTUMN,
    BELOW,
    SPRING,
    SUMMER,
    WELL_BELOW,
    are_band,
    at_or_above,
    default_are,
    term_of,
)


@pytest.mark.parametrize(
    ("year", "points"),
    [(0, 9), (1, 12), (2, 15), (3, 18), (4, 21), (5, 24), (6, 27), (7, 30), (9, 36), (11, 42)],
)
def test_end_of_year_defaults_follow_design(year, points):
    assert default_are(year) == points
    assert default_are(year, SUMMER) == points


def test_terms_interpolate_a_point_each():
    assert [default_are(2, t) for t in (AUTUMN, SPRING, SUMMER)] == [13, 14, 15]
    assert [default_are(6, t) for t in (AUTUMN, SPRING, SUMMER)] == [25, 26, 27]
    assert default_are(3, AUTUMN) == 16  # a term on from the end of Year 2


def test_nursery_continues_the_line():
    assert default_are(-2, AUTUMN) == 1  # the line continues down: Nursery 1 autumn
    assert default_are(-1) == 6


def test_bad_term_raises():
    with pytest.raises(ValueError):
        default_are(3, 4)


def test_term_of_by_third_of_the_year():
    start, end = dt.date(2025, 9, 1), dt.date(2026, 7, 31)
    assert term_of(dt.date(2025, 12, 19), start, end) == AUTUMN
    assert term_of(dt.date(2026, 3, 27), start, end) == SPRING
    assert term_of(dt.date(2026, 7, 20), start, end) == SUMMER
    assert term_of(start, start, end) == AUTUMN
    assert term_of(dt.date(2026, 8, 30), start, end) == SUMMER


@pytest.mark.parametrize(
    ("points", "band"),
    [(27, AT), (28, AT), (29, ABOVE), (26, BELOW), (25, BELOW), (23.5, BELOW), (23, WELL_BELOW), (24, BELOW)],
)
def test_bands_against_4b(points, band):
    # ARE 27, one step = 2: at is 27..<29, below is >23..<27, well below is ≤23.
    assert are_band(points, 27) == band


def test_fractional_line_exactly_a_step_away():
    are = 3.120465
    assert are_band(are + 2, are) == ABOVE
    assert are_band(are - 4, are) == WELL_BELOW
    assert are_band(are, are) == AT


finite = st.floats(min_value=-50, max_value=80, allow_nan=False)


@given(points=finite, are=finite, step=st.sampled_from([0.25, 1.0, 2.0, 3.0]))
def test_at_or_above_iff_points_reach_are(points, are, step):
    band = are_band(points, are, step)
    assert at_or_above(band) == (round(points - are, 6) >= 0)


@given(points=finite, are=finite, more=st.floats(min_value=0, max_value=20))
def test_bands_are_monotone_in_points(points, are, more):
    order = [WELL_BELOW, BELOW, AT, ABOVE]
    assert order.index(are_band(points + more, are)) >= order.index(are_band(points, are))


@given(year=st.integers(min_value=0, max_value=13), term=st.sampled_from([AUTUMN, SPRING, SUMMER]))
def test_line_rises_three_points_a_year(year, term):
    assert default_are(year + 1, term) - default_are(year, term) == pytest.approx(3)
    assert default_are(year, term) == pytest.approx(9 + 3 * year - (3 - term))
