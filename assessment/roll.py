"""The roll in a past period and figures as a SIP may read them, for every app's annex evidence.

A figure for a past phase is true for its period: its denominator is the roll then (pupils admitted on or
before the period's end and not left before its start, with the year group each was in then, not today's),
and a SIP reads it, so small counts are hidden as ``schoolpl.disclosure`` says (``share``, ``count``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from pupils.models import Pupil
from schoolpl import disclosure

# Pupils in Year 1 and above are assessed periodically (APP); Reception and nursery are not.
FIRST_ASSESSED_YEAR = 1


def share(part: int, whole: int, threshold: int, whole_words: str) -> str:
    """ "83% (250 of 300 pupils on roll in Years 1–6 in Summer 2026)". A SIP reads these, so a count under the
    school's threshold is "<5" and no share of it is given (nor a share whose rest is that small: "all but
    one" names a child too). ``whole_words`` says what the denominator is; with none there is nothing to
    share: "no pupils on roll in …"."""
    if not whole:
        return f"no {whole_words}"
    if disclosure.share_hidden(part, whole, threshold):
        small = disclosure.small(threshold)
        if whole < threshold:
            return f"{small} {whole_words}: figures hidden"
        if part < threshold:
            return f"{small} of {whole} {whole_words}"
        return f"all but {small} of {whole} {whole_words}"
    return f"{round(100 * part / whole)}% ({part} of {whole} {whole_words})"


def count(value: int, threshold: int) -> str:
    """A bare count as a SIP may read it: "<5" under the threshold (zero included)."""
    return disclosure.small(threshold) if value < threshold else str(value)


def academic_year_of(day: dt.date) -> int:
    """The calendar year an English academic year starts in (1 September): 2025 for 20 July 2026."""
    return day.year if day.month >= 9 else day.year - 1


def on_roll_between(school, start: dt.date, end: dt.date) -> QuerySet[Pupil]:
    """Pupils on roll at some time in ``start``–``end``: admitted on or before the end (a pupil with no
    admission date counts as admitted) and not left before the start (a leaver archived without a leaving
    date left on the day of archiving)."""
    return (
        Pupil.objects.in_school(school)
        .filter(Q(admission_date__isnull=True) | Q(admission_date__lte=end))
        .filter(
            Q(leaving_date__gte=start)
            | Q(leaving_date__isnull=True, archived_at__isnull=True)
            | Q(leaving_date__isnull=True, archived_at__date__gte=start)
        )
    )


def year_group_then(row: dict, at: dt.date, today: dt.date) -> int:
    """The year group a pupil was in on ``at``: their recorded year group is the one of today's academic year
    (or, for a leaver, of the year they left in), and moves up one each academic year."""
    left = row.get("leaving_date") or (row["archived_at"].date() if row.get("archived_at") else None)
    reference = min(left, today) if left else today
    return row["year_group"] - (academic_year_of(reference) - academic_year_of(at))


def roll_at(
    school, start: dt.date, end: dt.date, today: dt.date | None = None, fields: tuple[str, ...] = (), **flags
) -> list[dict]:
    """Every pupil on roll in the period as ``{"pk", "year_then", <fields>, <flags>}``, ``year_then`` being the
    year group at the period's end and ``flags`` annotations such as ``judged=Exists(...)``: one query."""
    today = today or timezone.localdate()
    rows = list(
        on_roll_between(school, start, end)
        .annotate(**flags)
        .values("pk", "year_group", "leaving_date", "archived_at", *fields, *flags)
    )
    for row in rows:
        row["year_then"] = year_group_then(row, end, today)
    return rows


def years_words(years: list[int]) -> str:
    """ "Years 1–6", "Year 2" or "Year 1 and above" (no pupils)."""
    if not years:
        return f"Year {FIRST_ASSESSED_YEAR} and above"
    low, high = min(years), max(years)
    return f"Year {low}" if low == high else f"Years {low}–{high}"
