"""School-calendar arithmetic on plain dates (no ORM): which academic year a day falls in.

An English school year runs from 1 September to 31 August; a year is named by the calendar year it starts
in ("2025/26" starts in 2025). Production code and the demo both read it from here.
"""

from __future__ import annotations

import datetime as dt


def academic_year_start(on: dt.date) -> int:
    """The calendar year in which the school year containing ``on`` began (1 September to 31 August)."""
    return on.year if on.month >= 9 else on.year - 1
