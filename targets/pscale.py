"""Expected progress for pupils working below level 1 (on the P-scales).

Pure (pandas and numpy, no Django). A pupil whose baseline is a P-scale step, in a subject recorded on
the P-scales (``nc_full`` or ``pscale``), is NOT held to the NC rate (3 points a year): their expected
line runs in the school's own P-scale points (default: the National Strategies' integration with NC
points, :data:`assessment.scales.INTEGRATED_PSCALE_POINTS`) at the school's chosen rate, or, when the
school has chosen none, at the rate that reaches the national progression quartile it picked (the
median by default) over a key stage. Behind and well behind are counted in steps of the P-scale (one
step, two steps): see "Steps instead of points" in :mod:`targets.trajectory`.

The ladder a P-scale pupil climbs is P1(i) … P8, then NC 1c … EP (the school's P-scale points, then NC
points; W is left off: on the integrated points it would fall between P4 and P6, and a W judgement
reads as just above P8, i.e. working towards level 1).

National progression quartiles below level 1
--------------------------------------------
DESIGN §3: the DfE Progression guidance publishes, by starting P-level, the KS1 → KS2 outcome at the
25th / 50th / 75th percentile. :data:`PSCALE_QUARTILE_STEPS` holds them as steps of the ladder gained
over the four years of a key stage. **The figures here are placeholders in the guidance's shape, not
transcribed from its tables** (Progression 2010–11, Appendix D Part 1, was not available when this was
written): one, two and three P-levels over a key stage (two steps per level for P1(i)–P3(ii), whose
levels have an (i) and a (ii)). Check them against the published table before relying on them; a
school can set its own rate meanwhile.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.scales import INTEGRATED_PSCALE_POINTS, NC, PSCALE, PSCALE_LABELS, pscale_with_points

from . import trajectory

__all__ = [
    "DEFAULT_PSCALE_POLICY",
    "PSCALE_QUARTILE_STEPS",
    "PSCALE_SUBJECT_SCALES",
    "QUARTILES",
    "PScalePolicy",
    "StepLadder",
    "is_pscale_baseline",
    "plan_line",
    "with_pscale_lines",
    "worked_example",
]

#: The subject scales whose judgements may be P-scale steps.
PSCALE_SUBJECT_SCALES = frozenset({"nc_full", "pscale"})
#: The national progression quartiles a school may take as expected progress (percentiles).
QUARTILES = (25, 50, 75)
#: Years of a key stage the quartiles span (KS1 → KS2).
KEY_STAGE_YEARS = 4.0

# Placeholders (see the module docstring): steps gained over a key stage at the 25th / 50th / 75th
# percentile, by starting P-scale step.
_HALF_LEVEL_STEPS = (2, 4, 6)  # P1(i)–P3(ii): a P-level is two steps, (i) and (ii)
_LEVEL_STEPS = (1, 2, 3)  # P4–P8: a P-level is one step
#: Starting P-scale step -> ladder steps gained over a key stage at each of :data:`QUARTILES`.
PSCALE_QUARTILE_STEPS: dict[str, tuple[int, int, int]] = {
    label: _HALF_LEVEL_STEPS if index < 6 else _LEVEL_STEPS for index, label in enumerate(PSCALE_LABELS)
}

# The recorded points of the ladder: the built-in P-scale steps, then NC from 1c (W left off).
_NC_STEPS = tuple(grade.points for grade in NC.grades if grade.label != "W")
_PSCALE_STEPS = tuple(grade.points for grade in PSCALE.grades)
_RECORD_POINTS = (*_PSCALE_STEPS, *_NC_STEPS)


@dataclass(frozen=True)
class StepLadder:
    """A scale on which progress is measured in steps (see "Steps instead of points" in
    :mod:`targets.trajectory`, whose :class:`~targets.trajectory.StepRule` protocol this implements).

    ``record_points`` are the points each step is recorded with, ``line_points`` the points the expected
    line runs in (a school's own, e.g. the National Strategies' P-scale points); both strictly ascend,
    one entry per step, lowest first. Thresholds are in steps: ``ahead_steps`` (> 0), ``behind_steps``
    (> 0, 1 = one step) and ``well_behind_steps`` (> ``behind_steps``; 2 = two steps).
    """

    record_points: tuple[float, ...]
    line_points: tuple[float, ...]
    ahead_steps: float = 1.0
    behind_steps: float = 1.0
    well_behind_steps: float = 2.0

    def __post_init__(self) -> None:
        for name in ("record_points", "line_points"):
            values = tuple(float(v) for v in getattr(self, name))
            if len(values) < 2 or not all(map(math.isfinite, values)):
                raise ValueError(f"{name}: at least two finite points, one per step")
            if any(b <= a for a, b in zip(values, values[1:], strict=False)):
                raise ValueError(f"{name} must strictly ascend, lowest step first")
            object.__setattr__(self, name, values)
        if len(self.record_points) != len(self.line_points):
            raise ValueError("record_points and line_points need one entry per step each")
        for name in ("ahead_steps", "behind_steps", "well_behind_steps"):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive number of steps, got {getattr(self, name)!r}")
            object.__setattr__(self, name, value)
        if self.well_behind_steps <= self.behind_steps:
            raise ValueError("well_behind_steps must be greater than behind_steps")

    def gap_thresholds(self) -> trajectory.Thresholds:
        """The step thresholds as thresholds over gaps in steps (for :func:`targets.trajectory.gap_status`)."""
        return trajectory.Thresholds(
            ahead_by=self.ahead_steps, behind_by=self.behind_steps, well_behind_by=self.well_behind_steps
        )

    def position(self, record_points) -> np.ndarray:
        """Recorded points -> (fractional) step index on the ladder (clamped to its ends)."""
        return np.interp(np.asarray(record_points, dtype=float), self.record_points, np.arange(len(self.record_points)))

    def line_at(self, b_pts, b_day, rate, at_day) -> tuple[np.ndarray, np.ndarray]:
        """(expected recorded points, expected position) on float arrays; NaN before the baseline."""
        steps = np.arange(len(self.line_points), dtype=float)
        start = np.interp(self.position(b_pts), steps, self.line_points)
        line = trajectory.line_on_days(start, b_day, rate, at_day)
        position = np.round(np.interp(line, self.line_points, steps), trajectory.GAP_DECIMALS)
        position = np.where(np.isnan(line), np.nan, position)
        return np.interp(position, steps, self.record_points), position


@dataclass(frozen=True)
class PScalePolicy:
    """A school's rule for P-scale pupils (stored in its target settings).

    ``points``: the school's points for P1(i) … P8 (strictly ascending, below 1c = 7).
    ``points_per_year``: the school's own expected rate in those points, or None to use the national
    ``quartile`` (25, 50 or 75). ``behind_steps`` / ``well_behind_steps``: how many P-scale steps below
    the line is behind / well behind (1 and 2); ``ahead_steps`` above it is ahead (1).
    """

    points: tuple[float, ...] = INTEGRATED_PSCALE_POINTS
    points_per_year: float | None = None
    quartile: int = 50
    ahead_steps: float = 1.0
    behind_steps: float = 1.0
    well_behind_steps: float = 2.0

    def __post_init__(self) -> None:
        points = tuple(float(p) for p in self.points)
        if len(points) != len(PSCALE_LABELS):
            raise ValueError(f"P-scale points: {len(PSCALE_LABELS)} numbers, P1(i) to P8, not {len(points)}.")
        pscale_with_points(dict(zip(PSCALE_LABELS, points, strict=True)))  # every step, ascending
        if points[-1] >= _NC_STEPS[0]:
            raise ValueError(f"P8 must score below level 1c ({_NC_STEPS[0]:g} points), not {points[-1]:g}.")
        if points[0] < 0:
            raise ValueError("P-scale points must not be negative.")
        object.__setattr__(self, "points", points)
        if self.quartile not in QUARTILES:
            raise ValueError(f"The quartile is one of {QUARTILES}, not {self.quartile!r}.")
        if self.points_per_year is not None and not (0 < float(self.points_per_year) < 100):
            raise ValueError("A school's P-scale rate must be more than 0 points a year.")
        self.step_rule()  # validates the step thresholds

    def step_rule(self) -> StepLadder:
        return StepLadder(
            record_points=_RECORD_POINTS,
            line_points=(*self.points, *_NC_STEPS),
            ahead_steps=self.ahead_steps,
            behind_steps=self.behind_steps,
            well_behind_steps=self.well_behind_steps,
        )

    def rates(self, baseline_points: Sequence[float] | np.ndarray) -> np.ndarray:
        """Expected points a year (in :attr:`points`) from each baseline (recorded points): the school's
        rate, else the rate that reaches the chosen quartile's outcome over a key stage."""
        baseline = np.asarray(baseline_points, dtype=float)
        if self.points_per_year is not None:
            return np.full(baseline.shape, float(self.points_per_year))
        rule = self.step_rule()
        start = np.clip(np.floor(rule.position(baseline) + 1e-9), 0, len(PSCALE_LABELS) - 1).astype(int)
        column = QUARTILES.index(self.quartile)
        gained = np.array([PSCALE_QUARTILE_STEPS[label][column] for label in PSCALE_LABELS])[start]
        line = np.asarray(rule.line_points)
        end = np.minimum(start + gained, len(line) - 1)
        return (line[end] - line[start]) / KEY_STAGE_YEARS


