"""Pupil premium, derived: a pupil is eligible when they were recorded as eligible for free school meals at
any point in the last six years ("Ever 6 FSM"), or are looked after. A school may also record pupil premium
by hand (a previously looked-after or service child, say): derivation only ever sets the flag, never clears
what the school recorded.

Pure module: no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

__all__ = ["EVER6", "LOOKED_AFTER", "RECORDED", "ever6_cutoff", "fsm_last_recorded", "pupil_premium_basis"]

EVER6_YEARS = 6
EVER6 = "FSM in the last six years (Ever 6)"
LOOKED_AFTER = "looked after"
RECORDED = "recorded by the school"


def ever6_cutoff(today: date) -> date:
    """The earliest day an FSM record still counts on ``today``: six years before (29 February → 28th)."""
    try:
        return today.replace(year=today.year - EVER6_YEARS)
    except ValueError:
        return today.replace(year=today.year - EVER6_YEARS, day=28)


def fsm_last_recorded(periods: Iterable[tuple[date | None, date | None]], today: date) -> date | None:
    """The last day a pupil was eligible for FSM, from ``(start, end)`` periods (an open period runs to
    ``today``; a period with no start is left out); None when there is none."""
    ends = [min(end or today, today) for start, end in periods if start is not None and start <= today]
    return max(ends, default=None)


def pupil_premium_basis(*, fsm: bool, fsm_last: date | None, looked_after: bool, today: date) -> str | None:
    """Why a pupil is eligible for pupil premium on ``today`` (:data:`EVER6` or :data:`LOOKED_AFTER`), or None."""
    if fsm or (fsm_last is not None and fsm_last >= ever6_cutoff(today)):
        return EVER6
    if looked_after:
        return LOOKED_AFTER
    return None
