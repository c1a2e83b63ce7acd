"""Trajectories: the expected-progress line and a status per judgement.

Pure arithmetic over numbers, dates and DataFrames: no Django, no ORM. Points are floats on an
ordered scale (NC: sub-level = 2 points, level = 6; P-scales below 3); nothing here depends on
which scale a subject uses. Dates may be ``datetime.date``, ``datetime64`` or anything
``pandas.to_datetime`` reads.

The line (the expected-progress line, NOT the target)
------------------------------------------------------
Flags compare a judgement with the pupil's **expected-progress line**: it starts at
``(baseline_date, baseline_points)`` and rises at the school's expected rate
(``points_per_year``, e.g. 3 = two whole levels over KS2's four years), i.e.
``expected = baseline_points + points_per_year x days since baseline / 365.25``. The aspirational
target (expected + stretch, or a percentile of similar pupils) is a separate line that targets
use; it plays no part in the gap, and only stops a pupil who has met it from being "stuck".
There is no line before the baseline: a window that ends before the baseline date (or before the
pupil joined the school) is not classified at all. A window is judged against the line at its
``end_date``.

The rule (one judgement)
------------------------
``gap = actual - expected``; ``t`` is the school's :class:`Thresholds` (defaults in brackets).

1. Gap status: **ahead** if ``gap >= t.ahead_by`` (2); else **well behind** if
   ``gap <= -t.well_behind_by`` (4: two sub-levels or more below the line); else **behind** if
   ``gap <= -t.behind_by`` (2: one sub-level, one step of the NC scale, or more below); else
   **on track**.
2. Stuck: no gain over ``n = t.stuck_windows`` (3) consecutive windows, counted in the global
   order of ALL windows (not just those this pupil was judged in): the pupil has a judgement in
   this window *and* in the window ``n - 1`` windows earlier (the first of the ``n``), and the
   points now are ``<=`` the points then. A flat series over two windows is not stuck; over three
   it is. If that first window has no judgement for the pupil (or lies before the baseline) there
   is not enough evidence: not stuck.
3. A pupil whose ``actual >= target_points`` has met the target: the status is the gap status,
   never stuck.
4. Otherwise the status is the MORE SEVERE of the gap status and, if stuck, ``stuck``.

Steps instead of points (P-scale pupils)
----------------------------------------
A plan may name a :class:`StepRule` (the ``step_rule`` column of ``plans``): then its line runs in the
rule's ``line_points`` (e.g. a school's P-scale points, where P4 to P5 is a point but P3(ii) to P4 a
quarter) while judgements stay in their recorded points, and the gap is counted in **steps of the
scale**: ``gap = position(actual) - position(expected)``, a position being a (fractional) index on the
rule's ladder. Step 1 then reads ``ahead`` at ``gap >= ahead_steps`` (1), ``well behind`` at
``gap <= -well_behind_steps`` (2), ``behind`` at ``gap <= -behind_steps`` (1): one step of the scale,
as one sub-level is one NC step. The rule is data (the school's settings), not code. Such a pupil moves
slowly, so "stuck" (step 2) also needs their line to rise at least :data:`STUCK_STEPS` (one step) over the
stuck windows: a flat run where expected progress is under a step is not evidence of being stuck.

Severity order: ahead < on track < behind < stuck < well behind. Every step above is monotone in
``actual``, so more points never make the status worse, and a pupil exactly on the line
(``gap == 0``) is on track (the thresholds are validated so that this holds).

Frames
------
:func:`classify_frame` applies the rule to a whole school at once (sort + shifted numpy arrays, no
Python loop per pupil). Rows are produced only where the pupil has a judgement in the window, a
complete line (no NaN in baseline points, baseline date or rate) and the window ends on or after
the baseline date and the pupil's start date. ``since_window_id`` is the first window of the
current unbroken run of the same status among the pupil's own classified windows: a window with no
judgement for the pupil neither breaks nor extends a run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np
import pandas as pd

__all__ = [
    "AHEAD",
    "ON_TRACK",
    "BEHIND",
    "STUCK",
    "STUCK_STEPS",
    "WELL_BEHIND",
    "STATUSES",
    "SEVERITY",
    "LABELS",
    "STATUS_CHOICES",
    "STATUS_DTYPE",
    "Thresholds",
    "DEFAULT_THRESHOLDS",
    "StepRule",
    "line_on_days",
    "expected_points",
    "gap_status",
    "classify",
    "classify_frame",
    "latest_status",
    "trajectory_points",
    "more_severe",
]

AHEAD = "ahead"
ON_TRACK = "on_track"
BEHIND = "behind"
STUCK = "stuck"
WELL_BEHIND = "well_behind"

#: Statuses from least to most severe.
STATUSES: tuple[str, ...] = (AHEAD, ON_TRACK, BEHIND, STUCK, WELL_BEHIND)
#: For a plan measured in steps (P-scales): its line must rise at least this many steps over the stuck windows.
STUCK_STEPS = 1.0
#: status -> severity rank (0 = least severe).
SEVERITY: dict[str, int] = {status: rank for rank, status in enumerate(STATUSES)}
LABELS: dict[str, str] = {
    AHEAD: "Ahead",
    ON_TRACK: "On track",
    BEHIND: "Behind",
    STUCK: "Stuck",
    WELL_BEHIND: "Well behind",
}
#: ``(value, label)`` pairs in severity order, ready for a model field's ``choices``.
STATUS_CHOICES: tuple[tuple[str, str], ...] = tuple((s, LABELS[s]) for s in STATUSES)
#: Ordered categorical dtype of ``classify_frame``'s ``status`` column (``max()`` = most severe).
STATUS_DTYPE = pd.CategoricalDtype(categories=list(STATUSES), ordered=True)

_AHEAD, _ON_TRACK, _BEHIND, _STUCK, _WELL_BEHIND = range(len(STATUSES))

_EPOCH = pd.Timestamp("1970-01-01")
_DAY = pd.Timedelta(days=1)


def more_severe(a: str, b: str) -> str:
    """The more severe of two statuses."""
    return a if SEVERITY[a] >= SEVERITY[b] else b


# --------------------------------------------------------------------------------------------
# Thresholds (school settings)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """The school's trajectory settings, in points on the subject's scale.

    - ``ahead_by``: ``actual >= expected + ahead_by`` is ahead (must be > 0, so a pupil exactly
      on the line is on track).
    - ``behind_by``: ``actual <= expected - behind_by`` is behind (> 0, so a pupil exactly on
      the line is on track; default 2 = one NC sub-level).
    - ``well_behind_by``: ``actual <= expected - well_behind_by`` is well behind
      (> ``behind_by``; default 4 = two sub-levels).
    - ``stuck_windows``: no gain over this many consecutive windows is stuck (>= 2; default 3,
      a school year of termly windows): see rule 2 in the module docstring.
    """

    ahead_by: float = 2.0
    behind_by: float = 2.0
    well_behind_by: float = 4.0
    stuck_windows: int = 3

    def __post_init__(self) -> None:
        for name in ("ahead_by", "behind_by", "well_behind_by"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise ValueError(f"{name} must be a number of points, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number of points, got {value!r}")
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.ahead_by == 0:
            raise ValueError("ahead_by must be greater than 0, or a pupil exactly on the line would be ahead")
        if self.behind_by == 0:
            raise ValueError("behind_by must be greater than 0, or a pupil exactly on the line would be behind")
        if self.well_behind_by <= self.behind_by:
            raise ValueError(
                f"well_behind_by ({self.well_behind_by:g}) must be greater than behind_by "
                f"({self.behind_by:g}): 'well behind' is further below the line than 'behind'"
            )
        sw = self.stuck_windows
        if isinstance(sw, bool) or not isinstance(sw, (int, np.integer)) or sw < 2:
            raise ValueError(f"stuck_windows must be a whole number of windows >= 2, got {sw!r}")
        object.__setattr__(self, "stuck_windows", int(sw))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> Thresholds:
        """Build from stored settings (e.g. a JSON field). Missing or ``None`` keys take the
        defaults; numeric strings are accepted; unknown keys and bad values raise ValueError."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown trajectory threshold(s): {', '.join(map(str, unknown))}")
        kwargs: dict[str, Any] = {}
        for name, raw in values.items():
            if raw is None:
                continue
            try:
                if name == "stuck_windows":
                    as_float = float(raw)
                    if not as_float.is_integer():
                        raise ValueError
                    kwargs[name] = int(as_float)
                else:
                    kwargs[name] = float(raw)
            except (TypeError, ValueError, OverflowError):
                raise ValueError(f"{name} must be a number, got {raw!r}") from None
        return cls(**kwargs)

    def as_dict(self) -> dict[str, float | int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULT_THRESHOLDS = Thresholds()


class StepRule(Protocol):
    """A scale on which progress is counted in steps (see "Steps instead of points"); the P-scales' is
    :class:`targets.pscale.StepLadder`. ``line_at`` gives (expected recorded points, expected position)
    on float arrays of baseline points, baseline day, rate and day; ``position`` maps recorded points
    to a step index."""

    # Read-only (properties), so that a frozen dataclass such as StepLadder satisfies the protocol.
    @property
    def ahead_steps(self) -> float: ...

    @property
    def behind_steps(self) -> float: ...

    @property
    def well_behind_steps(self) -> float: ...

    def line_at(self, b_pts, b_day, rate, at_day) -> tuple[np.ndarray, np.ndarray]: ...

    def position(self, record_points) -> np.ndarray: ...


# --------------------------------------------------------------------------------------------
# Expected points on the line
# --------------------------------------------------------------------------------------------


def _days(value: Any) -> np.ndarray | float:
    """Dates -> float days since 1970-01-01 (NaN for missing). Scalars give a float."""
    if isinstance(value, (pd.Series, pd.Index)):
        value = value.to_numpy()
    if np.ndim(value) == 0:
        ts = pd.to_datetime(value)
        if pd.isna(ts):
            return math.nan
        return (ts - _EPOCH) / _DAY
    arr = np.asarray(value)
    if arr.dtype.kind == "M":  # already datetime64: plain arithmetic (NaT → NaN)
        seconds = arr.astype("datetime64[s]")
        out = seconds.astype(np.int64) / 86_400.0
        out[np.isnat(seconds)] = np.nan
        return out
    idx = pd.DatetimeIndex(pd.to_datetime(arr.ravel()))
    out = ((idx - _EPOCH) / _DAY).to_numpy(dtype=float, na_value=np.nan)
    return out.reshape(arr.shape)


_DAYS_PER_YEAR = 365.25


def _line(b_pts, b_day, rate, at_day) -> np.ndarray:
    """The expected-progress line on float arrays (days as floats): NaN before the baseline date
    (there is no line there) and wherever a value is missing."""
    b_pts, b_day, rate, at_day = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (b_pts, b_day, rate, at_day))
    )
    with np.errstate(invalid="ignore"):
        # Rounded to a millionth of a point, so that a hand-computed line (27.0) compares exactly.
        result = np.round(b_pts + rate * (at_day - b_day) / _DAYS_PER_YEAR, 6)
        return np.where(at_day < b_day, np.nan, result)