DEFAULT_PSCALE_POLICY = PScalePolicy()


def is_pscale_baseline(baseline_points: pd.Series | np.ndarray) -> np.ndarray:
    """Whether each baseline (recorded points) is a step of the built-in P-scale."""
    values = np.asarray(baseline_points, dtype=float)
    steps = np.asarray(_PSCALE_STEPS)
    return np.isclose(values[:, None], steps[None, :], rtol=0, atol=1e-9).any(axis=1)


def plan_line(
    policy: PScalePolicy, baseline_points: float, rate: float, scale_code: str
) -> tuple[float, StepLadder | None]:
    """One plan's line, as :func:`with_pscale_lines` draws it: ``(rate, step rule)`` — the school's P-scale
    rate and rule for a P-scale baseline in a subject on the P-scales, else ``(rate, None)``."""
    if scale_code in PSCALE_SUBJECT_SCALES and is_pscale_baseline([baseline_points])[0]:
        return float(policy.rates([baseline_points])[0]), policy.step_rule()
    return rate, None


def with_pscale_lines(
    plans: pd.DataFrame,
    policies: Mapping[int, PScalePolicy],
    pscale_subjects: set[int] | frozenset[int],
) -> tuple[pd.DataFrame, dict[float, StepLadder]]:
    """``plans`` (with ``school_id, subject, baseline_points, points_per_year``) with the P-scale pupils'
    lines: for a plan whose baseline is a P-scale step in a subject of ``pscale_subjects``,
    ``points_per_year`` becomes the school's P-scale rate and ``step_rule`` its school id; other plans
    keep their rate and have no step rule (NaN). Returns the plans and the step rules by school id, ready for
    :func:`targets.trajectory.classify_frame`. Schools without a policy get the defaults."""
    out = plans.copy()
    on_p = is_pscale_baseline(out["baseline_points"]) & out["subject"].isin(pscale_subjects).to_numpy()
    out["step_rule"] = pd.Series(np.where(on_p, out["school_id"].to_numpy(dtype=float), np.nan), index=out.index)
    rules: dict[float, StepLadder] = {}
    rates = out["points_per_year"].to_numpy(dtype=float).copy()
    for school_id in pd.unique(out.loc[on_p, "school_id"]):
        policy = policies.get(int(school_id), DEFAULT_PSCALE_POLICY)
        mine = on_p & (out["school_id"].to_numpy() == school_id)
        rates[mine] = policy.rates(out.loc[mine, "baseline_points"].to_numpy(dtype=float))
        rules[float(school_id)] = policy.step_rule()
    out["points_per_year"] = rates
    return out, rules


