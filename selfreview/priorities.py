"""Development priorities from annex ratings: pure functions over plain data (no Django).

Ratings come in as a mapping ``{(item_code, phase): rating_or_None}``, for example
``{("1a", 1): 3, ("1a", 2): 2, ("3c", 2): None}``. Codes are the annex codes of ``selfreview.annex``
("1a" … "9c"), phases are 1, 2 or 3, ratings run from 1 (a strong feature of current practice) to 4 (an
aspect needing significant development); ``None`` and a missing key both mean "not rated".
A lower rating is better, so a change is reported as ``previous - current``: positive means improved.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from selfreview.annex import FEATURES, PHASES, RATING_SCALE, Feature, item_by_code, item_code

__all__ = [
    "IMPROVED",
    "NO_CHANGE",
    "DECLINED",
    "NEW",
    "PRIORITY_RATINGS",
    "FeaturePriorities",
    "Priority",
    "feature_averages",
    "latest_phase",
    "movement",
    "priorities",
    "validate_phase",
    "validate_phase_dates",
    "validate_rating",
]

IMPROVED = "improved"
NO_CHANGE = "no change"
DECLINED = "declined"
NEW = "new"

# Ratings that make an item a development priority.
PRIORITY_RATINGS = frozenset({3, 4})

_VALID_RATINGS = tuple(value for value, _label in RATING_SCALE)

Ratings = Mapping[tuple[str, int], int | None]


@dataclass(frozen=True)
class Priority:
    """One item rated 3 or 4 in the phase looked at."""

    code: str  # "3c"
    letter: str  # "c"
    text: str  # the annex wording
    rating: int  # 3 or 4, in the phase looked at
    previous_rating: int | None  # in the phase before it; None if unrated there (or phase 1)
    movement: str  # IMPROVED / NO_CHANGE / DECLINED / NEW
    change: int | None  # previous_rating - rating (positive = better); None when movement is NEW


@dataclass(frozen=True)
class FeaturePriorities:
    """The priorities under one feature, in annex order."""

    feature: Feature
    items: tuple[Priority, ...]


def validate_rating(value: object) -> int:
    """Return ``value`` if it is an int from 1 to 4; raise ``ValueError`` otherwise.

    Only real ints are accepted: bools, floats (even ``3.0``), strings and ``None`` are refused.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"A rating must be a whole number from 1 to 4, not {value!r}.")
    if value not in _VALID_RATINGS:
        raise ValueError(f"A rating must be from 1 to 4, not {value}.")
    return value


def validate_phase(value: object) -> int:
    """Return ``value`` if it is one of the phases 1, 2, 3; raise ``ValueError`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in PHASES:
        raise ValueError(f"A phase must be 1, 2 or 3, not {value!r}.")
    return value


def validate_phase_dates(d1: datetime.date | None, d2: datetime.date | None, d3: datetime.date | None) -> None:
    """Check the dates of phases 1, 2 and 3.

    Each may be ``None``. The dates given must be plain ``datetime.date`` values and strictly increase
    in phase order (an empty phase is skipped, so phase 3 must still fall after phase 1). Raises
    ``ValueError`` naming the phases concerned.
    """
    earlier: tuple[int, datetime.date] | None = None
    for phase, value in zip(PHASES, (d1, d2, d3), strict=True):
        if value is None:
            continue
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise ValueError(f"The phase {phase} date must be a date, not {value!r}.")
        if earlier is not None:
            earlier_phase, earlier_date = earlier
            if value <= earlier_date:
                raise ValueError(
                    f"The phase {phase} date ({value.isoformat()}) must be after the phase "
                    f"{earlier_phase} date ({earlier_date.isoformat()})."
                )
        earlier = (phase, value)


def _clean(ratings: Ratings) -> dict[tuple[str, int], int]:
    """Validate every entry and drop the unrated ones."""
    cleaned: dict[tuple[str, int], int] = {}
    for key, rating in ratings.items():
        try:
            code, phase = key
        except (TypeError, ValueError):
            raise ValueError(f"A ratings key must be (item_code, phase), not {key!r}.") from None
        try:
            item_by_code(code)
        except KeyError:
            raise ValueError(f"Unknown annex item code: {code!r}.") from None
        validate_phase(phase)
        if rating is not None:
            cleaned[(code, phase)] = validate_rating(rating)
    return cleaned


def latest_phase(ratings: Ratings) -> int | None:
    """The latest phase in which any item is rated, or ``None`` when nothing is rated."""
    phases = {phase for _code, phase in _clean(ratings)}
    return max(phases) if phases else None


def movement(previous: int | None, current: int) -> tuple[str, int | None]:
    """``(movement, change)`` between two ratings, where ``change = previous - current``."""
    if previous is None:
        return NEW, None
    change = previous - current
    if change > 0:
        return IMPROVED, change
    if change < 0:
        return DECLINED, change
    return NO_CHANGE, 0


def priorities(ratings: Ratings, phase: int | None = None) -> tuple[FeaturePriorities, ...]:
    """The items rated 3 or 4 in ``phase`` (default: the latest rated phase), grouped by feature.

    Features and items keep annex order; features with no priority are left out. Each item is compared
    with its rating in the phase immediately before (``phase - 1``): unrated there (or ``phase`` is 1)
    means movement ``"new"``. Returns an empty tuple when nothing is rated.
    """
    cleaned = _clean(ratings)
    if phase is None:
        phases = {p for _code, p in cleaned}
        if not phases:
            return ()
        phase = max(phases)
    else:
        validate_phase(phase)

    groups: list[FeaturePriorities] = []
    for feature in FEATURES:
        found: list[Priority] = []
        for item in feature.items:
            code = item_code(feature, item)
            rating = cleaned.get((code, phase))
            if rating not in PRIORITY_RATINGS:
                continue
            previous = cleaned.get((code, phase - 1))
            move, change = movement(previous, rating)
            found.append(
                Priority(
                    code=code,
                    letter=item.letter,
                    text=item.text,
                    rating=rating,
                    previous_rating=previous,
                    movement=move,
                    change=change,
                )
            )
        if found:
            groups.append(FeaturePriorities(feature=feature, items=tuple(found)))
    return tuple(groups)


def feature_averages(ratings: Ratings) -> dict[int, dict[int, float | None]]:
    """Mean rating per feature per phase, for a chart: ``{feature_number: {phase: mean_or_None}}``.

    Every feature (in annex order) and every phase is present. The mean is over the items rated in
    that phase; ``None`` when none is. Values are not rounded.
    """
    cleaned = _clean(ratings)
    averages: dict[int, dict[int, float | None]] = {}
    for feature in FEATURES:
        per_phase: dict[int, float | None] = {}
        for phase in PHASES:
            values = [
                cleaned[(item_code(feature, item), phase)]
                for item in feature.items
                if (item_code(feature, item), phase) in cleaned
            ]
            per_phase[phase] = sum(values) / len(values) if values else None
        averages[feature.number] = per_phase
    return averages
