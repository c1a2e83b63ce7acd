from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from selfreview.annex import FEATURES, item_codes
from selfreview.priorities import (
    DECLINED,
    IMPROVED,
    NEW,
    NO_CHANGE,
    FeaturePriorities,
    Priority,
    feature_averages,
    latest_phase,
    movement,
    priorities,
    validate_phase,
    validate_phase_dates,
    validate_rating,
)

RATINGS = {
    ("1a", 1): 4, ("1a", 2): 3, ("1a", 3): 3,  # 3 -> 3: no change
    ("1b", 1): 2, ("1b", 2): 2, ("1b", 3): 4,  # 2 -> 4: declined by 2
    ("1c", 3): 3,  # first rated in phase 3: new
    ("1d", 2): 1, ("1d", 3): 1,  # never a priority
    ("2a", 2): 4, ("2a", 3): 3,  # 4 -> 3: improved by 1
    ("3c", 2): None, ("3c", 3): 4,  # unrated (None) in phase 2: new
    ("5b", 2): 3, ("5b", 3): None,  # a priority in phase 2 only
    ("6d", 1): 4, ("6d", 3): 3,  # skipped in phase 2: new (compared with phase 2 only)
    ("7a", 1): 1, ("7b", 1): 2, ("7c", 1): 2,
    ("9c", 1): 3, ("9c", 2): 4, ("9c", 3): 4,
}  # fmt: skip


def summary(groups: tuple[FeaturePriorities, ...]) -> list[tuple[int, list[tuple]]]:
    return [
        (
            group.feature.number,
            [(p.code, p.rating, p.previous_rating, p.movement, p.change) for p in group.items],
        )
        for group in groups
    ]


# --- latest phase -----------------------------------------------------------------------------------


def test_latest_phase():
    assert latest_phase(RATINGS) == 3
    assert latest_phase({}) is None
    assert latest_phase({("1a", 1): None, ("2b", 3): None}) is None
    assert latest_phase({("1a", 1): 2}) == 1
    assert latest_phase({("1a", 1): 3, ("1a", 2): None, ("4c", 2): 1}) == 2
    assert latest_phase({("1a", 1): 3, ("1a", 3): None}) == 1


# --- priorities -------------------------------------------------------------------------------------


def test_priorities_in_the_latest_phase():
    assert summary(priorities(RATINGS)) == [
        (1, [("1a", 3, 3, NO_CHANGE, 0), ("1b", 4, 2, DECLINED, -2), ("1c", 3, None, NEW, None)]),
        (2, [("2a", 3, 4, IMPROVED, 1)]),
        (3, [("3c", 4, None, NEW, None)]),
        (6, [("6d", 3, None, NEW, None)]),
        (9, [("9c", 4, 4, NO_CHANGE, 0)]),
    ]
    assert priorities(RATINGS) == priorities(RATINGS, phase=3)


def test_priorities_in_a_given_phase():
    assert summary(priorities(RATINGS, phase=2)) == [
        (1, [("1a", 3, 4, IMPROVED, 1)]),
        (2, [("2a", 4, None, NEW, None)]),
        (5, [("5b", 3, None, NEW, None)]),
        (9, [("9c", 4, 3, DECLINED, -1)]),
    ]
    assert summary(priorities(RATINGS, phase=1)) == [
        (1, [("1a", 4, None, NEW, None)]),
        (6, [("6d", 4, None, NEW, None)]),
        (9, [("9c", 3, None, NEW, None)]),
    ]


def test_priority_records_carry_the_feature_and_annex_wording():
    groups = priorities(RATINGS)
    assert groups[0].feature is FEATURES[0]
    assert groups[1] == FeaturePriorities(
        feature=FEATURES[1],
        items=(
            Priority(
                code="2a",
                letter="a",
                text="translating NC or GCSE targets into curricular targets",
                rating=3,
                previous_rating=4,
                movement="improved",
                change=1,
            ),
        ),
    )
    assert groups[-1].items[0].text == (
        "developing the role of the 'personal tutor' as a first point of contact for parents/carers (secondary context)"
    )


def test_priorities_follow_annex_order_whatever_the_mapping_order():
    shuffled = dict(reversed(list(RATINGS.items())))
    assert priorities(shuffled) == priorities(RATINGS)


def test_no_priorities():
    assert priorities({}) == ()
    assert priorities({("1a", 1): None}) == ()
    assert priorities({("1a", 1): 1, ("1b", 1): 2}) == ()
    assert priorities(RATINGS, phase=3) != ()
    assert priorities({("1a", 1): 4}, phase=2) == ()


def test_every_item_rated_4_is_a_priority():
    ratings = {(code, 1): 4 for code in item_codes()}
    groups = priorities(ratings)
    assert [group.feature.number for group in groups] == list(range(1, 10))
    assert [p.code for group in groups for p in group.items] == list(item_codes())
    assert {p.movement for group in groups for p in group.items} == {NEW}