#: The line on float days (NaN before the baseline), for step rules (:class:`targets.pscale.StepLadder`).
line_on_days = _line


def expected_points(baseline_points, baseline_date, points_per_year, at_date):
    """Expected points at ``at_date`` on the expected-progress line: ``baseline_points`` plus
    ``points_per_year`` for every 365.25 days since ``baseline_date``; NaN before the baseline
    date. Any argument may be a scalar, a numpy array or a pandas Series; they broadcast together.
    Returns a float for all-scalar input, a Series (index of the first Series argument) if any
    argument is a Series, else an ndarray. Missing values (NaN / NaT) give NaN.
    """
    args = (baseline_points, baseline_date, points_per_year, at_date)
    result = _line(
        np.asarray(baseline_points, dtype=float),
        _days(baseline_date),
        np.asarray(points_per_year, dtype=float),
        _days(at_date),
    )
    for arg in args:
        if isinstance(arg, pd.Series):
            return pd.Series(result, index=arg.index, name="expected")
    if result.ndim == 0:
        return float(result)
    return result


# --------------------------------------------------------------------------------------------
# Classifying one judgement
# --------------------------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, (float, np.floating)) and math.isnan(value))


# The line is fractional (a rate times a fraction of a year), so "exactly one step below it" can come out as
# 1.9999999999996 points in floating point. Gaps are compared at this many decimal places: far finer than
# any scale's step (the finest, P-scales, is 0.25), coarse enough to absorb the arithmetic's noise.
GAP_DECIMALS = 6


