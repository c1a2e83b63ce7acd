"""Progress dashboards for senior leaders (and a teacher's and a SIP's version of them).

Two halves:

* :func:`load_frames` is the selector: a fixed handful of set-based queries (windows, subjects, pupils,
  progress statuses at the chosen window, key-stage baselines, and the statuses and judgements of every
  window up to the chosen one) whatever the number of pupils. The many-window rows come as two binary COPYs
  of this school's index range (a few numbers a row) and are counted per window, subject, year group and
  group with ``np.bincount`` against the pupil frame — the pupils in view — so the database never joins
  them to pupils: with an LA's rows in the same tables that join is where its estimates, and the page's
  time, went wrong. The rows a panel lists or pairs up pupil by pupil come back as rows.
* The panel builders (:func:`overview`, :func:`levels_panels`, :func:`gaps`, :func:`gap_trends`,
  :func:`stuck_list`, :func:`trends`, :func:`drill_down`) are pure over those frames and vectorised with
  numpy over whole columns (the rules are those of :mod:`assessment.analytics`; the tests check they
  agree). Each returns a :class:`Table` that the page renders and the export writes, so a figure on screen
  and in a download are the same number.

Scoping is decided by the caller: it hands in the pupils queryset the user may count (the whole school
for leaders, SENCOs, admins and a SIP; pupils currently in a teacher's own groups for a teacher) and
whether names may be shown (never for a SIP).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, Count, Q, Subquery, Value, When

from assessment import analytics
from assessment.analytics import PROGRESS_BUCKETS, STATUSES, Group
from assessment.scales import whole_level_labels, whole_levels_array
from pupils.codes import ethnicity_name, year_group_label
from schoolpl import disclosure
from schoolpl.access import FSM_FIELDS
from schoolpl.disclosure import SHOWN

from .selectors import empty_frame, read_binary_frame

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
#: Whole levels of expected progress from each key-stage baseline (DESIGN §3): KS1 → KS2 two levels,
#: KS2 → GCSE three.
EXPECTED_LEVELS = {"KS1": 2, "KS2": 3}
LEVEL_SCALES = {"nc", "nc_full", "gcse_letter"}
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

    def q(self, prefix: str = "") -> Q:
        value = self.values[0]
        return Q(**{f"{prefix}{self.lookup}": value})

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


def characteristics_for(*, sees_fsm: bool) -> tuple[Characteristic, ...]:
    """The groups a user may see, filter and drill by: FSM and pupil premium only if the access layer's rule
    (``SchoolAccess.sees_fsm``) lets them."""
    if sees_fsm:
        return CHARACTERISTICS
    return tuple(c for c in CHARACTERISTICS if c.lookup not in FSM_FIELDS)


def characteristic(key: str) -> Characteristic | None:
    """The characteristic for a filter key; ``ethnicity:WBRI`` stands for one ethnic group."""
    if key.startswith("ethnicity:") and len(key) > len("ethnicity:"):
        code = key.split(":", 1)[1]
        return Characteristic(key, f"Ethnicity: {ethnicity_name(code)}", "ethnicity", (code,), "ethnicity")
    return _BY_KEY.get(key)


# --- Tables: what a panel shows and what its export writes -----------------------------------------


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


def _missing(value) -> bool:
    """None or NaN (a cheap ``pd.isna`` for the scalars the panels format, thousands of times a page)."""
    if value is None:
        return True
    if isinstance(value, float):  # numpy's float64 too
        return value != value
    if isinstance(value, int | np.integer):
        return False
    return bool(pd.isna(value))


def _pct(value: float) -> str:
    return "" if _missing(value) else f"{value:.0f}%"


def _num(value: float, places: int = 1) -> float | None:
    return None if _missing(value) else round(float(value), places)


def _signed(value: float | None, unit: str = "") -> str:
    if _missing(value):
        return ""
    return f"{value:+.1f}{unit}".replace("-", "−")


# --- Filters and scope ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    window_id: int | None = None
    year_group: int | None = None
    subject_id: int | None = None
    group: str = ""
    teaching_group_id: int | None = None

    def params(self) -> dict:
        """GET parameters that reproduce these filters (for drill-down and export links)."""
        out = {}
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
    memo: dict = field(default_factory=dict, repr=False)  # frames derived once per request (see _memo)
    #: The smallest count the panels show (DESIGN §4): set for a SIP's page and for every export, so counts
    #: under it read "<N" and :mod:`schoolpl.disclosure` hides what would give them away; None for a
    #: leader's, SENCO's or teacher's page, who see the pupils' names anyway.
    threshold: int | None = None
    are_overrides: dict = field(default_factory=dict)  # (year group, term, subject id or None) → points
    this_year_start: int = 0  # the calendar year the current school year starts in

    def __post_init__(self):
        self.window_records = self.windows.to_dict("records")
        self._window_names = {w["id"]: str(w["name"]) for w in self.window_records}
        self._subject_names = dict(zip(self.subjects["id"], self.subjects["name"], strict=True))

    def window_name(self, window_id) -> str:
        if _missing(window_id):
            return ""
        return self._window_names.get(int(window_id), "")

    def subject_name(self, subject_id) -> str:
        return str(self._subject_names.get(int(subject_id), ""))


def _memo(frames: Frames, key: str, build):
    """``build()`` once per request: several panels (and the view) share a derived frame. Callers treat
    the result as read-only."""
    if key not in frames.memo:
        frames.memo[key] = build()
    return frames.memo[key]


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
_PUPIL_FIELDS = [
    "pk",
    "year_group",
    "sen_provision",
    "fsm",
    "pupil_premium",
    "eal",
    "looked_after",
    "gifted",
    "gender",
    "ethnicity",
]
_NAME_FIELDS = ["legal_forename", "legal_surname", "preferred_forename", "preferred_surname"]


#: Rows taken from the cursor at a time: few enough that they are freed before the garbage collector's
#: youngest generation fills up (700 objects), so thousands of rows never make it scan the whole heap.
_FETCH_BATCH = 500


def _columns(table: np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame named ``columns`` from a rows × columns object array: a column of ints or floats becomes a
    typed array at once (several times cheaper than ``from_records`` inferring every value); other columns
    (and any with a NULL) are inferred as ``from_records`` would."""
    if not len(table):
        return pd.DataFrame.from_records([], columns=list(columns))
    data = {}
    for i, name in enumerate(columns):
        values = table[:, i]
        dtype = {int: np.int64, float: np.float64}.get(type(values[0]))
        try:
            data[name] = values.astype(dtype) if dtype is not None else values.tolist()
        except TypeError:  # a NULL among them
            data[name] = values.tolist()
    return pd.DataFrame(data)


