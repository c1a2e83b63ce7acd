"""What the loader hands the panels: the filters, the characteristic groups and the :class:`Frames` of one
request, with the small derivations several panels share. Pure: no ORM (``loader`` fills these)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from assessment.analytics import Group
from pupils.codes import ethnicity_name

from .policy import Expectations
from .tables import missing

#: A window at least this many days before the chosen one counts as "a year earlier" for progress.
YEAR_AGO_DAYS = 350


# --- Characteristic groups ------------------------------------------------------------------------


@dataclass(frozen=True)
class Characteristic:
    """A group of pupils by a characteristic: the filter key, its label, the pupil-frame column and values,
    and the pupil field lookup for queries."""

    key: str
    label: str
    column: str
    values: tuple
    lookup: str

    @property
    def group(self) -> Group:
        return Group(self.label, self.column, self.values)


CHARACTERISTICS: tuple[Characteristic, ...] = (
    Characteristic("sen_k", "SEN support (K)", "sen", ("K",), "sen_provision"),
    Characteristic("sen_e", "EHC plan (E)", "sen", ("E",), "sen_provision"),
    Characteristic("fsm", "FSM", "fsm", (True,), "fsm"),
    Characteristic("pupil_premium", "Pupil premium", "pupil_premium", (True,), "pupil_premium"),
    Characteristic("eal", "EAL", "eal", (True,), "eal"),
    Characteristic("looked_after", "Looked after", "looked_after", (True,), "looked_after"),
    Characteristic("gifted", "Gifted and talented", "gifted", (True,), "gifted"),
    Characteristic("female", "Girls", "gender", ("F",), "gender"),
    Characteristic("male", "Boys", "gender", ("M",), "gender"),
)
_BY_KEY = {c.key: c for c in CHARACTERISTICS}


def characteristics_without(hidden_lookups) -> tuple[Characteristic, ...]:
    """The groups left once those on ``hidden_lookups`` (pupil fields a user may not see) are taken out."""
    return tuple(c for c in CHARACTERISTICS if c.lookup not in hidden_lookups)


def characteristic(key: str) -> Characteristic | None:
    """The characteristic for a filter key; ``ethnicity:WBRI`` stands for one ethnic group."""
    if key.startswith("ethnicity:") and len(key) > len("ethnicity:"):
        code = key.split(":", 1)[1]
        return Characteristic(key, f"Ethnicity: {ethnicity_name(code)}", "ethnicity", (code,), "ethnicity")
    return _BY_KEY.get(key)


PUPIL_COLUMNS = [
    "pupil_id",
    "year_group",
    "sen",
    "fsm",
    "pupil_premium",
    "eal",
    "looked_after",
    "gifted",
    "gender",
    "ethnicity",
]


# --- Filters and frames ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    window_id: int | None = None
    year_group: int | None = None
    subject_id: int | None = None
    group: str = ""
    teaching_group_id: int | None = None

    def params(self) -> dict[str, int | str]:
        """GET parameters that reproduce these filters (for drill-down and export links)."""
        out: dict[str, int | str] = {}
        if self.window_id is not None:
            out["window"] = self.window_id
        if self.year_group is not None:
            out["year"] = self.year_group
        if self.subject_id is not None:
            out["subject"] = self.subject_id
        if self.group:
            out["group"] = self.group
        if self.teaching_group_id is not None:
            out["teaching_group"] = self.teaching_group_id
        return out


@dataclass
class Frames:
    """Everything the panels need, loaded once per request."""

    windows: pd.DataFrame  # id, name, start_date (ordered by start)
    window: dict | None
    previous: dict | None
    year_ago: dict | None
    subjects: pd.DataFrame  # id, code, name, scale_code (in display order)
    pupils: pd.DataFrame  # pupil_id, year_group, characteristics (+ name when names are allowed)
    statuses: pd.DataFrame  # at the chosen window: pupil_id, subject_id, status, since_window_id (+ expected,
    # actual with ``detail``)
    judgements: pd.DataFrame  # at the chosen and year-ago windows: pupil_id, subject_id, window_id, points
    baselines: pd.DataFrame  # pupil_id, subject_id, key_stage, method, points (by pupil, subject, key stage, TT last)
    status_counts: pd.DataFrame  # window_id, subject_id, year_group, status, n, n_<key> per characteristic
    attainment_trend: pd.DataFrame  # window_id, subject_id, n_<g>, sum_<g> for g in all + characteristics
    names: bool
    filters: Filters = field(default_factory=Filters)
    characteristics: tuple[Characteristic, ...] = CHARACTERISTICS  # the groups the panels show
    memo: dict = field(default_factory=dict, repr=False)  # frames derived once per request (see memo)
    #: The smallest count the panels show (DESIGN §4): set for a SIP's page and for every export, so counts
    #: under it read "<N" and :mod:`schoolpl.disclosure` hides what would give them away; None for a
    #: leader's, SENCO's or teacher's page, who see the pupils' names anyway.
    threshold: int | None = None
    #: The school's expected progress and age-related expectations (its target policy).
    expectations: Expectations = field(default_factory=Expectations)
    this_year_start: int = 0  # the calendar year the current school year starts in

    def __post_init__(self):
        self.window_records = self.windows.to_dict("records")
        self._window_names = {w["id"]: str(w["name"]) for w in self.window_records}
        self._subject_names = dict(zip(self.subjects["id"], self.subjects["name"], strict=True))

    def window_name(self, window_id) -> str:
        if missing(window_id):
            return ""
        return self._window_names.get(int(window_id), "")

    def subject_name(self, subject_id) -> str:
        return str(self._subject_names.get(int(subject_id), ""))


def memo(frames: Frames, key: str, build):
    """``build()`` once per request: several panels (and the view) share a derived frame. Callers treat
    the result as read-only."""
    if key not in frames.memo:
        frames.memo[key] = build()
    return frames.memo[key]


def pick_windows(windows: pd.DataFrame, window_id: int | None, today: dt.date) -> tuple[dict | None, ...]:
    """The chosen window (default: the latest that has started by ``today``), the one before it, and the
    latest one at least :data:`YEAR_AGO_DAYS` earlier."""
    if windows.empty:
        return None, None, None
    records = windows.to_dict("records")
    chosen = next((w for w in records if w["id"] == window_id), None)
    if chosen is None:
        started = [w for w in records if w["start_date"] <= today]
        chosen = started[-1] if started else records[0]
    index = records.index(chosen)
    previous = records[index - 1] if index > 0 else None
    cutoff = chosen["start_date"] - dt.timedelta(days=YEAR_AGO_DAYS)
    earlier = [w for w in records[:index] if w["start_date"] <= cutoff]
    return chosen, previous, (earlier[-1] if earlier else None)


def subject_order(frames: Frames) -> dict:
    return {sid: i for i, sid in enumerate(frames.subjects["id"])}


def trend_windows(frames: Frames) -> list[dict]:
    """Every window up to the chosen one, oldest first."""
    if frames.window is None:
        return []
    return [w for w in frames.window_records if w["start_date"] <= frames.window["start_date"]]


def statuses_now(frames: Frames) -> pd.DataFrame:
    """Statuses at the chosen window of the pupils in view, with their year group and characteristics."""
    return frames.statuses.merge(frames.pupils, on="pupil_id", how="inner")
