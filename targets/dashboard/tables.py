"""What a panel shows and what its export writes (:class:`Table` of :class:`Cell`), the labels and colours
the panels share, and the formatting of their figures. Pure: no ORM."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pupils.codes import year_group_label

#: Shares and means of fewer pupils than this are not shown (DESIGN §4); a SIP's threshold may be higher.
MIN_SIZE = 5
SUPPRESSED = "fewer than 5 pupils"
STATUS_LABELS = {
    "ahead": "Ahead",
    "on_track": "On track",
    "behind": "Behind",
    "well_behind": "Well behind",
    "stuck": "Stuck",
}
STATUS_COLOURS = {
    "ahead": "#1a6e31",
    "on_track": "#4fa35a",
    "behind": "#e39b2d",
    "well_behind": "#c0392b",
    "stuck": "#6c3483",
}
ON_TRACK_OR_AHEAD = ("ahead", "on_track")
CONCERN = ("stuck", "well_behind")


@dataclass(slots=True)
class Cell:
    """One figure: ``value`` is exported, ``text`` shown; ``drill`` holds the drill-down parameters of the
    pupils it counts; ``note`` is a second line (a change, or why a figure is suppressed)."""

    value: object
    text: str = ""
    drill: dict | None = None
    note: str = ""
    header: bool = False
    href: str = ""
    label: str = ""  # the link's accessible name, e.g. "Year 6 Reading, Stuck: list the pupils"
    pupil_id: int | None = None  # a pupil's name cell links to their profile

    def __post_init__(self):
        if not self.text:
            self.text = "" if self.value is None else str(self.value)


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    export_headers: list[str]
    export_rows: list[list]
    chart: dict | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"


def missing(value) -> bool:
    """None or NaN (a cheap ``pd.isna`` for the scalars the panels format, thousands of times a page)."""
    if value is None:
        return True
    if isinstance(value, float):  # numpy's float64 too
        return value != value
    if isinstance(value, int | np.integer):
        return False
    return bool(pd.isna(value))


def pct(value: float | None) -> str:
    return "" if missing(value) else f"{value:.0f}%"


def num(value: float | None, places: int = 1) -> float | None:
    return None if value is None or missing(value) else round(float(value), places)


def signed(value: float | None, unit: str = "") -> str:
    if missing(value):
        return ""
    return f"{value:+.1f}{unit}".replace("-", "−")


def dash(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def pupils_phrase(count: str) -> str:
    """ "1 pupil", "6 pupils", "<5 pupils" ("x pupils" for a count hidden to protect another)."""
    return f"{count} pupil" if count == "1" else f"{count} pupils"


_YEAR_LABELS: dict[int, str] = {}


def year_label(year) -> str:
    if missing(year):
        return "All years"
    year = int(year)
    if year not in _YEAR_LABELS:
        _YEAR_LABELS[year] = year_group_label(year)
    return _YEAR_LABELS[year]
