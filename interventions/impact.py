"""Impact and cost arithmetic for interventions. Pure: plain values, dates and DataFrames, no Django.

*Rate before* is the pupil's points gained per month over the assessments before the provision started;
*rate during* is the points gained per month from the entry judgement to the exit judgement. Comparing the
two shows whether the provision sped progress up. *Cost per point gained* divides what the provision cost
for the measured pupils by the points they gained.

A month is 365.25 / 12 days. Points come from ``assessment.scales`` (one NC sub-level = 2 points), so a
rate of 0.5 points a month is roughly one sub-level a term.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

DAYS_PER_MONTH = 365.25 / 12
IMPROVED = "improved"
NO_CHANGE = "no change"
FELL_BACK = "fell back"
NOT_MEASURED = "no exit judgement"
PER_SESSION = "session"
PER_PUPIL = "pupil"


def months_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / DAYS_PER_MONTH


def mean_rating(values: Iterable[float | None]) -> float | None:
    """The average of the ratings given (a view not given is left out, not counted as 0)."""
    given = [float(v) for v in values if v is not None]
    return round(sum(given) / len(given), 2) if given else None


def validate_rating(value: int | None) -> None:
    if value is not None and not 0 <= value <= 10:
        raise ValueError("A rating is a whole number from 0 to 10.")


@dataclass(frozen=True)
class Point:
    """A judgement at a date (the end of its assessment window, or the day it was recorded)."""

    date: dt.date
    points: float


def _sorted(history: Iterable[Point | tuple]) -> list[Point]:
    return sorted((p if isinstance(p, Point) else Point(*p) for p in history), key=lambda p: p.date)


def rate_before(history: Iterable[Point | tuple], start: dt.date, lookback: int = 3) -> float | None:
    """Points per month over the last ``lookback`` judgements dated on or before ``start``; None with fewer
    than two."""
    before = [p for p in _sorted(history) if p.date <= start][-lookback:]
    if len(before) < 2 or before[-1].date == before[0].date:
        return None
    return (before[-1].points - before[0].points) / months_between(before[0].date, before[-1].date)


def pick_entry_exit(
    history: Iterable[Point | tuple], start: dt.date, end: dt.date, grace_days: int = 21
) -> tuple[Point | None, Point | None]:
    """The entry judgement is the latest made by ``start`` (allowing ``grace_days`` after it: a term's
    judgement made just after a provision began still describes the pupil at entry); the exit judgement is
    the first made from ``grace_days`` before ``end`` onwards and after the entry."""
    points = _sorted(history)
    grace = dt.timedelta(days=grace_days)
    entry = next((p for p in reversed(points) if p.date <= start + grace), None)
    exit_ = next((p for p in points if p.date >= end - grace and (entry is None or p.date > entry.date)), None)
    return entry, exit_


@dataclass(frozen=True)
class PupilImpact:
    entry: Point | None
    exit: Point | None
    rate_before: float | None
    cost: float

    @property
    def measured(self) -> bool:
        return self.entry is not None and self.exit is not None and self.exit.date > self.entry.date

    @property
    def gain(self) -> float | None:
        return self.exit.points - self.entry.points if self.measured else None

    @property
    def months(self) -> float | None:
        return months_between(self.entry.date, self.exit.date) if self.measured else None

    @property
    def rate_during(self) -> float | None:
        return self.gain / self.months if self.measured else None

    @property
    def rate_change(self) -> float | None:
        if self.rate_during is None or self.rate_before is None:
            return None
        return self.rate_during - self.rate_before

    @property
    def outcome(self) -> str:
        if not self.measured:
            return NOT_MEASURED
        if self.gain > 0:
            return IMPROVED
        return NO_CHANGE if self.gain == 0 else FELL_BACK

    @property
    def cost_per_point(self) -> float | None:
        return cost_per_point(self.cost, self.gain)


def cost_per_point(cost: float, gain: float | None) -> float | None:
    """What each point gained cost; None when nothing was gained (the figure would be meaningless)."""
    if gain is None or gain <= 0:
        return None
    return cost / gain


def pupil_impact(
    entry: Point | tuple | None, exit: Point | tuple | None, rate_before: float | None = None, cost: float = 0.0
) -> PupilImpact:
    as_point = lambda p: p if p is None or isinstance(p, Point) else Point(*p)  # noqa: E731
    return PupilImpact(entry=as_point(entry), exit=as_point(exit), rate_before=rate_before, cost=float(cost))


@dataclass(frozen=True)
class ProgrammeSummary:
    pupils: int
    measured: int
    improved: int
    accelerated: int  # rate during above the rate before
    with_rate_before: int
    mean_gain: float | None
    mean_rate_during: float | None
    mean_rate_before: float | None
    total_cost: float
    measured_cost: float
    total_gain: float
    cost_per_point: float | None

    @property
    def improved_share(self) -> float | None:
        return self.improved / self.measured if self.measured else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarise(impacts: Iterable[PupilImpact]) -> ProgrammeSummary:
    """Per programme (or per provision): counts, mean gain and rates, and cost per point over the measured
    pupils (cost of the measured pupils ÷ points they gained)."""
    impacts = list(impacts)
    measured = [i for i in impacts if i.measured]
    with_before = [i for i in measured if i.rate_before is not None]
    total_gain = sum(i.gain for i in measured)
    measured_cost = sum(i.cost for i in measured)
    return ProgrammeSummary(
        pupils=len(impacts),
        measured=len(measured),
        improved=sum(1 for i in measured if i.gain > 0),
        accelerated=sum(1 for i in with_before if i.rate_during > i.rate_before),
        with_rate_before=len(with_before),
        mean_gain=_mean([i.gain for i in measured]),
        mean_rate_during=_mean([i.rate_during for i in measured]),
        mean_rate_before=_mean([i.rate_before for i in with_before]),
        total_cost=sum(i.cost for i in impacts),
        measured_cost=measured_cost,
        total_gain=total_gain,
        cost_per_point=cost_per_point(measured_cost, total_gain),
    )


# --- Time and cost of a place in a provision -------------------------------------------------------------


def place_span(
    provision_start: dt.date, provision_end: dt.date, joined: dt.date, left: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The dates the pupil was actually in the provision."""
    return max(provision_start, joined), min(provision_end, left) if left else provision_end


