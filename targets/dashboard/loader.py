"""The dashboard's selector: the only module of the package that reads the database.

:func:`load_frames` runs a fixed handful of set-based queries (windows, subjects, pupils, key-stage
baselines, the statuses and judgements of every window up to the chosen one, and the school's
expectations) whatever the number of pupils. The many-window rows come as two binary COPYs of this school's
index range (a few numbers a row) and are counted per window, subject, year group and group with
``np.bincount`` against the pupil frame — the pupils in view (:mod:`.aggregate`) — so the database never
joins them to pupils: with an LA's rows in the same tables that join is where its estimates, and the page's
time, went wrong. The rows a panel lists or pairs up pupil by pupil come back as rows.

Scoping is decided by the caller: it hands in the pupils queryset the user may count (the whole school
for leaders, SENCOs, admins and a SIP; pupils currently in a teacher's own groups for a teacher) and
whether names may be shown (never for a SIP).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, Subquery, Value, When

from assessment.analytics import STATUSES
from assessment.models import Judgement, Subject, TransitionalResult
from assessment.scales import POST2014_SCALES
from schoolpl.models import AssessmentWindow
from schoolpl.pgcopy import empty_frame, read_binary_frame
from targets.models import AgeRelatedExpectation, ProgressStatus, TargetSettings

from .aggregate import attainment_sums, columns_frame, rows_frame, status_counts, statuses_at
from .frames import CHARACTERISTICS, PUPIL_COLUMNS, Characteristic, Filters, Frames, characteristic, pick_windows
from .policy import KEY_STAGES, Expectations

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

#: A status as a small integer (its place in :data:`STATUSES`; -1 for anything else), for binary reads.
_STATUS_CODE = Case(*(When(status=name, then=Value(i)) for i, name in enumerate(STATUSES)), default=Value(-1))
_STATUS_COLUMNS = {
    "pupil_id": "int8",
    "subject_id": "int8",
    "window_id": "int8",
    "code": "int2",
    "since_window_id": "int8",
}
_JUDGEMENT_COLUMNS = {"pupil_id": "int8", "subject_id": "int8", "window_id": "int8", "points": "float8"}


def characteristic_q(chosen: Characteristic, prefix: str = "") -> Q:
    """The pupils of a characteristic group, as a condition on pupils (or on ``prefix`` + pupil fields)."""
    return Q(**{f"{prefix}{chosen.lookup}": chosen.values[0]})


def _fetch(qs, columns: Sequence[str]) -> pd.DataFrame:
    """The rows of a ``values_list`` queryset as a frame named ``columns``, read from the cursor in small
    batches: no per-value converters (so only for ints, floats and strings — not dates or SQLite's
    booleans), which costs several times less than iterating the queryset over thousands of rows."""
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # e.g. ``window_id__in=[]``: no query, no rows
        return columns_frame(np.empty((0, len(columns)), dtype=object), columns)
    batches = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_FETCH_BATCH):
            batches.append(np.array(rows, dtype=object))
    table = np.concatenate(batches) if batches else np.empty((0, len(columns)), dtype=object)
    return columns_frame(table, columns)


@dataclass(frozen=True)
class _Scope:
    """The pupils in view, as the queries take them: ``pupils`` (a queryset, filters applied), ``in_view``
    (a semi-join on it), ``pupil_q`` (the condition every pupil-keyed query takes) and ``narrowed`` (fewer
    than the whole school: the trend reads take the semi-join too)."""

    school: object
    filters: Filters
    pupils: object
    chosen: Characteristic | None
    in_view: Q
    pupil_q: Q
    narrowed: bool


def _scope(school, pupils_qs, filters: Filters, characteristics, whole_school: bool) -> _Scope:
    """Narrow ``pupils_qs`` by the year, characteristic and teaching-group filters; every other query takes it
    as a subquery (never a list of ids) — or, when ``whole_school`` says ``pupils_qs`` is every pupil of the
    school, as the same conditions on the join."""
    pupils_qs = pupils_qs.on_roll()
    if filters.year_group is not None:
        pupils_qs = pupils_qs.filter(year_group=filters.year_group)
    chosen = characteristic(filters.group) if filters.group else None
    if chosen is not None and chosen.column != "ethnicity" and chosen not in characteristics:
        chosen, filters = None, replace(filters, group="")  # a group the user may not see is never applied
    if chosen is not None:
        pupils_qs = pupils_qs.filter(characteristic_q(chosen))
    if filters.teaching_group_id is not None:
        pupils_qs = pupils_qs.in_group(filters.teaching_group_id)
    in_view = Q(pupil__in=Subquery(pupils_qs.order_by().values("pk")))
    if whole_school and filters.teaching_group_id is None:
        # The same pupils as a join (cheaper than a semi-join for the key-stage baselines). The pupil's school
        # repeats the row's, so that the planner joins this school's pupils, not the LA's.
        pupil_q = Q(pupil__archived_at__isnull=True, pupil__school=school)
        if filters.year_group is not None:
            pupil_q &= Q(pupil__year_group=filters.year_group)
        if chosen is not None:
            pupil_q &= characteristic_q(chosen, "pupil__")
    else:
        pupil_q = in_view
    narrowed = not whole_school or any(f is not None for f in (filters.teaching_group_id, filters.year_group, chosen))
    return _Scope(school, filters, pupils_qs, chosen, in_view, pupil_q, narrowed)


def _windows(school) -> pd.DataFrame:
    return rows_frame(
        AssessmentWindow.objects.filter(school=school)
        .order_by("start_date", "pk")
        .values_list("id", "name", "start_date", "end_date", "academic_year__start_date", "academic_year__end_date"),
        ["id", "name", "start_date", "end_date", "year_start", "year_end"],
    )


def _subjects(school) -> pd.DataFrame:
    subjects_qs = Subject.objects.filter(school=school).order_by("order", "name")
    return rows_frame(subjects_qs.values_list("id", "code", "name", "scale_code"), ["id", "code", "name", "scale_code"])


def _pupils(scope: _Scope, names: bool, characteristics) -> pd.DataFrame:
    """The pupils in view with their characteristics (those the user may not see left unknown), and their
    names when names may be shown."""
    fields = _PUPIL_FIELDS + (_NAME_FIELDS if names else [])
    pupils = rows_frame(scope.pupils.order_by().values_list(*fields), PUPIL_COLUMNS + (_NAME_FIELDS if names else []))
    if names:
        forename = pupils["preferred_forename"].where(pupils["preferred_forename"] != "", pupils["legal_forename"])
        surname = pupils["preferred_surname"].where(pupils["preferred_surname"] != "", pupils["legal_surname"])
        pupils = pupils.drop(columns=_NAME_FIELDS).assign(forename=forename, surname=surname)
        pupils["name"] = pupils["forename"] + " " + pupils["surname"]
    pupils["ethnicity"] = pupils["ethnicity"].replace("", None)
    for hidden in {c.column for c in CHARACTERISTICS} - {c.column for c in characteristics}:
        pupils[hidden] = None  # unknown to every panel, as if never recorded
    return pupils


def _baselines(scope: _Scope) -> pd.DataFrame:
    qs = TransitionalResult.objects.filter(key_stage__in=list(KEY_STAGES), points__isnull=False)
    qs = qs.exclude(scale__in=sorted(POST2014_SCALES))  # levels of progress are counted in NC levels
    qs = qs.filter(scope.pupil_q, school=scope.school)
    if scope.filters.subject_id is not None:
        qs = qs.filter(subject_id=scope.filters.subject_id)
    return _fetch(
        # In the order the levels panels choose by: the last per pupil and subject is the latest key stage,
        # a test result before teacher assessment.
        qs.order_by("pupil_id", "subject_id", "key_stage", Case(When(method="TT", then=1), default=0)).values_list(
            "pupil_id", "subject_id", "key_stage", "method", "points"
        ),
        ["pupil_id", "subject_id", "key_stage", "method", "points"],
    )


@dataclass(frozen=True)
class _TrendReader:
    """Reads the rows of every window up to the chosen one (by id: the windows are loaded already, so no join
    for the dates; and no condition at all when that is every window of the school)."""

    scope: _Scope
    up_to_window: Q
    pupil_ids: pd.Index

    @classmethod
    def build(cls, scope: _Scope, windows: pd.DataFrame, window: dict | None, today: dt.date, pupils: pd.DataFrame):
        until = window["start_date"] if window else today
        trend_ids = [int(i) for i, start in zip(windows["id"], windows["start_date"], strict=True) if start <= until]
        up_to_window = Q() if trend_ids and len(trend_ids) == len(windows) else Q(window_id__in=trend_ids)
        return cls(scope, up_to_window, pd.Index(pupils["pupil_id"].to_numpy(dtype=np.int64)))

    def rows(self, qs, columns: dict[str, str]) -> tuple[pd.DataFrame, np.ndarray]:
        """Rows of the windows up to the chosen one (binary COPY on PostgreSQL) of the pupils in view, and each
        row's pupil's place in the pupil frame. The pupils are matched in memory: the database reads an index
        range of this school's rows, with no join for the planner to misjudge when other schools' rows share
        the table."""
        qs = qs.filter(self.up_to_window, school=self.scope.school)
        if self.scope.filters.subject_id is not None:
            qs = qs.filter(subject_id=self.scope.filters.subject_id)
        if self.scope.narrowed:  # a year group, a group or a few classes: read their pupils' rows only
            qs = qs.filter(self.scope.in_view)
        try:
            sql, params = qs.order_by().values_list(*columns).query.sql_with_params()
        except EmptyResultSet:  # no window yet
            rows = empty_frame(columns)
        else:
            rows = read_binary_frame(sql, params, columns)
        at = self.pupil_ids.get_indexer(rows["pupil_id"].to_numpy())
        found = at >= 0
        return rows[found].reset_index(drop=True), at[found]


def load_expectations(school) -> Expectations:
    """The school's expected rate (its target settings, else the default) and its own age-related
    expectations, in one query: the settings' row rides on the AREs' as a row with no year group."""
    none = Value(None, output_field=IntegerField())
    rate = TargetSettings.objects.filter(school=school).values_list(none, none, none, "expected_points_per_year")
    rows = (
        AgeRelatedExpectation.objects.filter(school=school)
        .order_by()
        .values_list("year_group", "term", "subject_id", "points")
        .union(rate, all=True)
    )
    overrides, points_per_year = {}, TargetSettings._meta.get_field("expected_points_per_year").default
    for year_group, term, subject_id, points in rows:
        if year_group is None:
            points_per_year = points
        else:
            overrides[(year_group, term, subject_id)] = points
    return Expectations(points_per_year=float(points_per_year), are_overrides=overrides)


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
    """Load every frame the dashboard needs in a constant number of queries (7, whatever the size of the
    school): windows, subjects, pupils, baselines, the statuses and judgements of every window up to the
    chosen one — counted as status counts by year group (the overview's current and previous windows and
    the on-track trend) and attainment sums (the gap trend) — and the school's expectations.

    ``pupils_qs`` is already scoped to what the user may count; the year, characteristic and teaching-group
    filters narrow it here (:func:`_scope`). ``detail`` also loads each status's expected and actual points,
    which only the drill-down lists (the page leaves them out: thousands of floats to convert)."""
    today = today or dt.date.today()
    windows = _windows(school)
    window, previous, year_ago = pick_windows(windows, filters.window_id, today)
    subjects = _subjects(school)
    scope = _scope(school, pupils_qs, filters, characteristics, whole_school)
    pupils = _pupils(scope, names, characteristics)
    baselines = _baselines(scope)
    trend = _TrendReader.build(scope, windows, window, today, pupils)
    status_rows, status_at = trend.rows(
        ProgressStatus.objects.annotate(code=_STATUS_CODE),
        _STATUS_COLUMNS | ({"expected": "float8", "actual": "float8"} if detail else {}),
    )
    judgement_rows, judgement_at = trend.rows(Judgement.objects.all(), _JUDGEMENT_COLUMNS)
    at_windows = [w["id"] for w in (window, year_ago) if w is not None]
    return Frames(
        expectations=load_expectations(school),
        this_year_start=today.year if today.month >= 9 else today.year - 1,
        windows=windows,
        window=window,
        previous=previous,
        year_ago=year_ago,
        subjects=subjects,
        pupils=pupils,
        # The statuses at the chosen window (what the lists and the drill-down show) are among the rows.
        statuses=statuses_at(status_rows, window, detail),
        judgements=judgement_rows[judgement_rows["window_id"].isin(at_windows).to_numpy()].reset_index(drop=True),
        baselines=baselines,
        status_counts=status_counts(status_rows, status_at, pupils),
        attainment_trend=attainment_sums(judgement_rows, judgement_at, pupils),
        names=names,
        filters=scope.filters,
        characteristics=characteristics,
    )


def load_trust_counts(school_ids: Sequence[int]) -> pd.DataFrame:
    """Latest status counts per school, subject and status for on-roll pupils: one aggregate query
    (GROUP BY school, subject, status over ``is_latest`` rows). Columns: school_id, subject_order, subject,
    status, n."""
    return rows_frame(
        ProgressStatus.objects.filter(school_id__in=list(school_ids), is_latest=True, pupil__archived_at__isnull=True)
        .order_by()
        .values_list("school_id", "subject__order", "subject__name", "status")
        .annotate(n=Count("id")),
        ["school_id", "subject_order", "subject", "status", "n"],
    )
