"""Ambition policies: proposing long-term numeric targets per pupil and subject.

Pure arithmetic over DataFrames: no Django, no ORM. Points are on the subject's own ordered scale;
nothing here depends on which scale.

A proposal is ``baseline_points + gain``, where the gain depends on the school's policy:

- ``expected``: expected progress, ``expected_points_per_year x years`` to the target date.
- ``expected_plus``: expected progress plus a fixed stretch (e.g. 2 points = one NC sub-level).
- ``percentile``: the school's own history. Past pupils of the same subject whose baseline,
  rounded to the nearest point (halves round up), equals this pupil's rounded baseline, each
  gained ``gained_points / years`` per year; the policy's percentile of those rates (pandas
  ``groupby().quantile``, linear interpolation) is scaled by this pupil's years to the target.
  This mirrors FFT50 / FFT20 estimates ("top 50% / top 25%") on the school's own data. With
  fewer than ``min_history`` such past pupils the estimate is not trusted: the proposal falls
  back to expected progress and the basis says so.

``years`` is ``(target_date - baseline_date)`` in days / 365.25, rounded to 2 decimals (so four
school years is 4.0 whatever the leap days). Proposed points are rounded to 2 decimals; snapping
them to a grade on the subject's scale is the caller's business.

Domain facts (DESIGN.md section 3), for choosing ``expected_points_per_year``:

- One NC sub-level = 2 points, one whole level = 6 points.
- KS1 -> KS2 expected progress: 2 whole levels = 12 points over 4 years
  (``expected_progress_points(2, 4) == 3.0`` points per year).
- KS2 -> GCSE expected progress: 3 whole levels (level 4 -> grade C) over 5 years
  (``expected_progress_points(3, 5) == 3.6`` points per year on the NC points scale). On the old
  GCSE points scale, KS2 level 4 (27) -> GCSE C (40) is +13 points
  (:data:`KS2_L4_TO_GCSE_C_POINTS`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "POINTS_PER_SUB_LEVEL",
    "POINTS_PER_LEVEL",
    "KS1_TO_KS2_LEVELS",
    "KS1_TO_KS2_YEARS",
    "KS2_TO_GCSE_LEVELS",
    "KS2_TO_GCSE_YEARS",
    "KS2_L4_TO_GCSE_C_POINTS",
    "EXPECTED",
    "EXPECTED_PLUS",
    "PERCENTILE",
    "POLICY_KINDS",
    "AmbitionPolicy",
    "expected_progress_points",
    "propose_targets",
    "years_between",
]

POINTS_PER_SUB_LEVEL = 2.0
POINTS_PER_LEVEL = 6.0
KS1_TO_KS2_LEVELS = 2.0
KS1_TO_KS2_YEARS = 4.0
KS2_TO_GCSE_LEVELS = 3.0
KS2_TO_GCSE_YEARS = 5.0
#: KS2 level 4 (27 points) -> GCSE grade C (40 points on the old GCSE scale).
KS2_L4_TO_GCSE_C_POINTS = 13.0

EXPECTED = "expected"
EXPECTED_PLUS = "expected_plus"
PERCENTILE = "percentile"
POLICY_KINDS: tuple[str, ...] = (EXPECTED, EXPECTED_PLUS, PERCENTILE)

_DAYS_PER_YEAR = 365.25


def expected_progress_points(levels: float, years: float) -> float:
    """Points per year for ``levels`` whole NC levels of progress over ``years`` years.

    ``expected_progress_points(2, 4) == 3.0`` (KS1 -> KS2: 12 points over 4 years);
    ``expected_progress_points(3, 5) == 3.6`` (KS2 -> GCSE: 18 points over 5 years).
    """
    if not years > 0:
        raise ValueError(f"years must be greater than 0, got {years!r}")
    return float(levels) * POINTS_PER_LEVEL / float(years)


@dataclass(frozen=True)
class AmbitionPolicy:
    """How the school proposes long-term targets (a per-school setting).

    - ``kind``: ``"expected"``, ``"expected_plus"`` or ``"percentile"``.
    - ``expected_points_per_year``: expected progress (3.0 = 2 levels over KS2's 4 years).
    - ``stretch_points``: added on top of expected progress by ``expected_plus``.
    - ``percentile``: for ``percentile`` (50 = "top 50%", 75 = "top 25%"), strictly 0-100.
    - ``min_history``: fewest past pupils with the same prior attainment for a percentile
      estimate to be trusted; below it, fall back to expected progress.
    """

    kind: str = EXPECTED
    expected_points_per_year: float = 3.0
    stretch_points: float = 2.0
    percentile: float = 50.0
    min_history: int = 10

    def __post_init__(self) -> None:
        if self.kind not in POLICY_KINDS:
            raise ValueError(f"kind must be one of {', '.join(POLICY_KINDS)}; got {self.kind!r}")
        for name in ("expected_points_per_year", "stretch_points", "percentile"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.expected_points_per_year < 0:
            raise ValueError("expected_points_per_year must not be negative")
        if self.stretch_points < 0:
            raise ValueError("stretch_points must not be negative")
        if not 0 < self.percentile < 100:
            raise ValueError(f"percentile must be between 0 and 100 (e.g. 50 or 75), got {self.percentile:g}")
        mh = self.min_history
        if isinstance(mh, bool) or not isinstance(mh, (int, np.integer)) or mh < 1:
            raise ValueError(f"min_history must be a whole number >= 1, got {mh!r}")
        object.__setattr__(self, "min_history", int(mh))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> AmbitionPolicy:
        """Build from stored settings; missing or ``None`` keys take the defaults; unknown keys
        and bad values raise ValueError."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown ambition policy setting(s): {', '.join(map(str, unknown))}")
        kwargs: dict[str, Any] = {}
        for name, raw in values.items():
            if raw is None:
                continue
            if name == "kind":
                kwargs[name] = str(raw)
                continue
            try:
                number = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be a number, got {raw!r}") from None
            if name == "min_history":
                if not number.is_integer():
                    raise ValueError(f"min_history must be a whole number, got {raw!r}")
                number = int(number)
            kwargs[name] = number
        return cls(**kwargs)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def years_between(start, end) -> np.ndarray | pd.Series:
    """Years from ``start`` to ``end`` (days / 365.25, rounded to 2 decimals). Vectorised."""
    start = pd.to_datetime(pd.Series(start) if np.ndim(start) else start)
    end = pd.to_datetime(pd.Series(end) if np.ndim(end) else end)
    days = (end - start) / pd.Timedelta(days=1)
    return np.round(days / _DAYS_PER_YEAR, 2)