@pytest.mark.parametrize(
    "ratings",
    [
        {("1a", 1): 5},
        {("1a", 1): 0},
        {("1a", 1): "3"},
        {("1a", 1): True},
        {("1z", 1): 3},
        {("10a", 1): 3},
        {("1a", 4): 3},
        {("1a", 0): 3},
        {("1a",): 3},
    ],
)
def test_bad_ratings_are_refused(ratings):
    with pytest.raises(ValueError):
        priorities(ratings)
    with pytest.raises(ValueError):
        latest_phase(ratings)
    with pytest.raises(ValueError):
        feature_averages(ratings)


@pytest.mark.parametrize("phase", [0, 4, "3", True, 2.0])
def test_bad_phase_argument(phase):
    with pytest.raises(ValueError):
        priorities(RATINGS, phase=phase)


def test_movement():
    assert movement(None, 3) == (NEW, None)
    assert movement(4, 3) == (IMPROVED, 1)
    assert movement(4, 1) == (IMPROVED, 3)
    assert movement(3, 3) == (NO_CHANGE, 0)
    assert movement(1, 4) == (DECLINED, -3)


# --- feature averages -------------------------------------------------------------------------------


def test_feature_averages_exact():
    assert feature_averages(RATINGS) == {
        1: {1: 3.0, 2: 2.0, 3: 2.75},  # (4+2)/2, (3+2+1)/3, (3+4+3+1)/4
        2: {1: None, 2: 4.0, 3: 3.0},
        3: {1: None, 2: None, 3: 4.0},  # the None rating in phase 2 is not counted
        4: {1: None, 2: None, 3: None},
        5: {1: None, 2: 3.0, 3: None},
        6: {1: 4.0, 2: None, 3: 3.0},
        7: {1: 5 / 3, 2: None, 3: None},
        8: {1: None, 2: None, 3: None},
        9: {1: 3.0, 2: 4.0, 3: 4.0},
    }


def test_feature_averages_shape():
    averages = feature_averages({})
    assert list(averages) == list(range(1, 10))
    assert all(list(per_phase) == [1, 2, 3] for per_phase in averages.values())
    assert all(value is None for per_phase in averages.values() for value in per_phase.values())


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 2, 3, 4])
def test_valid_ratings(value):
    assert validate_rating(value) == value


@pytest.mark.parametrize("value", [0, 5, -1, 2.5, 3.0, True, False, "3", None, [3]])
def test_invalid_ratings(value):
    with pytest.raises(ValueError):
        validate_rating(value)


@given(st.integers())
def test_rating_bounds(value):
    if 1 <= value <= 4:
        assert validate_rating(value) == value
    else:
        with pytest.raises(ValueError):
            validate_rating(value)


def test_validate_phase():
    assert [validate_phase(p) for p in (1, 2, 3)] == [1, 2, 3]
    for bad in (0, 4, True, "1", 1.0, None):
        with pytest.raises(ValueError):
            validate_phase(bad)


D = datetime.date


@pytest.mark.parametrize(
    "dates",
    [
        (None, None, None),
        (D(2024, 9, 1), None, None),
        (None, None, D(2025, 7, 1)),
        (D(2024, 9, 1), D(2025, 1, 10), D(2025, 7, 1)),
        (D(2024, 9, 1), None, D(2025, 7, 1)),
        (None, D(2025, 1, 10), D(2025, 1, 11)),
    ],
)
def test_phase_dates_in_order(dates):
    assert validate_phase_dates(*dates) is None


@pytest.mark.parametrize(
    ("dates", "later", "earlier"),
    [
        ((D(2025, 1, 10), D(2024, 9, 1), None), 2, 1),
        ((D(2024, 9, 1), D(2024, 9, 1), None), 2, 1),  # same day is not allowed
        ((D(2024, 9, 1), D(2025, 1, 10), D(2025, 1, 9)), 3, 2),
        ((D(2025, 7, 1), None, D(2024, 9, 1)), 3, 1),
        ((None, D(2025, 1, 10), D(2025, 1, 10)), 3, 2),
    ],
)
def test_phase_dates_out_of_order(dates, later, earlier):
    with pytest.raises(ValueError) as raised:
        validate_phase_dates(*dates)
    message = str(raised.value)
    assert f"phase {later} date" in message
    assert f"phase {earlier} date" in message


@pytest.mark.parametrize("bad", ["2024-09-01", datetime.datetime(2024, 9, 1, 12, 0), 20240901])
def test_phase_dates_must_be_dates(bad):
    with pytest.raises(ValueError, match="phase 2"):
        validate_phase_dates(D(2024, 1, 1), bad, None)