def gap_status(gap: float, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """Status from ``gap = actual - expected`` alone (rule step 1)."""
    gap = round(gap, GAP_DECIMALS)
    if gap >= thresholds.ahead_by:
        return AHEAD
    if gap <= -thresholds.well_behind_by:
        return WELL_BEHIND
    if gap <= -thresholds.behind_by:
        return BEHIND
    return ON_TRACK


def classify(
    actual: float,
    expected: float,
    previous_points: Sequence[float | None],
    target_points: float,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> str:
    """Status of one judgement (the rule in the module docstring).

    ``previous_points`` are the pupil's points in the windows immediately before this one,
    OLDEST FIRST, one entry per window in the global window order, with ``None``/NaN for a window
    in which the pupil has no judgement. Only ``previous_points[-(thresholds.stuck_windows - 1)]``
    (the first of the last ``stuck_windows`` windows, this one included) is used; if the sequence
    is shorter, or that entry is missing, the pupil is not stuck. ``target_points`` NaN means the target cannot be
    met (``classify_frame`` produces no rows for such plans).
    """
    if _is_missing(actual) or _is_missing(expected):
        raise ValueError("actual and expected points are required")
    status = gap_status(actual - expected, thresholds)
    if not _is_missing(target_points) and actual >= target_points:
        return status  # target met: never stuck
    k = thresholds.stuck_windows - 1  # the first of the last stuck_windows windows is k back
    if len(previous_points) >= k:
        then = previous_points[-k]
        if then is not None and not _is_missing(then) and actual <= then:
            status = more_severe(status, STUCK)
    return status


# --------------------------------------------------------------------------------------------
# A whole school at once
# --------------------------------------------------------------------------------------------

_OUTPUT_COLUMNS = [
    "pupil_id",
    "subject",
    "window_id",
    "window_ordinal",
    "expected",
    "actual",
    "status",
    "since_window_id",
]


def _require(frame: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s): {', '.join(missing)}")


def _window_table(windows: pd.DataFrame) -> pd.DataFrame:
    """windows sorted by ordinal with ``rank`` 0..n-1 and ``end_day``; validated."""
    _require(windows, "windows", ["window_id", "end_date", "ordinal"])
    w = windows[["window_id", "end_date", "ordinal"]]
    if w["window_id"].duplicated().any():
        raise ValueError("windows: window_id must be unique")
    if w["ordinal"].isna().any() or w["ordinal"].duplicated().any():
        raise ValueError("windows: ordinal must be present and unique (it is the global order)")
    w = w.sort_values("ordinal", kind="stable").reset_index(drop=True)
    w["rank"] = np.arange(len(w), dtype=np.int64)
    w["end_day"] = _days(w["end_date"])
    if w["end_day"].isna().any():
        raise ValueError("windows: every window needs an end_date")
    return w


def _empty_output() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in _OUTPUT_COLUMNS})
    out["expected"] = out["expected"].astype(float)
    out["actual"] = out["actual"].astype(float)
    out["status"] = out["status"].astype(STATUS_DTYPE)
    return out