def _round_half_up(values: np.ndarray) -> np.ndarray:
    return np.floor(values + 0.5)


def _fmt_number(x: float) -> str:
    """12.0 -> '12', 12.5 -> '12.5', 12.345 -> '12.3' (one decimal at most)."""
    if not math.isfinite(x):
        return "?"
    rounded = round(x, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:.1f}".removesuffix(".0")


def _fmt_signed(x: float) -> str:
    text = _fmt_number(x)
    return text if text.startswith("-") else f"+{text}"


def _fmt_years(x: float) -> str:
    return f"{x:.1f}" if round(x, 1) == x else f"{x:.2f}"


def _ordinal(p: float) -> str:
    text = _fmt_number(p)
    if not float(text).is_integer():
        return f"{text}th"
    n = int(float(text))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _format_each(values: np.ndarray, fmt) -> np.ndarray:
    """Format an array through its distinct values (few), not element by element."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=float), use_na_sentinel=False)
    texts = np.array([fmt(float(u)) for u in uniques], dtype=object)
    return texts[codes]


def _concat(*parts) -> np.ndarray:
    """Element-wise string concatenation of arrays and plain strings."""
    first, *rest = (np.asarray(part, dtype=object) for part in parts)
    for arr in rest:
        first = first + arr
    return first


# --------------------------------------------------------------------------------------------
# Proposals
# --------------------------------------------------------------------------------------------


def _percentile_table(history: pd.DataFrame | None, percentile: float) -> pd.DataFrame:
    """subject, start (rounded baseline) -> n (past pupils), rate (percentile of gain per year)."""
    columns = ["subject", "start", "n", "rate"]
    if history is None or history.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "subject" else float) for c in columns})
    missing = [c for c in ("subject", "baseline_points", "gained_points", "years") if c not in history]
    if missing:
        raise ValueError(f"history is missing column(s): {', '.join(missing)}")
    baseline = history["baseline_points"].to_numpy(dtype=float, na_value=np.nan)
    gained = history["gained_points"].to_numpy(dtype=float, na_value=np.nan)
    years = history["years"].to_numpy(dtype=float, na_value=np.nan)
    usable = np.isfinite(baseline) & np.isfinite(gained) & np.isfinite(years) & (years > 0)
    h = pd.DataFrame(
        {
            "subject": history["subject"].to_numpy()[usable],
            "start": _round_half_up(baseline[usable]),
            "rate": gained[usable] / years[usable],
        }
    )
    grouped = h.groupby(["subject", "start"], sort=False)["rate"]
    table = pd.concat(
        [grouped.size().rename("n"), grouped.quantile(percentile / 100.0).rename("rate")], axis=1
    ).reset_index()
    return table[columns]


def propose_targets(
    baselines: pd.DataFrame,
    policy: AmbitionPolicy,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Propose a long-term target for every pupil x subject.

    ``baselines``: ``pupil_id, subject, baseline_points, baseline_date, target_date``.
    ``history`` (for ``percentile``): ``subject, baseline_points, gained_points, years`` — one row
    per past pupil x subject (rows with missing values or ``years <= 0`` are ignored).

    Returns ``pupil_id, subject, proposed_points, basis`` in the order of ``baselines``, e.g.
    basis ``"expected progress: +12 points over 4.0 years"``,
    ``"expected progress +12 plus stretch +2: +14 points over 4.0 years"``,
    ``"75th percentile of 23 past pupils starting at 15 points: +14 points over 4.0 years"``,
    ``"fallback to expected progress: only 3 past pupils starting at 15 points; +12 points over
    4.0 years"``. A row with no baseline points, or a target date not after the baseline date,
    gets ``proposed_points`` NaN and a basis that says why.
    """
    required = ["pupil_id", "subject", "baseline_points", "baseline_date", "target_date"]
    missing = [c for c in required if c not in baselines.columns]
    if missing:
        raise ValueError(f"baselines is missing column(s): {', '.join(missing)}")

    n = len(baselines)
    baseline = baselines["baseline_points"].to_numpy(dtype=float, na_value=np.nan)
    years = np.asarray(years_between(baselines["baseline_date"], baselines["target_date"]), dtype=float)
    if years.ndim == 0:
        years = np.full(n, float(years))
    years_text = _format_each(years, _fmt_years)

    expected_gain = policy.expected_points_per_year * years
    over = _concat(" points over ", years_text, " years")
    gain = expected_gain.copy()
    if policy.kind == EXPECTED:
        basis = _concat("expected progress: ", _format_each(gain, _fmt_signed), over)
    elif policy.kind == EXPECTED_PLUS:
        gain = expected_gain + policy.stretch_points
        basis = _concat(
            "expected progress ",
            _format_each(expected_gain, _fmt_signed),
            f" plus stretch {_fmt_signed(policy.stretch_points)}: ",
            _format_each(gain, _fmt_signed),
            over,
        )
    else:
        table = _percentile_table(history, policy.percentile)
        start = _round_half_up(baseline)
        looked_up = pd.DataFrame({"subject": baselines["subject"].to_numpy(), "start": start}).merge(
            table, on=["subject", "start"], how="left", sort=False
        )
        count = looked_up["n"].fillna(0).to_numpy(dtype=float).astype(np.int64)
        rate = looked_up["rate"].to_numpy(dtype=float, na_value=np.nan)
        trusted = count >= policy.min_history
        gain = np.where(trusted, rate * years, expected_gain)
        start_text = _format_each(start, _fmt_number)
        count_text = _format_each(count, _fmt_number)
        pupils_word = np.where(count == 1, " past pupil", " past pupils")
        gain_text = _format_each(gain, _fmt_signed)
        percentile_basis = _concat(
            f"{_ordinal(policy.percentile)} percentile of ",
            count_text,
            pupils_word,
            " starting at ",
            start_text,
            " points: ",
            gain_text,
            over,
        )
        how_many = np.where(count == 0, "no", _concat("only ", count_text))
        fallback_basis = _concat(
            "fallback to expected progress: ",
            how_many,
            pupils_word,
            " starting at ",
            start_text,
            " points; ",
            gain_text,
            over,
        )
        basis = np.where(trusted, percentile_basis, fallback_basis)

    proposed = np.round(baseline + gain, 2)
    no_baseline = ~np.isfinite(baseline)
    bad_dates = ~(years > 0)  # also NaN (missing dates)
    basis = np.where(bad_dates, "no proposal: the target date is not after the baseline date", basis)
    basis = np.where(no_baseline, "no proposal: no baseline points", basis)
    proposed = np.where(no_baseline | bad_dates, np.nan, proposed)

    return pd.DataFrame(
        {
            "pupil_id": baselines["pupil_id"].to_numpy(),
            "subject": baselines["subject"].to_numpy(),
            "proposed_points": proposed,
            "basis": np.asarray(basis, dtype=object),
        }
    )