def _frame(rows: Iterable[tuple], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame named ``columns`` from ``values_list`` tuples."""
    return _columns(np.array(list(rows), dtype=object).reshape(-1, len(columns)), columns)


def _fetch(qs, columns: Sequence[str]) -> pd.DataFrame:
    """The rows of a ``values_list`` queryset as a frame named ``columns``, read from the cursor in small
    batches: no per-value converters (so only for ints, floats and strings — not dates or SQLite's
    booleans), which costs several times less than iterating the queryset over thousands of rows."""
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # e.g. ``window_id__in=[]``: no query, no rows
        return _columns(np.empty((0, len(columns)), dtype=object), columns)
    batches = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_FETCH_BATCH):
            batches.append(np.array(rows, dtype=object))
    table = np.concatenate(batches) if batches else np.empty((0, len(columns)), dtype=object)
    return _columns(table, columns)


#: A status as a small integer (its place in :data:`STATUSES`; -1 for anything else), for binary reads.
_STATUS_CODE = Case(*(When(status=name, then=Value(i)) for i, name in enumerate(STATUSES)), default=Value(-1))
_STATUS_NAMES = np.array([*STATUSES, "unknown"], dtype=object)  # code -1 → the last


def _members(pupils: pd.DataFrame) -> dict[str, np.ndarray]:
    """For each characteristic, whether each pupil of the frame is in the group (pupils in frame order)."""
    return {c.key: pupils[c.column].isin(c.values).to_numpy() for c in CHARACTERISTICS}


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code of each value, the values coded): integers in a short range are their offset from the lowest
    (ids of one school's windows and subjects, year groups), anything else is factorised."""
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low < 1 << 16:
            return values - low, np.arange(low, high + 1)
    return pd.factorize(values, use_na_sentinel=False)


def _group_sums(keys: dict[str, np.ndarray], values: dict[str, np.ndarray]) -> pd.DataFrame:
    """``values`` summed per distinct combination of ``keys`` (equal-length arrays), one row per combination
    present: the combination is numbered from the keys' codes and every column summed by ``np.bincount``."""
    coded = [_codes(k) for k in keys.values()]
    shape = [max(len(uniques), 1) for _, uniques in coded]
    combined = np.ravel_multi_index([codes for codes, _ in coded], shape)
    dense = np.prod(shape, dtype=float) <= 1 << 20  # few combinations: count into each, keep those present
    if dense:
        group, size = combined, int(np.prod(shape))
        present = np.flatnonzero(np.bincount(group, minlength=size))
    else:
        group, present = pd.factorize(combined)
        size = len(present)
    places = np.unravel_index(present, shape)
    columns = {name: uniques[place] for name, (_, uniques), place in zip(keys, coded, places, strict=True)}
    for name, v in values.items():
        total = np.bincount(group, weights=v, minlength=size)
        total = total[present] if dense else total
        columns[name] = total.astype(np.int64) if v.dtype.kind in "bi" else total
    return pd.DataFrame(columns)


def _status_counts(rows: pd.DataFrame, pupil_at: np.ndarray, pupils: pd.DataFrame) -> pd.DataFrame:
    """Status rows counted per window, subject, year group and status, for everyone (``n``) and each
    characteristic (``n_<key>``); ``pupil_at`` is each row's pupil's place in ``pupils``."""
    columns = ["window_id", "subject_id", "year_group", "status", "n", *(f"n_{c.key}" for c in CHARACTERISTICS)]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    keys = {
        "window_id": rows["window_id"].to_numpy(),
        "subject_id": rows["subject_id"].to_numpy(),
        "year_group": pupils["year_group"].to_numpy()[pupil_at],
        "status": rows["code"].to_numpy(dtype=np.int64),
    }
    values = {"n": np.ones(len(rows), dtype=np.int64)}
    values |= {f"n_{key}": member[pupil_at].astype(np.int64) for key, member in _members(pupils).items()}
    out = _group_sums(keys, values)
    out["status"] = _STATUS_NAMES[out["status"].to_numpy(dtype=np.int64)]
    return out[columns]


def _attainment_sums(rows: pd.DataFrame, pupil_at: np.ndarray, pupils: pd.DataFrame) -> pd.DataFrame:
    """Judgement rows as counts and sums of points per window and subject, for everyone (``n_all``,
    ``sum_all``) and each characteristic (``n_<key>``, ``sum_<key>``)."""
    names = [f"{part}_{key}" for key in ("all", *(c.key for c in CHARACTERISTICS)) for part in ("n", "sum")]
    if rows.empty:
        return pd.DataFrame(columns=["window_id", "subject_id", *names])
    points = rows["points"].to_numpy(dtype=float)
    values = {"n_all": np.ones(len(rows), dtype=np.int64), "sum_all": points}
    for key, member in _members(pupils).items():
        member = member[pupil_at]
        values |= {f"n_{key}": member.astype(np.int64), f"sum_{key}": np.where(member, points, 0.0)}
    keys = {"window_id": rows["window_id"].to_numpy(), "subject_id": rows["subject_id"].to_numpy()}
    return _group_sums(keys, values)[["window_id", "subject_id", *names]]


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


def load_frames(
    school,
    pupils_qs,
    filters: Filters,
    *,
    names: bool,
    today: dt.date | None = None,
    whole_school: bool = False,
    detail: bool = False,
    characteristics: tuple[Characteristic, ...] = CHARACTERISTICS,
) -> Frames:
    """Load every frame the dashboard needs in a constant number of queries (9, whatever the size of the
    school): windows, subjects, pupils, statuses, judgements, baselines and two aggregates over every window
    up to the chosen one — status counts by year group (the overview's current and previous windows and
    the on-track trend) and attainment sums (the gap trend) — and the school's own age-related expectations.

    ``pupils_qs`` is already scoped to what the user may count; the year, characteristic and teaching-group
    filters narrow it here, and every other query takes it as a subquery (never a list of ids) — or, when
    ``whole_school`` says ``pupils_qs`` is every pupil of the school, as the same conditions on the join.
    ``detail`` also loads each status's expected and actual points, which only the drill-down lists (the
    page leaves them out: thousands of floats to convert)."""
    from assessment.models import Judgement, Subject, TransitionalResult
    from schoolpl.models import AssessmentWindow
    from targets.models import ProgressStatus

    today = today or dt.date.today()
    windows = _frame(
        AssessmentWindow.objects.filter(school=school)
        .order_by("start_date", "pk")
        .values_list("id", "name", "start_date", "end_date", "academic_year__start_date", "academic_year__end_date"),
        ["id", "name", "start_date", "end_date", "year_start", "year_end"],
    )
    window, previous, year_ago = pick_windows(windows, filters.window_id, today)
    subjects_qs = Subject.objects.filter(school=school).order_by("order", "name")
    subjects = _frame(subjects_qs.values_list("id", "code", "name", "scale_code"), ["id", "code", "name", "scale_code"])

    pupils_qs = pupils_qs.on_roll()
    if filters.year_group is not None:
        pupils_qs = pupils_qs.filter(year_group=filters.year_group)
    chosen = characteristic(filters.group) if filters.group else None
    if chosen is not None and chosen.column != "ethnicity" and chosen not in characteristics:
        chosen, filters = None, replace(filters, group="")  # a group the user may not see is never applied
    if chosen is not None:
        pupils_qs = pupils_qs.filter(chosen.q())
    if filters.teaching_group_id is not None:
        pupils_qs = pupils_qs.in_group(filters.teaching_group_id)
    fields = _PUPIL_FIELDS + (_NAME_FIELDS if names else [])
    pupils = _frame(pupils_qs.order_by().values_list(*fields), PUPIL_COLUMNS + (_NAME_FIELDS if names else []))
    if names:
        forename = pupils["preferred_forename"].where(pupils["preferred_forename"] != "", pupils["legal_forename"])
        surname = pupils["preferred_surname"].where(pupils["preferred_surname"] != "", pupils["legal_surname"])
        pupils = pupils.drop(columns=_NAME_FIELDS).assign(forename=forename, surname=surname)
        pupils["name"] = pupils["forename"] + " " + pupils["surname"]
    pupils["ethnicity"] = pupils["ethnicity"].replace("", None)
    for hidden in {c.column for c in CHARACTERISTICS} - {c.column for c in characteristics}:
        pupils[hidden] = None  # unknown to every panel, as if never recorded
    in_view = Q(pupil__in=Subquery(pupils_qs.order_by().values("pk")))
    if whole_school and filters.teaching_group_id is None:
        # The same pupils as a join (cheaper than a semi-join for the key-stage baselines). The pupil's school
        # repeats the row's, so that the planner joins this school's pupils, not the LA's.
        pupil_q = Q(pupil__archived_at__isnull=True, pupil__school=school)
        if filters.year_group is not None:
            pupil_q &= Q(pupil__year_group=filters.year_group)
        if chosen is not None:
            pupil_q &= chosen.q("pupil__")
    else:
        pupil_q = in_view

    def scoped(qs):
        qs = qs.filter(pupil_q, school=school)
        return qs.filter(subject_id=filters.subject_id) if filters.subject_id is not None else qs

    baselines = _fetch(
        scoped(TransitionalResult.objects.filter(key_stage__in=list(EXPECTED_LEVELS), points__isnull=False))
        # In the order the levels panels choose by: the last per pupil and subject is the latest key stage,
        # a test result before teacher assessment.
        .order_by("pupil_id", "subject_id", "key_stage", Case(When(method="TT", then=1), default=0))
        .values_list("pupil_id", "subject_id", "key_stage", "method", "points"),
        ["pupil_id", "subject_id", "key_stage", "method", "points"],
    )

    # Every window up to the chosen one, by id (the windows are loaded already: no join for the dates; and no
    # condition at all when that is every window of the school).
    until = window["start_date"] if window else today
    trend_ids = [int(i) for i, start in zip(windows["id"], windows["start_date"], strict=True) if start <= until]
    up_to_window = Q() if trend_ids and len(trend_ids) == len(windows) else Q(window_id__in=trend_ids)

    narrowed = not whole_school or any(f is not None for f in (filters.teaching_group_id, filters.year_group, chosen))

    def trend_rows(qs, columns: dict[str, str]) -> tuple[pd.DataFrame, np.ndarray]:
        """Rows of the windows up to the chosen one (binary COPY on PostgreSQL) of the pupils in view, and each
        row's pupil's place in the pupil frame. The pupils are matched in memory: the database reads an index
        range of this school's rows, with no join for the planner to misjudge when other schools' rows share
        the table."""
        qs = qs.filter(up_to_window, school=school)
        if filters.subject_id is not None:
            qs = qs.filter(subject_id=filters.subject_id)
        if narrowed:  # a year group, a group or a few classes: read their pupils' rows only
            qs = qs.filter(in_view)
        try:
            sql, params = qs.order_by().values_list(*columns).query.sql_with_params()
        except EmptyResultSet:  # no window yet
            rows = empty_frame(columns)
        else:
            rows = read_binary_frame(sql, params, columns)
        at = pd.Index(pupils["pupil_id"].to_numpy(dtype=np.int64)).get_indexer(rows["pupil_id"].to_numpy())
        found = at >= 0
        return rows[found].reset_index(drop=True), at[found]

    status_rows, status_at = trend_rows(
        ProgressStatus.objects.annotate(code=_STATUS_CODE),
        {"pupil_id": "int8", "subject_id": "int8", "window_id": "int8", "code": "int2", "since_window_id": "int8"}
        | ({"expected": "float8", "actual": "float8"} if detail else {}),
    )
    # The statuses at the chosen window (what the lists and the drill-down show) are among them.
    statuses = status_rows[status_rows["window_id"].to_numpy() == (window["id"] if window else -1)]
    statuses = statuses.drop(columns=["window_id", "code"]).assign(
        status=_STATUS_NAMES[statuses["code"].to_numpy(dtype=np.int64)]
    )[["pupil_id", "subject_id", "status", "since_window_id", *(["expected", "actual"] if detail else [])]]
    statuses = statuses.reset_index(drop=True)
    judgement_rows, judgement_at = trend_rows(
        Judgement.objects.all(), {"pupil_id": "int8", "subject_id": "int8", "window_id": "int8", "points": "float8"}
    )
    at_windows = [w["id"] for w in (window, year_ago) if w is not None]
    judgements = judgement_rows[judgement_rows["window_id"].isin(at_windows).to_numpy()].reset_index(drop=True)
    status_counts = _status_counts(status_rows, status_at, pupils)
    attainment_trend = _attainment_sums(judgement_rows, judgement_at, pupils)
    from .selectors import are_overrides

    return Frames(
        are_overrides=are_overrides(school.pk),  # the school's own age-related expectations (1 query)
        this_year_start=today.year if today.month >= 9 else today.year - 1,
        windows=windows,
        window=window,
        previous=previous,
        year_ago=year_ago,
        subjects=subjects,
        pupils=pupils,
        statuses=statuses,
        judgements=judgements,
        baselines=baselines,
        status_counts=status_counts,
        attainment_trend=attainment_trend,
        names=names,
        filters=filters,
        characteristics=characteristics,
    )


# --- Panels ---------------------------------------------------------------------------------------

_YEAR_LABELS = {}


def _year_label(year) -> str:
    if _missing(year):
        return "All years"
    year = int(year)
    if year not in _YEAR_LABELS:
        _YEAR_LABELS[year] = year_group_label(year)
    return _YEAR_LABELS[year]


def _statuses_now(frames: Frames) -> pd.DataFrame:
    """Statuses at the chosen window of the pupils in view, with their year group and characteristics."""
    return frames.statuses.merge(frames.pupils, on="pupil_id", how="inner")


def _subject_order(frames: Frames) -> dict:
    return {sid: i for i, sid in enumerate(frames.subjects["id"])}


def _status_counts_at(frames: Frames, window: dict | None) -> dict[tuple, list[int]]:
    """Pupils in each status (in :data:`STATUSES` order) at ``window``, by (year group, subject id) and by
    (None, subject id) for all years: the per-window counts, summed over their year groups."""
    out: dict[tuple, list[int]] = {}
    counts = frames.status_counts
    if window is None or counts.empty:
        return out
    at = counts[counts["window_id"] == window["id"]]
    position = {s: i for i, s in enumerate(STATUSES)}
    columns = (at[c].tolist() for c in ("year_group", "subject_id", "status", "n"))
    for year, subject_id, status, n in zip(*columns, strict=True):
        if status not in position:
            raise ValueError(f"Unknown status {status!r}; expected {list(STATUSES)}.")
        for key in ((year, subject_id), (None, subject_id)):
            out.setdefault(key, [0] * len(STATUSES))[position[status]] += n
    return out


def _overview_kinds(counts: dict[tuple, list[int]], threshold: int) -> dict[tuple, list[int]]:
    """What each figure of :func:`overview` may show (``disclosure`` kinds of [pupils, *statuses]) per
    (year group, subject): a subject's table has its year groups' rows and the all-years row as their
    total, and the pupils column as each row's total."""
    kinds: dict[tuple, list[int]] = {}
    for subject_id in {subject for _year, subject in counts}:
        keys = sorted((k for k in counts if k[1] == subject_id), key=lambda k: (k[0] is None, k[0] or 0))
        table = pd.DataFrame(
            [[sum(counts[k]), *counts[k]] for k in keys], columns=["n", *STATUSES], index=range(len(keys))
        )
        totals = [i for i, k in enumerate(keys) if k[0] is None]
        shown = disclosure.suppress_frame(table, threshold, total_columns=["n"], total_rows=totals)
        kinds |= dict(zip(keys, shown.to_numpy().tolist(), strict=True))
    return kinds


def overview(frames: Frames) -> Table:
    """Per year group and subject (and all years per subject): how many pupils are ahead, on track,
    behind, well behind and stuck at the chosen window, with each share's change since the previous
    window in percentage points. Shares of fewer than 5 pupils are suppressed; counts stay — unless
    ``frames.threshold`` is set (a SIP, an export): then counts under it read "<5", what would reveal them
    "x", and no share or change is worked from a hidden count."""
    now = _status_counts_at(frames, frames.window)
    then = _status_counts_at(frames, frames.previous)
    t = frames.threshold
    kinds_now = _overview_kinds(now, t) if t is not None else {}
    kinds_then = _overview_kinds(then, t) if t is not None else {}
    order = _subject_order(frames)
    keys = sorted(now, key=lambda k: (99 if k[0] is None else k[0], order.get(k[1], len(order))))
    prev_name = frames.previous["name"] if frames.previous else ""
    headers = ["Year group", "Subject", "Pupils"] + [STATUS_LABELS[s] for s in STATUSES]
    export_headers = ["Year group", "Subject", "Pupils"]
    for s in STATUSES:
        export_headers += [
            f"{STATUS_LABELS[s]} (pupils)",
            f"{STATUS_LABELS[s]} (%)",
            f"{STATUS_LABELS[s]} change (% points)",
        ]
    rows, export_rows, chart_rows = [], [], []
    for year, subject_id in keys:
        counts = now[(year, subject_id)]
        n = sum(counts)
        small = n < MIN_SIZE
        if t is not None:
            kinds, kinds_before = kinds_now[(year, subject_id)], kinds_then.get((year, subject_id))
            small = kinds[0] != SHOWN
        before = then.get((year, subject_id))
        prev_n = sum(before) if before else 0
        prev_small = prev_n < MIN_SIZE
        drill_base = {"subject": int(subject_id)}
        if year is not None:
            drill_base["year"] = year
        year_label, subject_name = _year_label(year), frames.subject_name(subject_id)
        if t is None:
            row = [Cell(year_label, header=True), Cell(subject_name), Cell(n, note=SUPPRESSED if small else "")]
            export = [year_label, subject_name, n]
        else:  # a hidden count's text is its value too, so nothing downstream shows the number
            shown = disclosure.text(n, kinds[0], t)
            row = [Cell(year_label, header=True), Cell(subject_name), Cell(n if shown == str(n) else shown)]
            export = [year_label, subject_name, row[2].value]
        shares = []
        for i, s in enumerate(STATUSES):
            count = counts[i]
            share = count / n * 100
            pct = None if small else _num(share)
            change = None if small or prev_small else _num(share - before[i] / prev_n * 100)
            if t is not None:
                if kinds[i + 1] != SHOWN:
                    pct = None
                if pct is None or kinds_before is None or kinds_before[0] != SHOWN or kinds_before[i + 1] != SHOWN:
                    change = None  # last time's share would give last time's hidden count away
                shown = disclosure.text(count, kinds[i + 1], t)
                value = count if shown == str(count) else shown
                text = shown if pct is None else f"{shown} ({_pct(pct)})"
                drill = None
            else:
                value, text = count, (f"{count}" if small else f"{count} ({_pct(pct)})")
                drill = {**drill_base, "status": s} if count else None
            note = f"{_signed(change)} pts since {prev_name}" if change is not None else ""
            row.append(Cell(value, text=text, drill=drill, note=note))
            export += [value, pct, change]
            shares.append(pct)
        rows.append(row)
        export_rows.append(export)
        if not small:
            chart_rows.append((row, shares))
    chart = {
        "type": "bar",
        "data": {
            "labels": [f"{r[0].text} {r[1].text}" for r, _shares in chart_rows],
            "datasets": [
                {
                    "label": STATUS_LABELS[s],
                    "backgroundColor": STATUS_COLOURS[s],
                    # the share of a hidden count is never plotted (None leaves a gap)
                    "data": [shares[i] for _row, shares in chart_rows],
                }
                for i, s in enumerate(STATUSES)
            ],
        },
        "options": {
            "indexAxis": "y",
            "scales": {
                "x": {"stacked": True, "max": 100, "title": {"display": True, "text": "% of pupils"}},
                "y": {"stacked": True},
            },
        },
    }
    window_name = frames.window["name"] if frames.window else "no window"
    return Table(
        key="overview",
        title=f"Progress at {window_name}",
        headers=headers,
        rows=rows,
        export_headers=export_headers,
        export_rows=export_rows,
        chart=chart if chart_rows else None,
        description=(f"Change is in percentage points since {prev_name}." if prev_name else ""),
    )


def are_by_year(frames: Frames) -> Table:
    """Per year group (as now) and subject: the share of pupils judged at the chosen window whose points are
    at or above the age-related expectation for the year and term they were in then (``targets.expectations``,
    the school's own where set). A share of fewer than 5 pupils is not shown; with ``frames.threshold`` (a
    SIP, an export) a share is shown only where neither the pupils at or above, those below, nor the whole
    is under it (``disclosure.share_hidden``), else "<5" or "x" — the table has no totals to subtract from."""
    from . import expectations

    window, t = frames.window, frames.threshold
    subjects = list(zip(frames.subjects["id"].tolist(), frames.subjects["name"].tolist(), strict=True))
    headers = ["Year group", *(name for _sid, name in subjects)]
    rows, export_rows = [], []
    counts: dict[tuple[int, int], list[int]] = {}
    if window is not None and not frames.judgements.empty:
        found = frames.judgements[frames.judgements["window_id"] == window["id"]]
        found = found.merge(frames.pupils[["pupil_id", "year_group"]], on="pupil_id", how="inner")
        are_of: dict[tuple[int, int], float] = {}
        for year, subject_id, points in zip(
            found["year_group"].tolist(), found["subject_id"].tolist(), found["points"].tolist(), strict=True
        ):
            if _missing(points) or _missing(year):
                continue
            key = (int(year), int(subject_id))
            if key not in are_of:
                are_of[key] = expectations.expectation_at_window(
                    year_group_now=key[0],
                    this_year_start=frames.this_year_start,
                    window_end=window["end_date"],
                    year_start=window["year_start"],
                    year_end=window["year_end"],
                    subject_id=key[1],
                    overrides=frames.are_overrides,
                )[2]
            tally = counts.setdefault(key, [0, 0])
            tally[0] += 1
            tally[1] += expectations.at_or_above(expectations.are_band(points, are_of[key]))
    for year in sorted({y for y, _s in counts}):
        row, export = [Cell(_year_label(year), header=True)], [_year_label(year)]
        for subject_id, _name in subjects:
            n, at = counts.get((year, subject_id), (0, 0))
            if n == 0:
                row.append(Cell(None, text=""))
                export.append(None)
                continue
            if t is not None:
                if disclosure.share_hidden(at, n, t):
                    hidden = disclosure.small(t) if n < t else disclosure.SECONDARY_TEXT
                    row.append(Cell(hidden, text=hidden))
                    export.append(hidden)
                    continue
                row.append(Cell(_num(at / n * 100), text=f"{_pct(at / n * 100)} of {n}"))
            elif n < MIN_SIZE:
                row.append(Cell(None, text=f"{n} pupil{'' if n == 1 else 's'}", note=SUPPRESSED))
            else:
                row.append(Cell(_num(at / n * 100), text=f"{_pct(at / n * 100)} ({at} of {n})"))
            export.append(row[-1].value)
        rows.append(row)
        export_rows.append(export)
    window_name = window["name"] if window else "no window"
    return Table(
        key="are",
        title=f"At or above age-related expectations at {window_name}",
        headers=headers,
        rows=rows,
        export_headers=["Year group", *(f"{name} (% at or above ARE)" for _sid, name in subjects)],
        export_rows=export_rows,
        description="Year groups as now; each pupil is compared with the expectation for the year and term "
        "they were in at the window (end of Year 2 = 2b, end of Year 6 = 4b by default; the school's own "
        "where set on the target settings page).",
    )


def _baseline_frame(frames: Frames) -> pd.DataFrame:
    """Each pupil's most recent key-stage baseline per subject (a test result before teacher assessment),
    with points at the chosen window as the end and the pupil's year group."""
    base = frames.baselines
    keys = ["pupil_id", "subject_id"]
    if base.empty or frames.window is None:
        return pd.DataFrame(columns=[*keys, "key_stage", "start_points", "end_points", "year_group"])
    base = base.drop_duplicates(keys, keep="last")  # loaded in (key stage, test result last) order
    judgements = frames.judgements
    end = judgements.loc[judgements["window_id"] == frames.window["id"], [*keys, "points"]]
    return (
        base[[*keys, "key_stage", "points"]]
        .rename(columns={"points": "start_points"})
        .merge(end.rename(columns={"points": "end_points"}), on=keys, how="inner")
        .merge(frames.pupils[["pupil_id", "year_group"]], on="pupil_id", how="inner")
    )


def _levels_frame(frames: Frames) -> pd.DataFrame:
    """:func:`_baseline_frame` for the subjects assessed in levels, with whole levels at the start (NC) and
    at the end (GCSE letters for a GCSE subject, else NC) — NaN where points are missing — and ``lop``,
    the whole levels of progress (as :func:`assessment.analytics.levels_of_progress`)."""

    def build():
        frame = _baseline_frame(frames)
        scales = frame["subject_id"].map(dict(zip(frames.subjects["id"], frames.subjects["scale_code"], strict=True)))
        keep = (scales.isin(LEVEL_SCALES) & frame["key_stage"].isin(list(EXPECTED_LEVELS))).to_numpy()
        frame = frame[keep]
        end_scale = np.where(scales[keep] == "gcse_letter", "gcse_letter", "nc")
        end_points = frame["end_points"].to_numpy(dtype=float)
        start = whole_levels_array(frame["start_points"].to_numpy(dtype=float), "nc")
        end = np.where(
            end_scale == "gcse_letter",
            whole_levels_array(end_points, "gcse_letter"),
            whole_levels_array(end_points, "nc"),
        )
        return frame.assign(end_scale=end_scale, start_whole=start, end_whole=end, lop=end - start)

    return _memo(frames, "levels", build)


def _levels_in_range(levels: np.ndarray, scale_code: str) -> dict[int, str]:
    """The scale's whole levels (and labels) from the lowest to the highest in ``levels``."""
    if not len(levels):
        return {}
    low, high = levels.min(), levels.max()
    return {level: label for level, label in whole_level_labels(scale_code).items() if low <= level <= high}


def _crosstab(rows: np.ndarray, columns: np.ndarray, row_levels: Sequence[int], column_levels: Sequence[int]):
    """Counts of (row, column) pairs over the given levels, as a matrix (pairs off those levels are left
    out, as ``pd.crosstab(…).reindex(…)`` would)."""
    row_levels, column_levels = np.asarray(row_levels, dtype=int), np.asarray(column_levels, dtype=int)
    matrix = np.zeros((len(row_levels), len(column_levels)), dtype=int)
    if not len(row_levels) or not len(column_levels):
        return matrix
    r = np.searchsorted(row_levels, rows).clip(0, len(row_levels) - 1)
    c = np.searchsorted(column_levels, columns).clip(0, len(column_levels) - 1)
    on = (row_levels[r] == rows) & (column_levels[c] == columns)
    np.add.at(matrix, (r[on], c[on]), 1)
    return matrix


def _pupils_phrase(count: str) -> str:
    """ "1 pupil", "6 pupils", "<5 pupils" ("x pupils" for a count hidden to protect another)."""
    return f"{count} pupil" if count == "1" else f"{count} pupils"


def _levels_shown(pupils: int, buckets: np.ndarray, matrix: np.ndarray, starts: list, ends: list, threshold) -> dict:
    """What each count of a levels panel may show (``disclosure`` kinds; all shown without a threshold):
    ``pupils``, the ``buckets`` of levels of progress and the transition ``matrix`` rows (cells, then the
    row's total). They are one table for the arithmetic: the buckets add up to the pupils, a matrix row to
    its total and the totals to the pupils, and each bucket is the sum of a diagonal band of the matrix."""
    n_rows, n_columns = matrix.shape
    if threshold is None:
        return {"pupils": SHOWN, "buckets": [SHOWN] * len(buckets), "matrix": [[SHOWN] * (n_columns + 1)] * n_rows}
    cell = 1 + len(buckets)  # positions: pupils, buckets, matrix cells row by row, row totals
    total = cell + n_rows * n_columns
    values = [pupils, *buckets.tolist(), *matrix.ravel().tolist(), *matrix.sum(axis=1).tolist()]
    lines = [disclosure.Line(tuple(range(1, cell)), 0)]
    for r in range(n_rows):
        lines.append(disclosure.Line(tuple(range(cell + r * n_columns, cell + (r + 1) * n_columns)), total + r))
    if int(matrix.sum()) == pupils:
        lines.append(disclosure.Line(tuple(range(total, total + n_rows)), 0))
        band = (np.subtract.outer(ends, starts).T.clip(-1, 4) + 1).ravel() if n_rows and n_columns else np.array([])
        diagonal = [tuple(cell + i for i in np.flatnonzero(band == b)) for b in range(len(buckets))]
        if all(sum(values[i] for i in d) == buckets[b] for b, d in enumerate(diagonal)):
            lines += [disclosure.Line(d, 1 + b) for b, d in enumerate(diagonal) if d]
    kinds = disclosure.suppress(values, threshold, lines).tolist()
    matrix_kinds = [
        [*kinds[cell + r * n_columns : cell + (r + 1) * n_columns], kinds[total + r]] for r in range(n_rows)
    ]
    return {"pupils": kinds[0], "buckets": kinds[1:cell], "matrix": matrix_kinds}


def levels_panels(frames: Frames) -> list[dict]:
    """For each key stage and subject: the levels-of-progress table (RAISEonline style) and the transition
    matrix (whole level at the baseline × whole level now), both as Tables. The arithmetic is that of
    :func:`assessment.analytics.levels_of_progress_table` and :func:`~assessment.analytics.transition_matrix`,
    over the levels computed once for every subject."""
    frame = _levels_frame(frames)
    panels = []
    if frame.empty:
        return panels
    subject_ids, key_stages = frame["subject_id"].to_numpy(), frame["key_stage"].to_numpy()
    start_all, end_all, lop_all = (frame[c].to_numpy() for c in ("start_whole", "end_whole", "lop"))
    for subject in frames.subjects.to_dict("records"):
        if subject["scale_code"] not in LEVEL_SCALES:
            continue
        end_scale = "gcse_letter" if subject["scale_code"] == "gcse_letter" else "nc"
        for ks in EXPECTED_LEVELS:
            mask = (subject_ids == subject["id"]) & (key_stages == ks)
            if not mask.any():
                continue
            expected = EXPECTED_LEVELS[ks]
            lop = lop_all[mask]
            known = ~np.isnan(lop)
            lop = lop[known]
            pupils = int(known.sum())
            counts = np.bincount(lop.clip(-1, 4).astype(int) + 1, minlength=len(PROGRESS_BUCKETS))
            small = pupils < MIN_SIZE
            drill = {"subject": int(subject["id"]), "panel": "levels", "ks": ks}
            title = f"{ks} to now: {subject['name']}"
            start = start_all[mask][known].astype(int)
            end = end_all[mask][known].astype(int)
            starts, ends = _levels_in_range(start, "nc"), _levels_in_range(end, end_scale)
            matrix = _crosstab(start, end, list(starts), list(ends))
            t = frames.threshold
            shown = _levels_shown(pupils, counts, matrix, list(starts), list(ends), t)
            if t is not None:
                small = shown["pupils"] != SHOWN
            lop_rows, lop_export = [], []
            for b, (bucket, count) in enumerate(zip(PROGRESS_BUCKETS, counts.tolist(), strict=True)):
                hidden = t is not None and shown["buckets"][b] != SHOWN
                pct = None if small or hidden else _num(count / pupils * 100)
                value = disclosure.text(count, shown["buckets"][b], t) if hidden else count
                label = f"{bucket} level{'s' if bucket != '1' else ''}"
                lop_rows.append(
                    [
                        Cell(label, header=True),
                        Cell(value, drill={**drill, "bucket": bucket} if count and t is None else None),
                        Cell(
                            pct, text=_pct(pct) if pct is not None else "—", note="" if pct is not None else SUPPRESSED
                        ),
                    ]
                )
                lop_export.append([ks, subject["name"], bucket, value, pct])
            # A share of several buckets gives away a hidden one among them.
            expected_hidden = t is not None and any(shown["buckets"][b] != SHOWN for b in range(expected + 1, 6))
            more_hidden = t is not None and any(shown["buckets"][b] != SHOWN for b in range(expected + 2, 6))
            levels_table = Table(
                key=f"levels-{ks}-{subject['id']}",
                title=f"Levels of progress, {title}",
                headers=["Levels of progress", "Pupils", "% of pupils"],
                rows=lop_rows,
                export_headers=["Key stage", "Subject", "Levels of progress", "Pupils", "% of pupils"],
                export_rows=lop_export,
                chart={
                    "type": "bar",
                    "data": {
                        "labels": list(PROGRESS_BUCKETS),
                        "datasets": [
                            {
                                "label": "Pupils",
                                "backgroundColor": "#2c5d8f",
                                # a hidden count is never plotted
                                "data": [c if isinstance(c, int) else None for c in (r[1].value for r in lop_rows)],
                            }
                        ],
                    },
                    "options": {"plugins": {"legend": {"display": False}}},
                },
                extra={
                    "pupils": pupils,
                    "pupils_text": _pupils_phrase(disclosure.text(pupils, shown["pupils"], t) if t else str(pupils)),
                    "missing": int(mask.sum()) - pupils,
                    "expected_levels": expected,
                    "pct_expected": None if small or expected_hidden else _num((lop >= expected).sum() / pupils * 100),
                    "pct_more": None if small or more_hidden else _num((lop > expected).sum() / pupils * 100),
                    "small": small,
                },
            )
            missing = levels_table.extra["missing"]
            if t is not None and missing < t:  # those without both: a count like any other
                levels_table.extra["missing"] = disclosure.small(t) if missing else 0
            m_rows, m_export = [], []
            for r, (start_label, counts_now) in enumerate(zip(starts.values(), matrix.tolist(), strict=True)):
                values = [
                    disclosure.text(c, kind, t) if kind != SHOWN else c
                    for c, kind in zip([*counts_now, sum(counts_now)], shown["matrix"][r], strict=True)
                ]
                row = [Cell(start_label, header=True)]
                for end_label, count, value in zip(ends.values(), counts_now, values, strict=False):
                    link = count and t is None
                    row.append(Cell(value, drill={**drill, "start": start_label, "end": end_label} if link else None))
                row.append(Cell(values[-1]))
                m_rows.append(row)
                m_export.append([ks, subject["name"], start_label, *values])
            now_headers = [f"Now {c}" for c in ends.values()]
            matrix_table = Table(
                key=f"matrix-{ks}-{subject['id']}",
                title=f"Transition matrix, {title}",
                headers=[f"{ks} level", *now_headers, "Total"],
                rows=m_rows,
                export_headers=["Key stage", "Subject", f"{ks} level", *now_headers, "Total"],
                export_rows=m_export,
            )
            panels.append({"ks": ks, "subject": subject, "levels": levels_table, "matrix": matrix_table})
    return panels


def _gap_frame(frames: Frames) -> pd.DataFrame:
    """Per pupil and subject: attainment now, points gained over the year, and on track (100) or not (0),
    with the pupil's year group and characteristics (not names). Pupils with a status but no judgement at
    the window still count for the on-track share. Rows are in (pupil, subject) order."""
    judgements = frames.judgements
    keys = ["pupil_id", "subject_id"]
    if frames.window is None:
        current = judgements.iloc[0:0][[*keys, "points"]]
    else:
        current = judgements.loc[judgements["window_id"] == frames.window["id"], [*keys, "points"]]
    if frames.year_ago is not None:
        before = judgements.loc[judgements["window_id"] == frames.year_ago["id"], [*keys, "points"]]
        current = current.merge(before.rename(columns={"points": "points_before"}), on=keys, how="left")
        current["progress"] = current["points"] - current["points_before"]
    else:
        current = current.assign(progress=np.nan)
    merged = current.merge(frames.statuses[[*keys, "status"]], on=keys, how="outer")
    merged = merged.merge(frames.pupils[PUPIL_COLUMNS], on="pupil_id", how="inner")
    merged["on_track"] = np.where(
        merged["status"].isna(), np.nan, merged["status"].isin(ON_TRACK_OR_AHEAD).astype(float) * 100
    )
    return merged


GAP_GROUPS = tuple(c.group for c in CHARACTERISTICS) + (Group("Ethnicity", "ethnicity"),)


def group_means(
    frame: pd.DataFrame, value_cols: Sequence[str], groups: Iterable[Group], by: str, min_size: int = MIN_SIZE
) -> pd.DataFrame:
    """:func:`assessment.analytics.group_gaps` for several value columns, every group and every value of
    ``by`` in one vectorised pass over a rows × groups membership matrix (instead of a groupby per group,
    column and subject: the dashboard has 14 groups × 3 measures × each subject).

    One row per concrete group and ``by`` value (group by group): label, ``by``, n_group / n_rest (rows
    whose characteristic is known, whatever their values), and for each value column ``n_group_<col>``,
    ``n_rest_<col>``, ``mean_group_<col>``, ``mean_rest_<col>``, ``gap_<col>`` — the same figures and the
    same suppression (either side under ``min_size``) as ``group_gaps``; the tests check they agree. Each
    sum adds the rows in frame order, as a groupby would."""
    concrete = analytics.expand_groups(frame, groups)
    if frame.empty or not concrete:
        return pd.DataFrame(columns=["label", by, "n_group", "n_rest"])
    keys, index = np.unique(frame[by].to_numpy(), return_inverse=True)
    size, count = len(keys), len(concrete)
    factorized = {}
    known = np.empty((len(frame), count), dtype=bool)
    member = np.empty((len(frame), count), dtype=bool)
    for j, group in enumerate(concrete):
        if group.column not in factorized:
            factorized[group.column] = pd.factorize(frame[group.column])  # code -1: characteristic unknown
        codes, uniques = factorized[group.column]
        known[:, j] = codes >= 0
        member[:, j] = False
        for i, value in enumerate(uniques):
            if value in group.values:
                member[:, j] |= codes == i
    rest = known & ~member
    one_hot = (index[:, None] == np.arange(size)).astype(float)  # rows × ``by`` values
    bins = (index[:, None] * count + np.arange(count)).ravel()

    def counts(mask: np.ndarray) -> np.ndarray:
        """Rows of a rows × groups ``mask`` per group and ``by`` value, group by group (a matrix product of
        zeros and ones: exact)."""
        return (one_hot.T @ mask).T.ravel().astype(int)

    def sums(weights: np.ndarray) -> np.ndarray:
        """Sums of rows × groups ``weights`` per group and ``by`` value, group by group, adding the rows in
        frame order (a bincount, not a matrix product, so the same float sums as a groupby)."""
        total = np.bincount(bins, weights=weights.ravel(), minlength=size * count)
        return total.reshape(size, count).T.ravel()

    member_f, rest_f = member.astype(float), rest.astype(float)
    out = {
        "label": np.repeat([g.label for g in concrete], size),
        by: np.tile(keys, count),
        "n_group": counts(member_f),
        "n_rest": counts(rest_f),
    }
    for col in value_cols:
        v = frame[col].to_numpy(dtype=float)
        has = ~np.isnan(v)
        filled = np.where(has, v, 0.0)[:, None]
        n_g, n_r = counts(member_f * has[:, None]), counts(rest_f * has[:, None])
        suppressed = (n_g < min_size) | (n_r < min_size)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_g = np.where(suppressed, np.nan, sums(np.where(member, filled, 0.0)) / n_g)
            mean_r = np.where(suppressed, np.nan, sums(np.where(rest, filled, 0.0)) / n_r)
        out |= {
            f"n_group_{col}": n_g,
            f"n_rest_{col}": n_r,
            f"mean_group_{col}": mean_g,
            f"mean_rest_{col}": mean_r,
            f"gap_{col}": mean_g - mean_r,
        }
    return pd.DataFrame(out)


def _gaps_shown(records: list[dict], threshold: int | None) -> list[tuple[int, int]]:
    """What each group's size and the rest's may show (``disclosure`` kinds) in :func:`gaps`. Each pair adds
    up to the pupils in view (known from any other row, so never hidden), and groups that split the pupils
    — girls and boys, the ethnic groups — add up to them too."""
    if threshold is None:
        return [(SHOWN, SHOWN)] * len(records)
    values, lines, fixed = [], [], []
    partitions: dict[tuple, list[int]] = {}
    for i, r in enumerate(records):
        group, rest = int(r["n_group"]), int(r["n_rest"])
        values += [group, rest, group + rest]
        lines.append(disclosure.Line((3 * i, 3 * i + 1), 3 * i + 2))
        fixed.append(3 * i + 2)
        split = {"Girls": "gender", "Boys": "gender"}.get(r["label"])
        if r["label"].startswith("Ethnicity: "):
            split = "ethnicity"
        if split:
            partitions.setdefault((r["subject_id"], split, group + rest), []).append(3 * i)
    for (_subject, _split, total), parts in partitions.items():
        if len(parts) > 1 and sum(values[i] for i in parts) == total:
            values.append(total)
            fixed.append(len(values) - 1)
            lines.append(disclosure.Line(tuple(parts), len(values) - 1))
    kinds = disclosure.suppress(values, threshold, lines, fixed=fixed).tolist()
    return [(kinds[3 * i], kinds[3 * i + 1]) for i in range(len(records))]


def _gap_figures_shown(figures: list, record: dict, kind_group: int, kind_rest: int, threshold: int) -> list:
    """:func:`gaps`' nine figures with none worked from a hidden size, and no on-track share that gives away
    a small number on track (or not) in the group or the rest."""
    if kind_group != SHOWN or kind_rest != SHOWN:
        return [None] * len(figures)
    figures = list(figures)
    for side, at in (("group", 6), ("rest", 7)):
        n, share = int(record[f"n_{side}_on_track"]), figures[at]
        if share is not None and disclosure.share_hidden(round(share * n / 100), n, threshold):
            figures[at] = figures[8] = None
    return figures


def gaps(frames: Frames) -> Table:
    """Attainment (mean points now), progress (mean points gained over the year) and the on-track share for
    each group against the rest of the pupils in view, per subject, with the gap (group − rest). Means of
    fewer than 5 pupils (in the group or in the rest) are suppressed; sizes stay."""
    frame = _gap_frame(frames)
    year_ago = frames.year_ago["name"] if frames.year_ago else ""
    headers = [
        "Group",
        "Subject",
        "Pupils (group / rest)",
        "Attainment: group",
        "Attainment: rest",
        "Attainment gap",
        f"Progress since {year_ago or 'a year ago'}: gap",
        "On track or ahead: group",
        "On track or ahead: rest",
        "On-track gap (% points)",
    ]
    export_headers = [
        "Group",
        "Subject",
        "Pupils in group",
        "Pupils in rest",
        "Attainment group (points)",
        "Attainment rest (points)",
        "Attainment gap (points)",
        "Progress group (points)",
        "Progress rest (points)",
        "Progress gap (points)",
        "On track or ahead group (%)",
        "On track or ahead rest (%)",
        "On-track gap (% points)",
    ]
    rows, export_rows = [], []
    labels = {c.label: c.key for c in frames.characteristics}
    groups = tuple(c.group for c in frames.characteristics) + GAP_GROUPS[-1:]  # and ethnicity
    t = frames.threshold
    min_size = MIN_SIZE if t is None else max(MIN_SIZE, t)
    stats = group_means(frame, ["points", "progress", "on_track"], groups, by="subject_id", min_size=min_size)
    order = _subject_order(frames)
    stats = stats.assign(o=stats["subject_id"].map(order), g=stats.index).sort_values(["o", "g"])
    records = [r for r in stats.to_dict("records") if int(r["n_group"])]
    for r, (kind_group, kind_rest) in zip(records, _gaps_shown(records, t), strict=True):
        label = r["label"]
        n_group, n_rest = int(r["n_group"]), int(r["n_rest"])
        if n_group == 0:
            continue
        ethnic = label.startswith("Ethnicity: ")
        key = labels.get(label) or ("ethnicity:" + label.split(": ", 1)[1] if ethnic else "")
        shown = "Ethnicity: " + ethnicity_name(label.split(": ", 1)[1]) if ethnic else label  # the name, not ABAN
        drill = {"group": key, "subject": int(r["subject_id"]), "panel": "attainment"} if key else None
        note = SUPPRESSED if min(n_group, n_rest) < MIN_SIZE else ""
        figures = [
            _num(r[f"{part}_{col}"])
            for col in ("points", "progress", "on_track")
            for part in ("mean_group", "mean_rest", "gap")
        ]
        subject_name = frames.subject_name(r["subject_id"])
        sizes = f"{n_group} / {n_rest}"
        if t is not None:
            figures = _gap_figures_shown(figures, r, kind_group, kind_rest, t)
            hidden = kind_group != SHOWN or kind_rest != SHOWN
            if kind_group != SHOWN:
                n_group = disclosure.text(n_group, kind_group, t)
            if kind_rest != SHOWN:
                n_rest = disclosure.text(n_rest, kind_rest, t)
            sizes, drill, note = f"{n_group} / {n_rest}", None, SUPPRESSED if hidden else ""
        rows.append(
            [
                Cell(shown, header=True),
                Cell(subject_name),
                Cell(n_group, text=sizes, drill=drill, note=note),
                Cell(figures[0], text=_dash(figures[0])),
                Cell(figures[1], text=_dash(figures[1])),
                Cell(figures[2], text=_signed(figures[2]) or "—"),
                Cell(figures[5], text=_signed(figures[5]) or "—"),
                Cell(figures[6], text=_pct(figures[6]) or "—"),
                Cell(figures[7], text=_pct(figures[7]) or "—"),
                Cell(figures[8], text=_signed(figures[8]) or "—"),
            ]
        )
        export_rows.append([shown, subject_name, n_group, n_rest, *figures])
    shown_gaps = [r for r in rows if r[5].value is not None]
    chart = {
        "type": "bar",
        "data": {
            "labels": [f"{r[0].text} ({r[1].text})" for r in shown_gaps],
            "datasets": [
                {
                    "label": "Attainment gap (points)",
                    "backgroundColor": "#2c5d8f",
                    "data": [r[5].value for r in shown_gaps],
                }
            ],
        },
        "options": {"indexAxis": "y", "plugins": {"legend": {"display": False}}},
    }
    return Table(
        key="gaps",
        title="Group gaps",
        headers=headers,
        rows=rows,
        export_headers=export_headers,
        export_rows=export_rows,
        chart=chart if shown_gaps else None,
        description="Each group against the rest of the pupils in view; a negative gap means the group is behind.",
    )


def _dash(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def _trend_windows(frames: Frames) -> list[dict]:
    if frames.window is None:
        return []
    return [w for w in frames.window_records if w["start_date"] <= frames.window["start_date"]]


def _by_subject_and_window(
    aggregates: pd.DataFrame, columns: Sequence[str], frames: Frames, windows: list[dict]
) -> tuple[np.ndarray, np.ndarray]:
    """The sums of ``columns`` of a per-window aggregate as an array [subject, window, column] over the
    subjects in display order and ``windows`` (0 where there is no row, as for a NULL sum), and whether each
    subject has any row at all."""
    subject_ids = frames.subjects["id"].tolist()
    sums = np.zeros((len(subject_ids), len(windows), len(columns)))
    present = np.zeros(len(subject_ids), dtype=bool)
    if aggregates.empty:
        return sums, present
    subject = aggregates["subject_id"].map({sid: i for i, sid in enumerate(subject_ids)})
    window = aggregates["window_id"].map({w["id"]: i for i, w in enumerate(windows)})
    keep = (subject.notna() & window.notna()).to_numpy()
    subject, window = subject.to_numpy()[keep].astype(int), window.to_numpy()[keep].astype(int)
    np.add.at(sums, (subject, window), np.nan_to_num(aggregates[list(columns)].to_numpy(dtype=float)[keep]))
    present[subject] = True
    return sums, present


def gap_trend_stats(aggregates, key: str, min_size: int = MIN_SIZE) -> dict[str, np.ndarray]:
    """From per-window sums (``n_all``, ``sum_all``, ``n_<key>``, ``sum_<key>``: frame columns or arrays),
    the group's mean, the rest's mean and the gap, suppressed when either side has fewer than ``min_size``
    pupils — the same rule as :func:`assessment.analytics.gap_trend`, on per-window aggregates."""
    n_group = np.nan_to_num(np.asarray(aggregates[f"n_{key}"], dtype=float)).astype(int)
    n_rest = np.nan_to_num(np.asarray(aggregates["n_all"], dtype=float)).astype(int) - n_group
    sum_group = np.nan_to_num(np.asarray(aggregates[f"sum_{key}"], dtype=float))
    sum_rest = np.nan_to_num(np.asarray(aggregates["sum_all"], dtype=float)) - sum_group
    suppressed = (n_group < min_size) | (n_rest < min_size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_group = np.where(suppressed, np.nan, sum_group / n_group)
        mean_rest = np.where(suppressed, np.nan, sum_rest / n_rest)
    return {
        "n_group": n_group,
        "n_rest": n_rest,
        "mean_group": mean_group,
        "mean_rest": mean_rest,
        "gap": mean_group - mean_rest,
        "suppressed": suppressed,
    }


def gap_trends(frames: Frames) -> Table:
    """The attainment gap of each group against the rest in every window up to the chosen one, per
    subject (from the per-window sums)."""
    windows = _trend_windows(frames)
    headers = ["Group", "Subject"] + [w["name"] for w in windows]
    if frames.attainment_trend.empty or not windows:
        return Table("gap-trend", "Attainment gap over time", headers, [], headers, [])
    columns = ["n_all", "sum_all"] + [f"{part}_{c.key}" for c in CHARACTERISTICS for part in ("n", "sum")]
    sums, present = _by_subject_and_window(frames.attainment_trend, columns, frames, windows)
    rows, export_rows, datasets = [], [], []
    for subject, sub, has_rows in zip(frames.subjects.to_dict("records"), sums, present, strict=True):
        if not has_rows:
            continue
        sub = dict(zip(columns, sub.T, strict=True))
        for c in frames.characteristics:
            t = frames.threshold
            stats = gap_trend_stats(sub, c.key, min_size=MIN_SIZE if t is None else max(MIN_SIZE, t))
            gaps_ = [_num(v) for v in stats["gap"].tolist()]
            row = [Cell(c.label, header=True), Cell(subject["name"])]
            for g, n in zip(gaps_, stats["n_group"].tolist(), strict=True):
                size = f"n={n}" if t is None or n >= t else f"n{disclosure.small(t)}"  # a SIP never reads "n=1"
                row.append(Cell(g, text=_signed(g) if g is not None else "—", note=size if g is None else ""))
            rows.append(row)
            export_rows.append([c.label, subject["name"], *gaps_])
            if any(g is not None for g in gaps_):
                datasets.append({"label": f"{c.label} ({subject['name']})", "data": gaps_, "spanGaps": True})
    chart = {
        "type": "line",
        "data": {"labels": [w["name"] for w in windows], "datasets": datasets},
        "options": {"scales": {"y": {"title": {"display": True, "text": "Gap (points)"}}}},
    }
    return Table(
        key="gap-trend",
        title="Attainment gap over time",
        headers=headers,
        rows=rows,
        export_headers=headers,
        export_rows=export_rows,
        chart=chart if datasets else None,
        description=(
            "Group mean minus the mean of the rest, in points, at each window; "
            "“—” where a side has fewer than 5 pupils."
        ),
    )


def trends(frames: Frames) -> Table:
    """The share of pupils on track or ahead at each window up to the chosen one, by subject, for all
    pupils in view and for each group (from the per-window counts)."""
    windows = _trend_windows(frames)
    counts = frames.status_counts
    headers = ["Subject", "Group"] + [w["name"] for w in windows]
    if counts.empty or not windows:
        return Table("trend", "On track or ahead over time", headers, [], headers, [])
    groups = [("all", "All pupils in view", "n")] + [(c.key, c.label, f"n_{c.key}") for c in frames.characteristics]
    columns = [column for _key, _label, column in groups]
    pupils, present = _by_subject_and_window(counts, columns, frames, windows)
    on_track, _ = _by_subject_and_window(counts[counts["status"].isin(ON_TRACK_OR_AHEAD)], columns, frames, windows)
    rows, export_rows, datasets = [], [], []
    for subject, n_sub, ok_sub, has_rows in zip(
        frames.subjects.to_dict("records"), pupils, on_track, present, strict=True
    ):
        if not has_rows:
            continue
        for (key, label, _column), n, ok in zip(groups, n_sub.T.astype(int), ok_sub.T.astype(int), strict=True):
            if n.sum() == 0:
                continue
            n, ok = n.tolist(), ok.tolist()
            t = frames.threshold
            shares = [
                None
                if count < MIN_SIZE or (t is not None and disclosure.share_hidden(good, count, t))
                else _num(good / count * 100)
                for good, count in zip(ok, n, strict=True)
            ]
            row = [Cell(subject["name"], header=True), Cell(label)]
            for share, count, w in zip(shares, n, windows, strict=True):
                drill = {"subject": int(subject["id"]), "window": int(w["id"]), "status": "ahead,on_track"}
                if key != "all":
                    drill["group"] = key
                size = f"n={count}" if t is None else ""  # a SIP, an export: no size of a small group
                row.append(
                    Cell(
                        share,
                        text=_pct(share) if share is not None else (size if count and size else "—"),
                        note="" if share is not None or not count else SUPPRESSED,
                        drill=drill if count and t is None else None,
                    )
                )
            rows.append(row)
            export_rows.append([subject["name"], label, *shares])
            if key == "all":
                datasets.append({"label": subject["name"], "data": shares, "spanGaps": True})
    chart = {
        "type": "line",
        "data": {"labels": [w["name"] for w in windows], "datasets": datasets},
        "options": {"scales": {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "% on track or ahead"}}}},
    }
    return Table(
        key="trend",
        title="On track or ahead over time",
        headers=headers,
        rows=rows,
        export_headers=["Subject", "Group"] + [w["name"] for w in windows],
        export_rows=export_rows,
        chart=chart if datasets else None,
        description="Pupils are counted by their current year group and characteristics.",
    )


def concern_rows(frames: Frames) -> pd.DataFrame:
    """Pupils stuck or well behind at the chosen window, longest first (a pupil's subjects in display
    order)."""

    def build():
        rows = frames.statuses[frames.statuses["status"].isin(CONCERN)].merge(frames.pupils, on="pupil_id")
        starts = {w["id"]: w["start_date"].toordinal() for w in frames.window_records}
        rows = rows.assign(
            since_start=rows["since_window_id"].map(starts),
            subject_order=rows["subject_id"].map(_subject_order(frames)),
        )
        sort = ["since_start", "year_group"] + (["surname", "forename"] if frames.names else []) + ["pupil_id"]
        return rows.sort_values([*sort, "subject_order"], na_position="last")

    return _memo(frames, "concern", build)


def stuck_list(frames: Frames, provision: dict | None = None, limit: int | None = None) -> Table:
    """Pupils stuck or well behind, with their subject, status and since when. With names: one row per
    pupil and subject (and the provision they already have, when a provider is installed). Without names
    (a SIP): counts by subject, status and since when."""
    rows_df = concern_rows(frames)
    if frames.names:
        headers = ["Pupil", "Year group", "Subject", "Status", "Since"]
        if provision is not None:
            headers.append("Provision")
        listed = rows_df if limit is None else rows_df.iloc[:limit]
        rows, export_rows = [], []
        columns = (
            listed[c].tolist() for c in ("pupil_id", "name", "year_group", "subject_id", "status", "since_window_id")
        )
        for pupil_id, name, year, subject_id, status, since in zip(*columns, strict=True):
            values = [
                name,
                _year_label(year),
                frames.subject_name(subject_id),
                STATUS_LABELS[status],
                frames.window_name(since),
            ]
            if provision is not None:
                values.append(provision.get(pupil_id, "None recorded"))
            rows.append([Cell(values[0], header=True, pupil_id=int(pupil_id)), *[Cell(v) for v in values[1:]]])
            export_rows.append(values)
        return Table(
            "stuck",
            "Stuck and well behind",
            headers,
            rows,
            headers,
            export_rows,
            extra={
                "pupil_count": rows_df["pupil_id"].nunique(),
                "hidden": len(rows_df) - len(rows),
                "total": len(rows_df),
            },
        )
    counts = (
        rows_df.groupby(["subject_id", "status", "since_window_id"], observed=True).size().reset_index(name="n")
        if not rows_df.empty
        else pd.DataFrame(columns=["subject_id", "status", "since_window_id", "n"])
    )
    order = _subject_order(frames)
    counts = counts.assign(o=counts["subject_id"].map(order)).sort_values(["o", "status", "since_window_id"])
    headers = ["Subject", "Status", "Since", "Pupils"]
    rows, export_rows = [], []
    records = counts.to_dict("records")
    pupil_count = rows_df["pupil_id"].nunique()
    t = frames.threshold
    values = [int(r["n"]) for r in records] + [pupil_count]
    # With one subject, its rows add up to the pupils stuck or well behind (no pupil is in two rows).
    one_subject = len({r["subject_id"] for r in records}) == 1
    lines = [disclosure.Line(tuple(range(len(records))), len(records))] if one_subject else []
    kinds = disclosure.suppress(values, t, lines).tolist() if t is not None else [SHOWN] * len(values)
    shown = [v if k == SHOWN else disclosure.text(v, k, t) for v, k in zip(values, kinds, strict=True)]
    for r, n in zip(records, shown, strict=False):
        values = [
            frames.subject_name(r["subject_id"]),
            STATUS_LABELS[r["status"]],
            frames.window_name(r["since_window_id"]),
            n,
        ]
        rows.append([Cell(values[0], header=True), *[Cell(v) for v in values[1:]]])
        export_rows.append(values)
    return Table(
        "stuck",
        "Stuck and well behind",
        headers,
        rows,
        headers,
        export_rows,
        extra={"pupil_count": pupil_count, "pupil_count_text": _pupils_phrase(str(shown[-1]))},
    )


# --- Drill-down -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drill:
    """Which figure's pupils to list: ``panel`` is "status" (statuses at the window, optionally only
    ``statuses``), "levels" (a levels bucket or a transition-matrix cell of ``ks``) or "attainment"
    (judgements at the window)."""

    panel: str = "status"
    statuses: tuple[str, ...] = ()
    ks: str = ""
    bucket: str = ""
    start: str = ""
    end: str = ""


def _level_labels(levels: np.ndarray, scale_code: str) -> np.ndarray:
    """The label of each whole level on the scale ("" where the level is missing or has no label)."""
    labels = whole_level_labels(scale_code)
    table = np.array([labels.get(i, "") for i in range(max(labels) + 2)], dtype=object)  # last: ""
    index = np.nan_to_num(levels, nan=-1).astype(int)
    return table[np.where((index >= 0) & (index < len(table)), index, len(table) - 1)]


def drill_down(frames: Frames, drill: Drill) -> Table:
    """The pupils a figure counts, one row per pupil and subject (names only — callers never pass a SIP's
    frames here; frames loaded with ``detail``)."""
    if not frames.names:
        raise ValueError("Drill-down lists name pupils: not for aggregates-only access.")
    headers = ["Pupil", "Year group", "Subject"]
    if drill.panel == "levels":
        rows = _levels_frame(frames)
        rows = rows[rows["key_stage"] == drill.ks]
        if not rows.empty:
            gcse = (rows["end_scale"] == "gcse_letter").to_numpy()
            end = rows["end_whole"].to_numpy()
            lop = rows["lop"].to_numpy()
            buckets = np.array(PROGRESS_BUCKETS, dtype=object)[np.nan_to_num(lop).clip(-1, 4).astype(int) + 1]
            rows = rows.assign(
                start_level=_level_labels(rows["start_whole"].to_numpy(), "nc"),
                end_level=np.where(gcse, _level_labels(end, "gcse_letter"), _level_labels(end, "nc")),
                levels=np.where(np.isnan(lop), np.nan, buckets),
            )
            if drill.bucket:
                rows = rows[rows["levels"] == drill.bucket]
            if drill.start:
                rows = rows[rows["start_level"] == drill.start]
            if drill.end:
                rows = rows[rows["end_level"] == drill.end]
            rows = rows.merge(frames.pupils[["pupil_id", "name", "surname", "forename"]], on="pupil_id")
        headers += [f"{drill.ks} level", "Level now", "Levels of progress"]
        extra_cols = ["start_level", "end_level", "levels"]
    elif drill.panel == "attainment":
        rows = _gap_frame(frames).merge(frames.pupils[["pupil_id", "name", "surname", "forename"]], on="pupil_id")
        rows = rows.assign(status_label=rows["status"].map(STATUS_LABELS).fillna(""))
        headers += ["Points now", "Status"]
        extra_cols = ["points", "status_label"]
    else:
        if "expected" not in frames.statuses:
            raise ValueError("A drill-down of statuses lists their points: load the frames with detail=True.")
        rows = _statuses_now(frames)
        if drill.statuses:
            rows = rows[rows["status"].isin(drill.statuses)]
        rows = rows.assign(
            status_label=rows["status"].map(STATUS_LABELS),
            since=rows["since_window_id"].map(frames.window_name) if not rows.empty else rows["since_window_id"],
        )
        headers += ["Status", "Since", "Expected points", "Points now"]
        extra_cols = ["status_label", "since", "expected", "actual"]
    table_rows, export_rows = [], []
    if not rows.empty:
        order = _subject_order(frames)
        rows = rows.assign(o=rows["subject_id"].map(order)).sort_values(["surname", "forename", "pupil_id", "o"])
        for r in rows.to_dict("records"):
            values = [r["name"], _year_label(r["year_group"]), frames.subject_name(r["subject_id"])]
            values += [(_num(r[c]) if isinstance(r[c], float) else r[c]) for c in extra_cols]
            table_rows.append(
                [Cell(values[0], header=True, pupil_id=int(r["pupil_id"])), *[Cell(v) for v in values[1:]]]
            )
            export_rows.append(values)
    return Table(
        "pupils",
        "Pupils behind this figure",
        headers,
        table_rows,
        headers,
        export_rows,
        extra={"pupil_count": int(rows["pupil_id"].nunique()) if not rows.empty else 0},
    )


# --- Trust view -----------------------------------------------------------------------------------


def trust_overview(school_ids: Sequence[int]) -> pd.DataFrame:
    """Latest status counts per school and subject for on-roll pupils: one aggregate query
    (GROUP BY school, subject, status over ``is_latest`` rows). Columns: school_id, subject, n, one count
    per status and pct_<status> (suppressed below 5 pupils)."""
    from targets.models import ProgressStatus

    counts = _frame(
        ProgressStatus.objects.filter(school_id__in=list(school_ids), is_latest=True, pupil__archived_at__isnull=True)
        .order_by()
        .values_list("school_id", "subject__order", "subject__name", "status")
        .annotate(n=Count("id")),
        ["school_id", "subject_order", "subject", "status", "n"],
    )
    if counts.empty:
        return pd.DataFrame(
            columns=["school_id", "subject_order", "subject", "n", *STATUSES, *[f"pct_{s}" for s in STATUSES]]
        )
    wide = counts.pivot_table(
        index=["school_id", "subject_order", "subject"], columns="status", values="n", aggfunc="sum", fill_value=0
    )
    wide = wide.reindex(columns=list(STATUSES), fill_value=0).astype(int)
    wide.columns.name = None
    n = wide.sum(axis=1)
    shares = wide.div(n, axis=0).mul(100).where(n >= MIN_SIZE).add_prefix("pct_")
    return pd.concat([n.rename("n"), wide, shares], axis=1).reset_index()


def trust_table(schools: Sequence, frame: pd.DataFrame) -> Table:
    names = {s.pk: s.name for s in schools}
    order = {s.pk: i for i, s in enumerate(schools)}
    frame = frame.assign(o=frame["school_id"].map(order)).sort_values(["o", "subject_order", "subject"])
    headers = ["School", "Subject", "Pupils"] + [STATUS_LABELS[s] for s in STATUSES]
    export_headers = ["School", "Subject", "Pupils"]
    for s in STATUSES:
        export_headers += [f"{STATUS_LABELS[s]} (pupils)", f"{STATUS_LABELS[s]} (%)"]
    thresholds = {s.pk: s.small_count_threshold for s in schools}
    rows, export_rows, school_ids = [], [], []
    for r in frame.to_dict("records"):
        school_ids.append(r["school_id"])
        # A trust view is figures outside the school: each school's own threshold, on screen and in the export.
        t = thresholds[r["school_id"]]
        counts = [int(r["n"]), *(int(r[s]) for s in STATUSES)]
        kinds = disclosure.suppress(counts, t, [disclosure.Line(tuple(range(1, len(counts))), 0)]).tolist()
        shown = [c if k == SHOWN else disclosure.text(c, k, t) for c, k in zip(counts, kinds, strict=True)]
        row = [
            Cell(names[r["school_id"]], header=True),
            Cell(r["subject"]),
            Cell(shown[0], note=SUPPRESSED if counts[0] < MIN_SIZE or kinds[0] != SHOWN else ""),
        ]
        export = [names[r["school_id"]], r["subject"], shown[0]]
        for i, s in enumerate(STATUSES, start=1):
            pct = _num(r[f"pct_{s}"]) if SHOWN == kinds[0] == kinds[i] else None
            row.append(Cell(shown[i], text=f"{shown[i]}" + (f" ({_pct(pct)})" if pct is not None else "")))
            export += [shown[i], pct]
        rows.append(row)
        export_rows.append(export)
    return Table(
        "trust",
        "Latest progress, school by school",
        headers,
        rows,
        export_headers,
        export_rows,
        extra={"school_ids": school_ids},
    )
