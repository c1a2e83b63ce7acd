"""Age-related expectations (ARE) for levels-era points: pure arithmetic, no ORM (DESIGN §3).

The default line: end of Year 2 = 2b (15 points), end of Year 6 = 4b (27), 3 points a year between and
beyond, so the end of year ``Y`` is ``9 + 3·Y`` (Reception end = 9, Y1 = 12, Y3 = 18, Y4 = 21, Y5 = 24,
and secondary years keep adding 3 a year from KS2: Y7 = 30, …). Within a school year the expectation
is interpolated by term: the autumn, spring and summer windows end at 1/3, 2/3 and 3/3 of the year, so
a term is worth 1 point (Year 2: autumn 13, spring 14, summer 15). Nursery years follow the same line,
never below 0.

Bands against an expectation (``step`` = one sub-level, 2 points):

* **above**: at least one step above ARE (``points ≥ ARE + step``);
* **at**: at ARE or above it by less than a step (``ARE ≤ points < ARE + step``);
* **below**: under ARE by less than two steps (``ARE − 2·step < points < ARE``);
* **well below**: two steps or more under ARE (``points ≤ ARE − 2·step``).

"At or above ARE" therefore means ``points ≥ ARE``. Gaps are compared at six decimal places, like the
flags (``targets.trajectory``), so a pupil exactly a step away is classified as the rule says.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

AUTUMN, SPRING, SUMMER = 1, 2, 3
TERMS = (AUTUMN, SPRING, SUMMER)
TERM_CHOICES = ((AUTUMN, "Autumn"), (SPRING, "Spring"), (SUMMER, "Summer"))

ABOVE, AT, BELOW, WELL_BELOW = "above", "at", "below", "well_below"
BANDS = (WELL_BELOW, BELOW, AT, ABOVE)
BAND_LABELS = {
    ABOVE: "Above",
    AT: "At",
    BELOW: "Below",
    WELL_BELOW: "Well below",
}

END_OF_YEAR_2 = 15.0  # 2b
POINTS_PER_YEAR = 3.0
_DECIMALS = 6


def default_are(year_group: int, term: int = SUMMER) -> float:
    """The default ARE in points for ``year_group`` (0 = Reception) at the end of ``term`` (1–3)."""
    if term not in TERMS:
        raise ValueError(f"term must be 1, 2 or 3, not {term!r}")
    end_of_year = END_OF_YEAR_2 + POINTS_PER_YEAR * (year_group - 2)
    value = end_of_year - POINTS_PER_YEAR * (SUMMER - term) / SUMMER
    return max(0.0, round(value, _DECIMALS))


def term_of(at: dt.date, year_start: dt.date, year_end: dt.date) -> int:
    """Which term (1–3) a window ending on ``at`` belongs to, by where it falls in the school year: the
    first third is autumn, the second spring, the last summer (dates outside the year are clamped)."""
    length = (year_end - year_start).days
    if length <= 0:
        raise ValueError("the school year must end after it starts")
    fraction = (at - year_start).days / length
    return min(SUMMER, max(AUTUMN, math.ceil(round(fraction * 3, _DECIMALS))))


def are_band(points: float, are_points: float, step: float = 2.0) -> str:
    """Where ``points`` stand against the expectation ``are_points`` (see the module docstring)."""
    if step <= 0:
        raise ValueError("step must be positive")
    gap = round(points - are_points, _DECIMALS)
    if gap >= round(step, _DECIMALS):
        return ABOVE
    if gap >= 0:
        return AT
    if gap <= -round(2 * step, _DECIMALS):
        return WELL_BELOW
    return BELOW


def expectation_for(
    year_group: int, term: int, subject_id: int | None, overrides: Mapping[tuple[int, int, int | None], float]
) -> float:
    """The school's ARE: its own for the subject, else its own for all subjects, else the default line.
    ``overrides`` maps ``(year_group, term, subject_id or None)`` to points."""
    for key in ((year_group, term, subject_id), (year_group, term, None)):
        if key in overrides:
            return float(overrides[key])
    return default_are(year_group, term)


def expectation_at_window(
    *,
    year_group_now: int,
    this_year_start: int,
    window_end: dt.date,
    year_start: dt.date,
    year_end: dt.date,
    subject_id: int | None,
    overrides: Mapping[tuple[int, int, int | None], float],
) -> tuple[int, int, float]:
    """The pupil's year group and term at a window, and the ARE there: a pupil in Year 5 now was in Year 4
    in the school year that started a year before this one (``this_year_start`` and the window's school
    year are compared by the calendar year they start in)."""
    year_group = year_group_now - (this_year_start - year_start.year)
    term = term_of(window_end, year_start, year_end)
    return year_group, term, expectation_for(year_group, term, subject_id, overrides)


def at_or_above(band: str) -> bool:
    return band in (AT, ABOVE)