def worked_example(policy: PScalePolicy, baseline: str = "P4") -> dict:
    """The P-scale rule worked through for the settings page: a pupil at ``baseline`` in July 2022, judged
    in July 2026 on the line's step, one step below it and two steps below."""
    rule = policy.step_rule()
    labels = (*PSCALE_LABELS, *(g.label for g in NC.grades if g.label != "W"))
    start = rule.record_points[labels.index(baseline)]
    rate = float(policy.rates([start])[0])
    plan = {"baseline_points": start, "baseline_date": dt.date(2022, 7, 1), "points_per_year": rate}
    july_2026 = pd.DataFrame({"window_id": [1], "end_date": [dt.date(2026, 7, 1)], "ordinal": [0]})
    expected = trajectory.trajectory_points(plan, july_2026, rule)["expected"].to_numpy()
    position = round(float(rule.position(expected)[0]), trajectory.GAP_DECIMALS)
    on_line = int(np.floor(position + 1e-9))
    examples = []
    for below in (0, 1, 2):
        step = max(on_line - below, 0)
        gap = round(step - position, trajectory.GAP_DECIMALS)
        status = trajectory.gap_status(gap, rule.gap_thresholds())
        examples.append({"grade": labels[step], "gap": gap, "below": -gap, "status": trajectory.LABELS[status]})
    return {
        "baseline": baseline,
        "rate": rate,
        "own_rate": policy.points_per_year is not None,
        "quartile": policy.quartile,
        "line_grade": labels[on_line],
        "position": position,
        "examples": examples,
        "rule": rule,
        "points": list(zip(PSCALE_LABELS, policy.points, strict=True)),
    }
