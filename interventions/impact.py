"""Impact and cost arithmetic for interventions. Pure: plain values, dates and DataFrames, no Django.

*Rate before* is the pupil's points gained per month over the assessments before the provision started;
*rate during* is the points gained per month from the entry judgement to the exit judgement. Comparing the
two shows whether the provision sped progress up. Both are judged against the *expected rate* (the school's
expected points a year ÷ 12 a month, ÷ 3 a term): a pupil is *accelerated* when the rate during provision
meets or beats it (DESIGN §3; a school may set a higher bar, ``ACCELERATED_BAR``). Any gain at all is not
success. *Cost per point gained* divides what the provision cost for the measured pupils by the points they
gained; *cost per point above expected* divides it by the points gained beyond what expected progress would
have given over the same months.

Where a programme records reading or spelling age in months, Brooks' *ratio gain* is months of age gained ÷
months elapsed, banded 3.0+ remarkable, 2.0–2.9 substantial, 1.4–1.9 useful, below 1.4 modest.

A month is 365.25 / 12 days. Points come from ``assessment.scales`` (one NC sub-level = 2 points), so a
rate of 0.5 points a month is roughly one sub-level a term.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import overload

import pandas as pd

DAYS_PER_MONTH = 365.25 / 12
MONTHS_PER_TERM = 4  # three terms a year
DEFAULT_EXPECTED_PER_YEAR = 3.0
# The share of the expected rate a pupil's rate during provision must reach to count as accelerated; a school
# wanting a higher bar sets this above 1 (one place, DESIGN §3).
ACCELERATED_BAR = 1.0
ACCELERATED = "accelerated"
BELOW_EXPECTED = "gained, below expected"
NO_CHANGE = "no change"
FELL_BACK = "fell back"
NOT_MEASURED = "no exit judgement"
PER_SESSION = "session"
PER_PUPIL = "pupil"


def months_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / DAYS_PER_MONTH


def expected_rate(points_per_year: float | None) -> float:
    """The expected rate in points a month from the school's expected points a year."""
    return (DEFAULT_EXPECTED_PER_YEAR if points_per_year is None else float(points_per_year)) / 12


@overload
def per_term(rate_per_month: float) -> float: ...


@overload
def per_term(rate_per_month: float | None) -> float | None: ...


def per_term(rate_per_month: float | None) -> float | None:
    return None if rate_per_month is None else rate_per_month * MONTHS_PER_TERM


REMARKABLE, SUBSTANTIAL, USEFUL, MODEST = "remarkable", "substantial", "useful", "modest"


def ratio_gain(
    entry_months: float | None, exit_months: float | None, start: dt.date | None, end: dt.date | None
) -> float | None:
    """Brooks' ratio gain: months of reading/spelling age gained ÷ months elapsed (None without both ages or
    with no time elapsed)."""
    if entry_months is None or exit_months is None or start is None or end is None or end <= start:
        return None
    return (exit_months - entry_months) / months_between(start, end)


def ratio_band(ratio: float | None) -> str | None:
    """Brooks' bands (What Works for Children with Literacy Difficulties), on the ratio to one decimal place."""
    if ratio is None:
        return None
    r = round(ratio, 1)
    if r >= 3.0:
        return REMARKABLE
    if r >= 2.0:
        return SUBSTANTIAL
    if r >= 1.4:
        return USEFUL
    return MODEST


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
    expected_rate: float = DEFAULT_EXPECTED_PER_YEAR / 12  # points a month
    ratio_gain: float | None = None

    @property
    def span(self) -> tuple[Point, Point] | None:
        """(entry, exit) when the pupil was measured: both judgements present, the exit after the entry."""
        if self.entry is None or self.exit is None or self.exit.date <= self.entry.date:
            return None
        return self.entry, self.exit

    @property
    def measured(self) -> bool:
        return self.span is not None

    @property
    def gain(self) -> float | None:
        span = self.span
        return None if span is None else span[1].points - span[0].points

    @property
    def months(self) -> float | None:
        span = self.span
        return None if span is None else months_between(span[0].date, span[1].date)

    @property
    def rate_during(self) -> float | None:
        gain, months = self.gain, self.months
        return None if gain is None or months is None else gain / months

    @property
    def rate_change(self) -> float | None:
        if self.rate_during is None or self.rate_before is None:
            return None
        return self.rate_during - self.rate_before

    @property
    def accelerated(self) -> bool | None:
        """Rate during provision met or beat the expected rate (None when not measured)."""
        rate = self.rate_during
        if rate is None:
            return None
        return round(rate, 6) >= round(self.expected_rate * ACCELERATED_BAR, 6)

    @property
    def gain_above_expected(self) -> float | None:
        """Points gained beyond what expected progress gives over the same months."""
        gain, months = self.gain, self.months
        return None if gain is None or months is None else gain - self.expected_rate * months

    @property
    def ratio_band(self) -> str | None:
        return ratio_band(self.ratio_gain)

    @property
    def outcome(self) -> str:
        gain = self.gain
        if gain is None:
            return NOT_MEASURED
        if self.accelerated:
            return ACCELERATED
        if gain > 0:
            return BELOW_EXPECTED
        return NO_CHANGE if gain == 0 else FELL_BACK

    @property
    def cost_per_point(self) -> float | None:
        return cost_per_point(self.cost, self.gain)