def overlap_days(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date) -> int:
    """Days (inclusive) the two date ranges share."""
    return max(0, (min(a_end, b_end) - max(a_start, b_start)).days + 1)


def place_figures(
    *,
    sessions_per_week: float,
    session_minutes: float,
    cost_basis: str,
    unit_cost: float,
    provision_start: dt.date,
    provision_end: dt.date,
    joined: dt.date,
    left: dt.date | None,
    group_pupils: int,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> tuple[float, float, float]:
    """(sessions, hours, cost) of one pupil's place within a period (default: the whole provision).

    Sessions are planned ones: sessions per week × weeks in the place. A per-session cost is shared by the
    pupils of the group; a per-pupil cost is spread over the provision's days, so a pupil who left half way
    costs half."""
    start, end = place_span(provision_start, provision_end, joined, left)
    days = overlap_days(start, end, period_start or start, period_end or end)
    sessions = sessions_per_week * days / 7
    hours = sessions * session_minutes / 60
    if cost_basis == PER_PUPIL:
        total_days = (provision_end - provision_start).days + 1
        cost = float(unit_cost) * days / total_days
    else:
        cost = float(unit_cost) * sessions / max(group_pupils, 1)
    return sessions, hours, cost


MAP_COLUMNS = [
    "sessions_per_week",
    "session_minutes",
    "cost_basis",
    "unit_cost",
    "provision_start",
    "provision_end",
    "joined",
    "left",
    "group_pupils",
]


def map_figures(frame: pd.DataFrame, period_start: dt.date, period_end: dt.date) -> pd.DataFrame:
    """Vectorised :func:`place_figures` over a frame of places (columns ``MAP_COLUMNS``); adds ``sessions``,
    ``hours`` and ``cost``."""
    out = frame.copy()
    if out.empty:
        return out.assign(sessions=pd.Series(dtype=float), hours=pd.Series(dtype=float), cost=pd.Series(dtype=float))
    p_start = pd.to_datetime(out["provision_start"])
    p_end = pd.to_datetime(out["provision_end"])
    joined = pd.to_datetime(out["joined"])
    left = pd.to_datetime(out["left"]).fillna(p_end)
    start = pd.concat([p_start, joined], axis=1).max(axis=1).clip(lower=pd.Timestamp(period_start))
    end = pd.concat([p_end, left], axis=1).min(axis=1).clip(upper=pd.Timestamp(period_end))
    days = ((end - start).dt.days + 1).clip(lower=0)
    sessions = out["sessions_per_week"].astype(float) * days / 7
    unit = out["unit_cost"].astype(float)
    per_pupil = unit * days / ((p_end - p_start).dt.days + 1)
    per_session = unit * sessions / out["group_pupils"].clip(lower=1)
    out["sessions"] = sessions
    out["hours"] = sessions * out["session_minutes"].astype(float) / 60
    out["cost"] = per_pupil.where(out["cost_basis"] == PER_PUPIL, per_session)
    return out


# --- Score cards -----------------------------------------------------------------------------------------

LOW_SCORE = 4.0  # a latest score-card average at or below this flags the pupil as a candidate


def card_averages(
    ratings: Iterable[tuple[int, int | None, int | None, int | None]],
) -> tuple[dict[int, float], float | None]:
    """Per characteristic, the average of the professional's, pupil's and parent's views; and the card's
    overall average (the mean of the characteristic averages). ``ratings`` are (characteristic, three
    views) rows."""
    per_characteristic = {}
    for characteristic, *views in ratings:
        average = mean_rating(views)
        if average is not None:
            per_characteristic[characteristic] = average
    overall = mean_rating(per_characteristic.values())
    return per_characteristic, overall


def change_from_baseline(baseline: dict[int, float], later: dict[int, float]) -> dict[int, float]:
    """Per characteristic rated on both cards, the later average minus the baseline average."""
    return {k: round(later[k] - baseline[k], 2) for k in later if k in baseline}
