"""The school's expectations as the dashboard's panels take them: pure data, no ORM.

* **Expected progress in whole levels** from each key-stage baseline follows the school's expected rate
  (``TargetSettings.expected_points_per_year``, DESIGN §3 — a per-school policy, not a constant): the years
  from the end of the key stage to the end of the next (KS1 → KS2 four, KS2 → GCSE five) at the school's
  points a year, in whole levels of 6 points, to the nearest level (a half rounds up). At the default 3
  points a year that is the DfE's measure: two levels KS1 → KS2 (12 points), three KS2 → GCSE (15 points,
  2½ levels).
* **Age-related expectations**: the school's own (``AgeRelatedExpectation`` rows, keyed for
  :func:`targets.expectations.expectation_for`), else the default line.

:func:`targets.dashboard.loader.load_frames` reads both and hands them to the panels in ``Frames.expectations``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

#: The key stages whose results are baselines for the levels panels, with the school years from the end of
#: each to the end of the next key stage (end of Year 2 → end of Year 6; end of Year 6 → end of Year 11).
KEY_STAGE_YEARS = {"KS1": 4, "KS2": 5}
KEY_STAGES = tuple(KEY_STAGE_YEARS)
POINTS_PER_LEVEL = 6.0  # DESIGN §3: one NC level = 6 points
DEFAULT_POINTS_PER_YEAR = 3.0  # TargetSettings.expected_points_per_year's default
_DECIMALS = 6


def expected_levels(points_per_year: float = DEFAULT_POINTS_PER_YEAR) -> dict[str, int]:
    """Whole levels of expected progress from each key-stage baseline at ``points_per_year`` (see the
    module docstring): ``{"KS1": 2, "KS2": 3}`` at the default 3 points a year."""
    out = {}
    for key_stage, years in KEY_STAGE_YEARS.items():
        levels = round(years * points_per_year / POINTS_PER_LEVEL, _DECIMALS)
        out[key_stage] = max(0, math.floor(levels + 0.5))
    return out


@dataclass(frozen=True)
class Expectations:
    """What the panels measure pupils against: the school's expected rate (points a year), the expected
    whole levels of progress it gives from each key stage, and the school's own AREs
    (``(year group, term, subject id or None) → points``)."""

    points_per_year: float = DEFAULT_POINTS_PER_YEAR
    are_overrides: Mapping[tuple[int, int, int | None], float] = field(default_factory=dict)

    @property
    def expected_levels(self) -> dict[str, int]:
        return expected_levels(self.points_per_year)