def cost_per_point(cost: float, gain: float | None) -> float | None:
    """What each point gained cost; None when nothing was gained (the figure would be meaningless)."""
    if gain is None or gain <= 0:
        return None
    return cost / gain


def pupil_impact(
    entry: Point | tuple | None,
    exit: Point | tuple | None,
    rate_before: float | None = None,
    cost: float = 0.0,
    expected_per_year: float | None = None,
    ratio_gain: float | None = None,
) -> PupilImpact:
    as_point = lambda p: p if p is None or isinstance(p, Point) else Point(*p)  # noqa: E731
    return PupilImpact(
        entry=as_point(entry),
        exit=as_point(exit),
        rate_before=rate_before,
        cost=float(cost),
        expected_rate=expected_rate(expected_per_year),
        ratio_gain=ratio_gain,
    )


@dataclass(frozen=True)
class ProgrammeSummary:
    pupils: int
    measured: int
    accelerated: int  # rate during met or beat the expected rate
    faster_than_before: int  # rate during above the rate before
    with_rate_before: int
    mean_gain: float | None
    mean_rate_during: float | None
    mean_rate_before: float | None
    mean_rate_expected: float | None
    total_cost: float
    measured_cost: float
    total_gain: float
    cost_per_point: float | None
    gain_above_expected: float
    cost_per_point_above_expected: float | None
    with_ratio: int
    mean_ratio_gain: float | None

    @property
    def accelerated_share(self) -> float | None:
        return self.accelerated / self.measured if self.measured else None

    @property
    def cost_per_pupil(self) -> float | None:
        return self.total_cost / self.pupils if self.pupils else None

    @property
    def ratio_band(self) -> str | None:
        return ratio_band(self.mean_ratio_gain)

    # Rates in points a term, as people read them.
    @property
    def term_rate_before(self) -> float | None:
        return per_term(self.mean_rate_before)

    @property
    def term_rate_during(self) -> float | None:
        return per_term(self.mean_rate_during)

    @property
    def term_rate_expected(self) -> float | None:
        return per_term(self.mean_rate_expected)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _present(values: Iterable[float | None]) -> list[float]:
    """The values that are there (a pupil not measured has None)."""
    return [v for v in values if v is not None]


def _rate_pair(impact: PupilImpact) -> tuple[float, float] | None:
    """(rate during, rate before) for a measured pupil with a rate before provision."""
    during, before = impact.rate_during, impact.rate_before
    return None if during is None or before is None else (during, before)


