"""Why a pupil is flagged, in the plain English a teacher reads (issue 14): the judgement, the
expected-progress line at that window, the gap in steps of the subject's scale and since when the flag has
held; for "stuck", the windows with no gain.

Pure: numbers, window names and a scale in, one sentence out; no query. Every page that shows a flag (the
pupil profile, the assessment grid, the notification, the SENCO's candidates) calls :func:`explain` with
data it has already loaded.

    Behind: judged 3c in Spring 1 2026, one sub-level below the expected line (3b) since Autumn 2 2025.
    Stuck: no gain over the last 3 assessments: 2a since Summer 2025; one sub-level below the expected line (3c).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from assessment.scales import BUILTIN_SCALES, Scale, grade_label

from . import trajectory

_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_SUBLEVEL = re.compile(r"^\d+[abc]$")  # an NC sub-level: counted in sub-levels, other scales in steps
_LABELS = {
    trajectory.AHEAD: "Ahead",
    trajectory.ON_TRACK: "On track",
    trajectory.BEHIND: "Behind",
    trajectory.STUCK: "Stuck",
    trajectory.WELL_BEHIND: "Well behind",
}


@dataclass(frozen=True)
class Judged:
    """One window of the pupil's series in the subject (oldest first in a history)."""

    window: str
    actual: float


class StatusRow(NamedTuple):
    """The fields of a ProgressStatus row :func:`explain_latest` reads (e.g. from ``values_list``)."""

    status: str
    expected: float
    actual: float
    window_id: int
    since_window_id: int


def scale_of(subject, own: dict[str, Scale] | None = None) -> Scale | None:
    """The subject's scale without a query: a built-in one, or one of ``own`` (the school's scales, if the
    caller has loaded them); None otherwise (points are then shown as points). ``subject``: a Subject or its
    scale code."""
    code = subject if isinstance(subject, str) else getattr(subject, "scale_code", None)
    if not code:
        return None
    return BUILTIN_SCALES.get(code) or (own or {}).get(code)


def _grade(points: float, scale: Scale | None) -> str:
    return grade_label(points, scale, unit=" points")


def _index(points: float, scale: Scale) -> int:
    """The position of the grade at or below ``points`` on the scale (-1 below the lowest)."""
    return bisect.bisect_right([g.points for g in scale.grades], float(points) + 1e-6) - 1


def _count(n: int, unit: str) -> str:
    word = _NUMBERS[n] if n < len(_NUMBERS) else str(n)
    return f"{word} {unit}{'' if n == 1 else 's'}"


def gap_words(expected: float, actual: float, scale: Scale | None) -> str:
    """Where the judgement stands against the line: "one sub-level below the expected line (3b)", "on the
    expected line (3b)", "within a sub-level of …"; in points where there is no scale to read."""
    if scale is None or _index(min(expected, actual), scale) < 0:
        gap = round(actual - expected, 1)
        line = f"the expected line ({expected:g} points)"
        if gap == 0:
            return f"on {line}"
        return f"{abs(gap):g} point{'' if abs(gap) == 1 else 's'} {'below' if gap < 0 else 'above'} {line}"
    low, high = scale.grades[_index(expected, scale)], scale.grades[_index(actual, scale)]
    unit = "sub-level" if all(_SUBLEVEL.match(g.label) for g in (low, high)) else "step"
    steps = _index(actual, scale) - _index(expected, scale)
    line = f"the expected line ({_grade(expected, scale)})"
    if steps == 0:
        return f"on {line}" if math.isclose(actual, expected, abs_tol=1e-6) else f"within a {unit} of {line}"
    return f"{_count(abs(steps), unit)} {'below' if steps < 0 else 'above'} {line}"


def _no_gain(history: Sequence[Judged], scale: Scale | None) -> str:
    """ "no gain over the last 3 assessments: 2a since Summer 2025": from the earliest window whose points were
    at least the points now and never bettered since (a dip in between does not break the run)."""
    points = [h.actual + 1e-6 for h in history]
    now = history[-1].actual
    start = min(i for i, p in enumerate(points) if p >= now and max(h.actual for h in history[i:]) <= p)
    first = history[start]
    then, latest = _grade(first.actual, scale), _grade(now, scale)
    held = f"{then} since {first.window}" if then == latest else f"{then} in {first.window}, {latest} now"
    return f"no gain over the last {len(history) - start} assessments: {held}"


def explain(
    status: str,
    *,
    expected: float,
    actual: float,
    window: str,
    since: str = "",
    scale: Scale | None = None,
    history: Sequence[Judged] = (),
) -> str:
    """One sentence: why the pupil has ``status`` at ``window`` (see the module docstring). ``expected`` and
    ``actual``: the status row's points; ``since``: the window the status has held since; ``history``: the
    pupil's judged windows in the subject, oldest first, ending at ``window`` (used for "stuck")."""
    label = _LABELS.get(status, status)
    held = f" since {since}" if since and since != window else ""
    if status == trajectory.STUCK and len(history) >= 2:
        return f"{label}: {_no_gain(history, scale)}; {gap_words(expected, actual, scale)}."
    return f"{label}: judged {_grade(actual, scale)} in {window}, {gap_words(expected, actual, scale)}{held}."


def explain_latest(rows: Sequence, name_of: dict, scale: Scale | None = None) -> str:
    """:func:`explain` for the last of a pupil's status rows in one subject (oldest first; anything with
    ``status``, ``expected``, ``actual``, ``window_id`` and ``since_window_id``, e.g. ProgressStatus), reading
    window names from ``name_of`` (window id → name). "" for no rows."""
    if not rows:
        return ""
    last = rows[-1]
    return explain(
        last.status,
        expected=last.expected,
        actual=last.actual,
        window=name_of.get(last.window_id, ""),
        since=name_of.get(last.since_window_id, ""),
        scale=scale,
        history=[Judged(name_of.get(r.window_id, ""), r.actual) for r in rows],
    )