def _rule_codes(named: pd.Series, step_rules: Mapping[Any, StepRule]) -> np.ndarray:
    """Each plan's step rule as its index in ``step_rules`` (float, -1 for none); unknown keys raise."""
    codes = named.map({name: float(index) for index, name in enumerate(step_rules)})
    unknown = codes.isna() & named.notna()
    if unknown.any():
        raise ValueError(f"plans name unknown step rule(s): {', '.join(map(str, pd.unique(named[unknown])[:5]))}")
    return codes.fillna(-1.0).to_numpy(dtype=float)


def classify_frame(
    judgements: pd.DataFrame,
    plans: pd.DataFrame,
    windows: pd.DataFrame,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    step_rules: Mapping[Any, StepRule] | None = None,
) -> pd.DataFrame:
    """Classify every judgement of a whole school (or LA) at once.

    Inputs
      - ``judgements``: ``pupil_id, subject, window_id, points`` — the latest judgement per
        pupil x subject x window (a duplicate for a pupil x subject with a plan raises
        ValueError; NaN points count as no judgement; rows without a plan are ignored).
      - ``plans``: ``pupil_id, subject, baseline_points, baseline_date, points_per_year`` (the
        expected-progress line) and optionally ``target_points`` (the aspirational target: met,
        never stuck; NaN = none) and ``start_date`` (the pupil joined the school: no status for a
        window ending before it; NaT = no limit) and ``step_rule`` (a key of ``step_rules``: the plan's
        line and gap are measured in that rule's steps; None/NaN = in points with ``thresholds``; an
        unknown key raises) — one per pupil x subject (duplicates raise).
      - ``windows``: ``window_id, end_date, ordinal`` — every assessment window; ``ordinal`` is
        the global order (need not be contiguous). A judgement in an unknown window raises.

    Output, one row per judgement that has a complete line and a window ending on or after the
    baseline and start dates, sorted by pupil_id, subject and
    window order: ``pupil_id, subject, window_id, window_ordinal, expected, actual, status,
    since_window_id``. ``status`` is an ordered categorical (:data:`STATUS_DTYPE`).
    """
    _require(judgements, "judgements", ["pupil_id", "subject", "window_id", "points"])
    _require(plans, "plans", ["pupil_id", "subject", "baseline_points", "baseline_date", "points_per_year"])
    w = _window_table(windows)

    # (pupil, subject) -> an integer key whose order is the (pupil_id, subject) sort order, so
    # that no merge or sort on object columns is needed over millions of judgement rows.
    pupils = pd.Index(pd.unique(plans["pupil_id"].to_numpy())).sort_values()
    subjects = pd.Index(pd.unique(plans["subject"].to_numpy())).sort_values()
    n_subj = max(len(subjects), 1)
    plan_key = pupils.get_indexer(plans["pupil_id"]) * n_subj + subjects.get_indexer(plans["subject"])
    sorted_keys = np.sort(plan_key)
    if (sorted_keys[1:] == sorted_keys[:-1]).any():
        raise ValueError("plans: one plan per pupil_id x subject")
    n_keys = len(pupils) * n_subj

    def by_key(values: np.ndarray | float) -> np.ndarray:
        table = np.full(n_keys, np.nan)
        table[plan_key] = values
        return table

    b_pts_k = by_key(plans["baseline_points"].to_numpy(dtype=float, na_value=np.nan))
    rate_k = by_key(plans["points_per_year"].to_numpy(dtype=float, na_value=np.nan))
    b_day_k = by_key(_days(plans["baseline_date"]))
    t_pts_k = (
        by_key(plans["target_points"].to_numpy(dtype=float, na_value=np.nan))
        if "target_points" in plans.columns
        else np.full(n_keys, np.nan)
    )
    # The first day a window may end and be classified: the baseline, or the start date if later.
    from_day_k = b_day_k
    if "start_date" in plans.columns:
        start_k = by_key(_days(plans["start_date"]))
        from_day_k = np.where(np.isnan(start_k), b_day_k, np.fmax(b_day_k, start_k))
    complete_k = ~(np.isnan(b_pts_k) | np.isnan(rate_k) | np.isnan(b_day_k))

    rank = pd.Index(w["window_id"]).get_indexer(judgements["window_id"])  # w is sorted by ordinal
    if (rank < 0).any():
        unknown = pd.unique(judgements["window_id"].to_numpy()[rank < 0])[:5]
        raise ValueError(f"judgements refer to unknown window_id(s): {', '.join(map(str, unknown))}")
    pupil_code = pupils.get_indexer(judgements["pupil_id"])
    subj_code = subjects.get_indexer(judgements["subject"])
    key = pupil_code * n_subj + subj_code
    has_plan = (pupil_code >= 0) & (subj_code >= 0)
    if n_keys:
        has_plan &= complete_k[np.where(has_plan, key, 0)]
    key = key[has_plan]
    rank = rank[has_plan]
    actual = judgements["points"].to_numpy(dtype=float, na_value=np.nan)[has_plan]
    # Sort by plan (= pupil, subject) then window order: one integer sort key (rows usually arrive almost
    # in order, which a stable sort exploits), whose neighbours are equal only for a duplicate judgement.
    combined = key * max(len(w), 1) + rank
    order = np.argsort(combined, kind="stable")
    combined = combined[order]
    if (combined[1:] == combined[:-1]).any():
        raise ValueError("judgements: one (latest) judgement per pupil_id x subject x window_id")
    key, rank, actual = key[order], rank[order], actual[order]
    # No status without a judgement, nor for a window that ends before the baseline / start date.
    judged = ~np.isnan(actual) & (w["end_day"].to_numpy()[rank] >= from_day_k[key])
    key, rank, actual = key[judged], rank[judged], actual[judged]
    n = len(key)
    if n == 0:
        return _empty_output()
    t_pts = t_pts_k[key]
    end_day = w["end_day"].to_numpy()[rank]
    expected = _line(b_pts_k[key], b_day_k[key], rate_k[key], end_day)

    # Gap status (step 1), in points, or in steps for plans with a step rule.
    t = thresholds
    gap = np.round(actual - expected, GAP_DECIMALS)
    ahead, behind, well = (np.full(n, value) for value in (t.ahead_by, t.behind_by, t.well_behind_by))
    rules, line_steps = list((step_rules or {}).values()), np.full(n, np.nan)  # the line's position, in steps
    if rules and "step_rule" in plans.columns:
        rule_row = by_key(_rule_codes(plans["step_rule"], step_rules or {}))[key]
        for index, rule in enumerate(rules):
            m = rule_row == index
            if m.any():
                expected[m], position = rule.line_at(b_pts_k[key][m], b_day_k[key][m], rate_k[key][m], end_day[m])
                line_steps[m] = position
                gap[m] = np.round(rule.position(actual[m]) - position, GAP_DECIMALS)
                ahead[m], behind[m], well[m] = rule.ahead_steps, rule.behind_steps, rule.well_behind_steps
    code = np.full(n, _ON_TRACK, dtype=np.int8)
    code[gap <= -behind] = _BEHIND
    code[gap <= -well] = _WELL_BEHIND
    code[gap >= ahead] = _AHEAD

    # Stuck (step 2): the first of the last stuck_windows windows is k = stuck_windows - 1 back; its
    # row of the same plan, if present, is at most k rows back (ranks are distinct and sorted).
    k = t.stuck_windows - 1
    stuck = np.zeros(n, dtype=bool)
    for back in range(1, k + 1):
        if back >= n:
            break
        cur = slice(back, None)
        prev = slice(None, n - back)
        hit = (key[prev] == key[cur]) & (rank[prev] == rank[cur] - k)
        rise = np.nan_to_num(line_steps[cur] - line_steps[prev], nan=np.inf)  # in points: no step condition
        stuck[cur] |= hit & (actual[cur] <= actual[prev]) & (rise >= STUCK_STEPS - 1e-9)
    # Target met (step 3) is never stuck; otherwise the more severe (step 4).
    with np.errstate(invalid="ignore"):
        stuck &= ~(actual >= t_pts)
    code = np.where(stuck, np.maximum(code, _STUCK), code).astype(np.int8)

    # since_window_id: start of the current run of the same status within a plan.
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (key[1:] != key[:-1]) | (code[1:] != code[:-1])
    run_start = np.maximum.accumulate(np.where(new_run, np.arange(n), 0))

    window_ids = w["window_id"].to_numpy()[rank]
    out = pd.DataFrame(
        {
            "pupil_id": pupils.to_numpy()[key // n_subj],
            "subject": subjects.to_numpy()[key % n_subj],
            "window_id": window_ids,
            "window_ordinal": w["ordinal"].to_numpy()[rank],
            "expected": expected,
            "actual": actual,
            "status": pd.Categorical.from_codes(code, dtype=STATUS_DTYPE),
            "since_window_id": window_ids[run_start],
        }
    )
    return out


def latest_status(frame: pd.DataFrame) -> pd.DataFrame:
    """Each pupil x subject's row for its latest judged window (by ``window_ordinal``)."""
    _require(frame, "frame", ["pupil_id", "subject", "window_ordinal"])
    if frame.empty:
        return frame.copy()
    ordered = frame.sort_values(["pupil_id", "subject", "window_ordinal"], kind="stable")
    latest = ordered.drop_duplicates(["pupil_id", "subject"], keep="last")
    return latest.reset_index(drop=True)


def trajectory_points(
    plan_row: Mapping[str, Any] | pd.Series, windows: pd.DataFrame, step_rule: StepRule | None = None
) -> pd.DataFrame:
    """The expected-progress line at every window for one plan (the pupil profile chart).

    ``plan_row`` has ``baseline_points, baseline_date, points_per_year``. Returns
    ``window_id, ordinal, end_date, expected`` sorted by ordinal (NaN before the baseline); with a
    ``step_rule``, the line measured in its steps, in recorded points.
    """
    w = _window_table(windows)
    line = step_rule.line_at if step_rule is not None else _line
    expected = line(
        np.asarray(plan_row["baseline_points"], dtype=float),
        _days(plan_row["baseline_date"]),
        np.asarray(plan_row["points_per_year"], dtype=float),
        w["end_day"].to_numpy(dtype=float),
    )
    if step_rule is not None:
        expected = expected[0]
    return pd.DataFrame(
        {
            "window_id": w["window_id"].to_numpy(),
            "ordinal": w["ordinal"].to_numpy(),
            "end_date": w["end_date"].to_numpy(),
            "expected": expected,
        }
    )