def summarise(impacts: Iterable[PupilImpact]) -> ProgrammeSummary:
    """Per programme (or per provision): counts, mean gain and rates, and cost per point over the measured
    pupils (cost of the measured pupils ÷ points they gained)."""
    impacts = list(impacts)
    measured = [i for i in impacts if i.measured]
    gains = _present(i.gain for i in measured)
    rate_pairs = [pair for pair in map(_rate_pair, measured) if pair is not None]
    with_ratio = _present(i.ratio_gain for i in measured)
    total_gain = sum(gains)
    above = sum(_present(i.gain_above_expected for i in measured))
    measured_cost = sum(i.cost for i in measured)
    return ProgrammeSummary(
        pupils=len(impacts),
        measured=len(measured),
        accelerated=sum(1 for i in measured if i.accelerated),
        faster_than_before=sum(1 for during, before in rate_pairs if during > before),
        with_rate_before=len(rate_pairs),
        mean_gain=_mean(gains),
        mean_rate_during=_mean(_present(i.rate_during for i in measured)),
        mean_rate_before=_mean([before for _, before in rate_pairs]),
        mean_rate_expected=_mean([i.expected_rate for i in measured]),
        total_cost=sum(i.cost for i in impacts),
        measured_cost=measured_cost,
        total_gain=total_gain,
        cost_per_point=cost_per_point(measured_cost, total_gain),
        gain_above_expected=above,
        cost_per_point_above_expected=cost_per_point(measured_cost, round(above, 6)),
        with_ratio=len(with_ratio),
        mean_ratio_gain=_mean(with_ratio),
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


# --- Figures a trust reads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disclosed:
    """A programme summary as a reader outside the school sees it (a trust, a SIP, an export): each count
    under ``threshold`` shows as "<5", and no figure is worked from a count that small (DESIGN §4). ``None``
    for a figure that is hidden or not there."""

    pupils: str
    measured: str
    accelerated: str  # "62% (8 of 13)", "<5 of 13", "all but <5 of 13" or "—"
    accelerated_pct: int | None
    mean_ratio_gain: float | None
    ratio_band: str | None
    cost_per_pupil: float | None
    cost_per_point_above_expected: float | None


def _count_text(value: int, threshold: int) -> str:
    return f"<{threshold}" if value < threshold else str(value)


def _accelerated_text(s: ProgrammeSummary, threshold: int) -> tuple[str, int | None]:
    if s.measured < threshold:
        return "—", None
    if s.accelerated < threshold:
        return f"<{threshold} of {s.measured}", None
    if s.measured - s.accelerated < threshold:
        return f"all but <{threshold} of {s.measured}", None
    share = round(100 * s.accelerated / s.measured)
    return f"{share}% ({s.accelerated} of {s.measured})", share


def disclose(s: ProgrammeSummary, threshold: int) -> Disclosed:
    """:class:`Disclosed` for ``s``: the pupils and measured counts, the share accelerated (hidden where the
    accelerated or the rest are under the threshold), the mean ratio gain only over at least ``threshold``
    pupils with reading or spelling ages, the costs per pupil and per point above expected only over at least
    ``threshold`` pupils (a mean of two pupils is nearly their own figures)."""
    accelerated, share = _accelerated_text(s, threshold)
    ratio = s.mean_ratio_gain if s.with_ratio >= threshold else None
    return Disclosed(
        pupils=_count_text(s.pupils, threshold),
        measured=_count_text(s.measured, threshold),
        accelerated=accelerated,
        accelerated_pct=share,
        mean_ratio_gain=ratio,
        ratio_band=ratio_band(ratio),
        cost_per_pupil=s.cost_per_pupil if s.pupils >= threshold else None,
        cost_per_point_above_expected=s.cost_per_point_above_expected if s.measured >= threshold else None,
    )


@dataclass(frozen=True)
class TrustRow:
    """One row of the trust's programme table: a programme (by wave and name) across the schools running it,
    or one school across its programmes."""

    label: str
    wave: int | None
    schools: int
    shown: Disclosed


def trust_rows(
    impacts: Iterable[tuple[int, int, str, PupilImpact]], schools: Sequence[tuple[int, str, int]]
) -> tuple[list[TrustRow], list[TrustRow]]:
    """(programmes across the trust, schools across their programmes) from ``impacts`` — (school id, wave,
    programme name, pupil's impact) — and ``schools`` — (id, name, small-count threshold) in display order.
    Programmes of the same wave and name in several schools are pooled (each school runs its own copy of
    "Reading catch-up"), hidden by the strictest threshold of the schools in the pool; a school's row by its own
    threshold. Schools with no pupils in a programme have no row."""
    by_programme: dict[tuple[int, str], list[PupilImpact]] = {}
    in_schools: dict[tuple[int, str], set[int]] = {}
    by_school: dict[int, list[PupilImpact]] = {}
    for school_id, wave, name, result in impacts:
        by_programme.setdefault((wave, name), []).append(result)
        in_schools.setdefault((wave, name), set()).add(school_id)
        by_school.setdefault(school_id, []).append(result)
    thresholds = {pk: threshold for pk, _, threshold in schools}
    programmes = [
        TrustRow(
            label=name,
            wave=wave,
            schools=len(in_schools[(wave, name)]),
            shown=disclose(summarise(found), max(thresholds[s] for s in in_schools[(wave, name)])),
        )
        for (wave, name), found in sorted(by_programme.items())
    ]
    per_school = [
        TrustRow(label=name, wave=None, schools=1, shown=disclose(summarise(by_school[pk]), threshold))
        for pk, name, threshold in schools
        if pk in by_school
    ]
    return programmes, per_school
