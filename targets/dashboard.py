"""Progress dashboards for senior leaders (and a teacher's and a SIP's version of them).

Two halves:

* :func:`load_frames` is the selector: a fixed handful of set-based queries (windows, subjects, pupils,
  progress statuses and judgements at the chosen, previous and year-ago windows, key-stage baselines, and
  two SQL aggregates for the trends) whatever the number of pupils. Trends over every window are
  aggregated in SQL (DESIGN §7: hand pandas the reduced result), everything else comes back as rows.
* The panel builders (:func:`overview`, :func:`levels_panels`, :func:`gaps`, :func:`gap_trends`,
  :func:`stuck_list`, :func:`trends`, :func:`drill_down`) are pure over those frames and use
  :mod:`assessment.analytics` for the arithmetic. Each returns a :class:`Table` that the page renders and
  the export writes, so a figure on screen and in a download are the same number.

Scoping is decided by the caller: it hands in the pupils queryset the user may count (the whole school
for leaders, SENCOs, admins and a SIP; pupils currently in a teacher's own groups for a teacher) and
whether names may be shown (never for a SIP).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db.models import Count, Q, Subquery, Sum

from assessment import analytics
from assessment.analytics import STATUSES, Group

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
    and the pupil field lookup for SQL aggregates."""

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


def characteristic(key: str) -> Characteristic | None:
    """The characteristic for a filter key; ``ethnicity:WBRI`` stands for one ethnic group."""
    if key.startswith("ethnicity:") and len(key) > len("ethnicity:"):
        code = key.split(":", 1)[1]
        return Characteristic(key, f"Ethnicity {code}", "ethnicity", (code,), "ethnicity")
    return _BY_KEY.get(key)


# --- Tables: what a panel shows and what its export writes -----------------------------------------


@dataclass
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


def _pct(value: float) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.0f}%"


def _num(value: float, places: int = 1) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), places)


def _signed(value: float | None, unit: str = "") -> str:
    if value is None or pd.isna(value):
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
    statuses: pd.DataFrame  # pupil_id, subject_id, window_id, status, since_window_id, expected, actual
    judgements: pd.DataFrame  # pupil_id, subject_id, window_id, points
    baselines: pd.DataFrame  # pupil_id, subject_id, key_stage, points
    status_trend: pd.DataFrame  # window_id, subject_id, n_<g>, ok_<g> for g in all + characteristics
    attainment_trend: pd.DataFrame  # window_id, subject_id, n_<g>, sum_<g>
    names: bool
    filters: Filters = field(default_factory=Filters)

    def __post_init__(self):
        self._window_names = dict(zip(self.windows["id"], self.windows["name"], strict=True))
        self._subject_names = dict(zip(self.subjects["id"], self.subjects["name"], strict=True))

    def window_name(self, window_id) -> str:
        if window_id is None or pd.isna(window_id):
            return ""
        return str(self._window_names.get(int(window_id), ""))

    def subject_name(self, subject_id) -> str:
        return str(self._subject_names.get(int(subject_id), ""))


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


def _frame(rows: Iterable, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A DataFrame from ``values_list`` tuples (with ``columns``) or ``values`` dicts (without)."""
    if columns is None:
        return pd.DataFrame(list(rows))
    return pd.DataFrame.from_records(list(rows), columns=list(columns))


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
    school, pupils_qs, filters: Filters, *, names: bool, today: dt.date | None = None, whole_school: bool = False
) -> Frames:
    """Load every frame the dashboard needs in a constant number of queries (8, whatever the size of the
    school): windows, subjects, pupils, statuses, judgements, baselines and the two trend aggregates.

    ``pupils_qs`` is already scoped to what the user may count; the year, characteristic and teaching-group
    filters narrow it here, and every other query takes it as a subquery (never a list of ids) — or, when
    ``whole_school`` says ``pupils_qs`` is every pupil of the school, as the same conditions on the join."""
    from assessment.models import Judgement, Subject, TransitionalResult
    from schoolpl.models import AssessmentWindow
    from targets.models import ProgressStatus

    today = today or dt.date.today()
    windows = _frame(
        AssessmentWindow.objects.filter(school=school)
        .order_by("start_date", "pk")
        .values_list("id", "name", "start_date"),
        ["id", "name", "start_date"],
    )
    window, previous, year_ago = pick_windows(windows, filters.window_id, today)
    subjects_qs = Subject.objects.filter(school=school).order_by("order", "name")
    subjects = _frame(subjects_qs.values_list("id", "code", "name", "scale_code"), ["id", "code", "name", "scale_code"])

    pupils_qs = pupils_qs.on_roll()
    if filters.year_group is not None:
        pupils_qs = pupils_qs.filter(year_group=filters.year_group)
    chosen = characteristic(filters.group) if filters.group else None
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
    if whole_school and filters.teaching_group_id is None:
        # The same pupils through the join the aggregates need anyway (cheaper than a semi-join as well).
        pupil_q = Q(pupil__archived_at__isnull=True)
        if filters.year_group is not None:
            pupil_q &= Q(pupil__year_group=filters.year_group)
        if chosen is not None:
            pupil_q &= chosen.q("pupil__")
    else:
        pupil_q = Q(pupil__in=Subquery(pupils_qs.order_by().values("pk")))

    def scoped(qs):
        qs = qs.filter(pupil_q, school=school)
        return qs.filter(subject_id=filters.subject_id) if filters.subject_id is not None else qs

    window_ids = [w["id"] for w in (window, previous, year_ago) if w is not None]
    statuses = _frame(
        scoped(ProgressStatus.objects.filter(window_id__in=window_ids[:2])).values_list(
            "pupil_id", "subject_id", "window_id", "status", "since_window_id", "expected", "actual"
        ),
        ["pupil_id", "subject_id", "window_id", "status", "since_window_id", "expected", "actual"],
    )
    judgements = _frame(
        scoped(Judgement.objects.filter(window_id__in=window_ids)).values_list(
            "pupil_id", "subject_id", "window_id", "points"
        ),
        ["pupil_id", "subject_id", "window_id", "points"],
    )
    baselines = _frame(
        scoped(TransitionalResult.objects.filter(key_stage__in=list(EXPECTED_LEVELS), points__isnull=False))
        .order_by()
        .values_list("pupil_id", "subject_id", "key_stage", "method", "points"),
        ["pupil_id", "subject_id", "key_stage", "method", "points"],
    )

    groups = [("all", Q())] + [(c.key, c.q("pupil__")) for c in CHARACTERISTICS]
    until = window["start_date"] if window else today
    status_aggs = {}
    attainment_aggs = {}
    for key, q in groups:
        status_aggs[f"n_{key}"] = Count("id", filter=q) if key != "all" else Count("id")
        status_aggs[f"ok_{key}"] = Count("id", filter=q & Q(status__in=ON_TRACK_OR_AHEAD))
        attainment_aggs[f"n_{key}"] = Count("id", filter=q) if key != "all" else Count("id")
        attainment_aggs[f"sum_{key}"] = Sum("points", filter=q) if key != "all" else Sum("points")
    status_trend = _frame(
        scoped(ProgressStatus.objects.filter(window__start_date__lte=until))
        .order_by()
        .values("window_id", "subject_id")
        .annotate(**status_aggs)
    )
    attainment_trend = _frame(
        scoped(Judgement.objects.filter(window__start_date__lte=until))
        .order_by()
        .values("window_id", "subject_id")
        .annotate(**attainment_aggs)
    )
    return Frames(
        windows=windows,
        window=window,
        previous=previous,
        year_ago=year_ago,
        subjects=subjects,
        pupils=pupils,
        statuses=statuses,
        judgements=judgements,
        baselines=baselines,
        status_trend=status_trend,
        attainment_trend=attainment_trend,
        names=names,
        filters=filters,
    )


# --- Panels ---------------------------------------------------------------------------------------


def _year_label(year) -> str:
    from pupils.codes import year_group_label

    if year is None or pd.isna(year):
        return "All years"
    return year_group_label(int(year))


def _statuses_at(frames: Frames, window: dict | None) -> pd.DataFrame:
    if window is None:
        return frames.statuses.iloc[0:0].merge(frames.pupils, on="pupil_id")
    rows = frames.statuses[frames.statuses["window_id"] == window["id"]]
    return rows.merge(frames.pupils, on="pupil_id", how="inner")


def _subject_order(frames: Frames) -> dict:
    return {sid: i for i, sid in enumerate(frames.subjects["id"])}


def overview(frames: Frames) -> Table:
    """Per year group and subject (and all years per subject): how many pupils are ahead, on track,
    behind, well behind and stuck at the chosen window, with each share's change since the previous
    window in percentage points. Shares of fewer than 5 pupils are suppressed; counts stay."""
    current = _statuses_at(frames, frames.window)
    before = _statuses_at(frames, frames.previous)

    def shares(rows: pd.DataFrame) -> pd.DataFrame:
        by_year = analytics.share_by_status(rows, by=["year_group", "subject_id"])
        all_years = analytics.share_by_status(rows, by=["subject_id"]).assign(year_group=np.nan)
        return pd.concat([by_year, all_years], ignore_index=True) if not rows.empty else by_year

    now = shares(current)
    then = shares(before)
    if not now.empty:
        now["key_year"] = now["year_group"].fillna(-99)
        then["key_year"] = then["year_group"].fillna(-99) if not then.empty else pd.Series(dtype=float)
        now = now.merge(
            then.drop(columns=["year_group"]), on=["key_year", "subject_id"], how="left", suffixes=("", "_prev")
        )
        order = _subject_order(frames)
        now["subject_order"] = now["subject_id"].map(order)
        now["year_sort"] = now["year_group"].fillna(99)
        now = now.sort_values(["year_sort", "subject_order"])
    prev_name = frames.previous["name"] if frames.previous else ""
    headers = ["Year group", "Subject", "Pupils"] + [STATUS_LABELS[s] for s in STATUSES]
    export_headers = ["Year group", "Subject", "Pupils"]
    for s in STATUSES:
        export_headers += [
            f"{STATUS_LABELS[s]} (pupils)",
            f"{STATUS_LABELS[s]} (%)",
            f"{STATUS_LABELS[s]} change (% points)",
        ]
    rows, export_rows = [], []
    for r in now.to_dict("records") if not now.empty else []:
        year = None if pd.isna(r["year_group"]) else int(r["year_group"])
        n = int(r["n"])
        small = n < MIN_SIZE
        prev_n = r.get("n_prev")
        prev_small = prev_n is None or pd.isna(prev_n) or prev_n < MIN_SIZE
        drill_base = {"subject": int(r["subject_id"])}
        if year is not None:
            drill_base["year"] = year
        row = [
            Cell(_year_label(year), header=True),
            Cell(frames.subject_name(r["subject_id"])),
            Cell(n, note=SUPPRESSED if small else ""),
        ]
        export = [_year_label(year), frames.subject_name(r["subject_id"]), n]
        for s in STATUSES:
            count = int(r[s])
            pct = None if small else _num(r[f"pct_{s}"])
            change = None if small or prev_small else _num(r[f"pct_{s}"] - r[f"pct_{s}_prev"])
            text = f"{count}" if small else f"{count} ({_pct(pct)})"
            note = f"{_signed(change)} pts since {prev_name}" if change is not None else ""
            row.append(Cell(count, text=text, drill={**drill_base, "status": s} if count else None, note=note))
            export += [count, pct, change]
        rows.append(row)
        export_rows.append(export)
    chart_rows = [r for r in rows if r[2].value >= MIN_SIZE]
    chart = {
        "type": "bar",
        "data": {
            "labels": [f"{r[0].text} {r[1].text}" for r in chart_rows],
            "datasets": [
                {
                    "label": STATUS_LABELS[s],
                    "backgroundColor": STATUS_COLOURS[s],
                    "data": [round(r[3 + i].value / r[2].value * 100, 1) for r in chart_rows],
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


def _current_points(frames: Frames) -> pd.DataFrame:
    """Points at the chosen window per pupil and subject, with the pupil's characteristics."""
    if frames.window is None:
        return frames.judgements.iloc[0:0].merge(frames.pupils, on="pupil_id")
    rows = frames.judgements[frames.judgements["window_id"] == frames.window["id"]]
    return rows[["pupil_id", "subject_id", "points"]].merge(frames.pupils, on="pupil_id", how="inner")


def _baseline_frame(frames: Frames) -> pd.DataFrame:
    """Each pupil's most recent key-stage baseline per subject (a test result before teacher assessment),
    with points at the chosen window as the end."""
    base = frames.baselines
    if base.empty:
        return pd.DataFrame(columns=["pupil_id", "subject_id", "key_stage", "start_points", "end_points"])
    base = base.assign(method_rank=(base["method"] == "TT").astype(int)).sort_values(
        ["pupil_id", "subject_id", "key_stage", "method_rank"]
    )
    base = base.drop_duplicates(["pupil_id", "subject_id"], keep="last")
    current = _current_points(frames)[["pupil_id", "subject_id", "points", "year_group"]]
    return base.rename(columns={"points": "start_points"})[
        ["pupil_id", "subject_id", "key_stage", "start_points"]
    ].merge(current.rename(columns={"points": "end_points"}), on=["pupil_id", "subject_id"], how="inner")


def _levels_frame(frames: Frames) -> list[tuple[str, dict, pd.DataFrame, str]]:
    """(key stage, subject row, frame, end scale) for every baseline key stage and level-scaled subject."""
    frame = _baseline_frame(frames)
    out = []
    for subject in frames.subjects.to_dict("records"):
        if subject["scale_code"] not in LEVEL_SCALES:
            continue
        for ks in EXPECTED_LEVELS:
            rows = frame[(frame["subject_id"] == subject["id"]) & (frame["key_stage"] == ks)]
            if rows.empty:
                continue
            end_scale = "gcse_letter" if subject["scale_code"] == "gcse_letter" else "nc"
            out.append((ks, subject, rows.assign(end_scale=end_scale), end_scale))
    return out


def levels_panels(frames: Frames) -> list[dict]:
    """For each key stage and subject: the levels-of-progress table (RAISEonline style) and the transition
    matrix (whole level at the baseline × whole level now), both as Tables."""
    panels = []
    for ks, subject, rows, end_scale in _levels_frame(frames):
        expected = EXPECTED_LEVELS[ks]
        lop = analytics.levels_of_progress_table(rows, expected, end_scale=end_scale)
        small = lop.pupils < MIN_SIZE
        drill = {"subject": int(subject["id"]), "panel": "levels", "ks": ks}
        title = f"{ks} to now: {subject['name']}"
        lop_rows, lop_export = [], []
        for bucket, r in lop.table.iterrows():
            count = int(r["pupils"])
            pct = None if small else _num(r["percent"])
            label = f"{bucket} level{'s' if bucket != '1' else ''}"
            lop_rows.append(
                [
                    Cell(label, header=True),
                    Cell(count, drill={**drill, "bucket": bucket} if count else None),
                    Cell(pct, text=_pct(pct) if pct is not None else "—", note="" if pct is not None else SUPPRESSED),
                ]
            )
            lop_export.append([ks, subject["name"], bucket, count, pct])
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
                    "labels": [str(b) for b in lop.table.index],
                    "datasets": [
                        {"label": "Pupils", "backgroundColor": "#2c5d8f", "data": [int(v) for v in lop.table["pupils"]]}
                    ],
                },
                "options": {"plugins": {"legend": {"display": False}}},
            },
            extra={
                "pupils": lop.pupils,
                "missing": lop.missing,
                "expected_levels": expected,
                "pct_expected": None if small else _num(lop.pct_expected),
                "pct_more": None if small else _num(lop.pct_more_than_expected),
                "small": small,
            },
        )
        matrix = analytics.transition_matrix(rows, start_scale="nc", end_scale=end_scale)
        m_rows, m_export = [], []
        for start, counts in matrix.iterrows():
            row = [Cell(f"{start}", header=True)]
            for end, count in counts.items():
                row.append(Cell(int(count), drill={**drill, "start": start, "end": end} if count else None))
            row.append(Cell(int(counts.sum())))
            m_rows.append(row)
            m_export.append([ks, subject["name"], start, *[int(c) for c in counts], int(counts.sum())])
        matrix_table = Table(
            key=f"matrix-{ks}-{subject['id']}",
            title=f"Transition matrix, {title}",
            headers=[f"{ks} level"] + [f"Now {c}" for c in matrix.columns] + ["Total"],
            rows=m_rows,
            export_headers=["Key stage", "Subject", f"{ks} level", *[f"Now {c}" for c in matrix.columns], "Total"],
            export_rows=m_export,
        )
        panels.append({"ks": ks, "subject": subject, "levels": levels_table, "matrix": matrix_table})
    return panels


def _gap_frame(frames: Frames) -> pd.DataFrame:
    """Per pupil and subject: attainment now, points gained over the year, and on track (100) or not (0)."""
    current = _current_points(frames)
    if frames.year_ago is not None:
        before = frames.judgements[frames.judgements["window_id"] == frames.year_ago["id"]]
        before = before[["pupil_id", "subject_id", "points"]].rename(columns={"points": "points_before"})
        current = current.merge(before, on=["pupil_id", "subject_id"], how="left")
        current["progress"] = current["points"] - current["points_before"]
    else:
        current["progress"] = np.nan
    status = _statuses_at(frames, frames.window)[["pupil_id", "subject_id", "status"]]
    merged = current.merge(status, on=["pupil_id", "subject_id"], how="outer")
    # Pupils with a status but no judgement at the window still count for the on-track share.
    missing = merged["year_group"].isna()
    if missing.any():
        merged = merged.drop(columns=PUPIL_COLUMNS[1:] + [c for c in ("name", "forename", "surname") if c in merged])
        merged = merged.merge(frames.pupils, on="pupil_id", how="inner")
    merged["on_track"] = np.where(
        merged["status"].isna(), np.nan, merged["status"].isin(ON_TRACK_OR_AHEAD).astype(float) * 100
    )
    return merged


GAP_GROUPS = tuple(c.group for c in CHARACTERISTICS) + (Group("Ethnicity", "ethnicity"),)


def group_means(
    frame: pd.DataFrame, value_cols: Sequence[str], groups: Iterable[Group], by: str, min_size: int = MIN_SIZE
) -> pd.DataFrame:
    """:func:`assessment.analytics.group_gaps` for several value columns and every value of ``by`` in one
    vectorised pass (bincount per group instead of a groupby per group, column and subject: the dashboard
    has 14 groups × 3 measures × each subject).

    One row per concrete group and ``by`` value: label, ``by``, n_group / n_rest (rows whose characteristic
    is known, whatever their values), and for each value column ``n_group_<col>``, ``n_rest_<col>``,
    ``mean_group_<col>``, ``mean_rest_<col>``, ``gap_<col>`` — the same figures and the same suppression
    (either side under ``min_size``) as ``group_gaps``; the tests check they agree."""
    concrete = analytics.expand_groups(frame, groups)
    if frame.empty or not concrete:
        return pd.DataFrame(columns=["label", by, "n_group", "n_rest"])
    keys, index = np.unique(frame[by].to_numpy(), return_inverse=True)
    size = len(keys)
    values = {col: frame[col].to_numpy(dtype=float) for col in value_cols}
    parts = []
    for group in concrete:
        column = frame[group.column]
        known = column.notna().to_numpy()
        member = column.isin(group.values).to_numpy() & known
        rest = known & ~member
        part = {
            "label": group.label,
            by: keys,
            "n_group": np.bincount(index, weights=member, minlength=size).astype(int),
            "n_rest": np.bincount(index, weights=rest, minlength=size).astype(int),
        }
        for col, v in values.items():
            has = ~np.isnan(v)
            filled = np.where(has, v, 0.0)
            n_g = np.bincount(index, weights=member & has, minlength=size)
            n_r = np.bincount(index, weights=rest & has, minlength=size)
            suppressed = (n_g < min_size) | (n_r < min_size)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean_g = np.where(
                    suppressed, np.nan, np.bincount(index, weights=np.where(member, filled, 0), minlength=size) / n_g
                )
                mean_r = np.where(
                    suppressed, np.nan, np.bincount(index, weights=np.where(rest, filled, 0), minlength=size) / n_r
                )
            part |= {
                f"n_group_{col}": n_g.astype(int),
                f"n_rest_{col}": n_r.astype(int),
                f"mean_group_{col}": mean_g,
                f"mean_rest_{col}": mean_r,
                f"gap_{col}": mean_g - mean_r,
            }
        parts.append(pd.DataFrame(part))
    return pd.concat(parts, ignore_index=True)


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
    labels = {c.label: c.key for c in CHARACTERISTICS}
    stats = group_means(frame, ["points", "progress", "on_track"], GAP_GROUPS, by="subject_id")
    order = _subject_order(frames)
    stats = stats.assign(o=stats["subject_id"].map(order), g=stats.index).sort_values(["o", "g"])
    for r in stats.to_dict("records"):
        label = r["label"]
        n_group, n_rest = int(r["n_group"]), int(r["n_rest"])
        if n_group == 0:
            continue
        ethnic = label.startswith("Ethnicity: ")
        key = labels.get(label) or ("ethnicity:" + label.split(": ", 1)[1] if ethnic else "")
        shown = "Ethnicity " + label.split(": ", 1)[1] if ethnic else label
        drill = {"group": key, "subject": int(r["subject_id"]), "panel": "attainment"} if key else None
        note = SUPPRESSED if min(n_group, n_rest) < MIN_SIZE else ""
        figures = [
            _num(r[f"{part}_{col}"])
            for col in ("points", "progress", "on_track")
            for part in ("mean_group", "mean_rest", "gap")
        ]
        subject_name = frames.subject_name(r["subject_id"])
        rows.append(
            [
                Cell(shown, header=True),
                Cell(subject_name),
                Cell(n_group, text=f"{n_group} / {n_rest}", drill=drill, note=note),
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
    return [w for w in frames.windows.to_dict("records") if w["start_date"] <= frames.window["start_date"]]


def gap_trend_stats(aggregates: pd.DataFrame, key: str, min_size: int = MIN_SIZE) -> dict[str, np.ndarray]:
    """From per-window sums (``n_all``, ``sum_all``, ``n_<key>``, ``sum_<key>``), the group's mean, the
    rest's mean and the gap, suppressed when either side has fewer than ``min_size`` pupils — the same
    rule as :func:`assessment.analytics.gap_trend`, on aggregates computed by the database."""
    n_group = np.nan_to_num(aggregates[f"n_{key}"].to_numpy(dtype=float)).astype(int)
    n_rest = np.nan_to_num(aggregates["n_all"].to_numpy(dtype=float)).astype(int) - n_group
    sum_group = np.nan_to_num(aggregates[f"sum_{key}"].to_numpy(dtype=float))
    sum_rest = np.nan_to_num(aggregates["sum_all"].to_numpy(dtype=float)) - sum_group
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
    subject (from the database's per-window sums)."""
    windows = _trend_windows(frames)
    agg = frames.attainment_trend
    headers = ["Group", "Subject"] + [w["name"] for w in windows]
    rows, export_rows = [], []
    if agg.empty or not windows:
        return Table("gap-trend", "Attainment gap over time", headers, [], headers, [])
    agg = agg.set_index(["subject_id", "window_id"]).sort_index()
    datasets = []
    for subject in frames.subjects.to_dict("records"):
        if subject["id"] not in agg.index.get_level_values(0):
            continue
        sub = agg.loc[subject["id"]].reindex([w["id"] for w in windows])
        sub[[c for c in sub.columns if c.startswith("n_")]] = sub[
            [c for c in sub.columns if c.startswith("n_")]
        ].fillna(0)
        for c in CHARACTERISTICS:
            stats = gap_trend_stats(sub, c.key)
            gaps_ = [_num(v) for v in stats["gap"]]
            row = [Cell(c.label, header=True), Cell(subject["name"])]
            for g, n in zip(gaps_, stats["n_group"], strict=True):
                row.append(Cell(g, text=_signed(g) if g is not None else "—", note=f"n={n}" if g is None else ""))
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
    pupils in view and for each group (from the database's per-window counts)."""
    windows = _trend_windows(frames)
    agg = frames.status_trend
    headers = ["Subject", "Group"] + [w["name"] for w in windows]
    rows, export_rows, datasets = [], [], []
    if agg.empty or not windows:
        return Table("trend", "On track or ahead over time", headers, [], headers, [])
    agg = agg.set_index(["subject_id", "window_id"]).sort_index()
    groups = [("all", "All pupils in view")] + [(c.key, c.label) for c in CHARACTERISTICS]
    for subject in frames.subjects.to_dict("records"):
        if subject["id"] not in agg.index.get_level_values(0):
            continue
        sub = agg.loc[subject["id"]].reindex([w["id"] for w in windows]).fillna(0)
        for key, label in groups:
            n = sub[f"n_{key}"].astype(int)
            ok = sub[f"ok_{key}"].astype(int)
            if n.sum() == 0:
                continue
            shares = [None if count < MIN_SIZE else _num(good / count * 100) for good, count in zip(ok, n, strict=True)]
            row = [Cell(subject["name"], header=True), Cell(label)]
            for share, count, w in zip(shares, n, windows, strict=True):
                drill = {"subject": int(subject["id"]), "window": int(w["id"]), "status": "ahead,on_track"}
                if key != "all":
                    drill["group"] = key
                row.append(
                    Cell(
                        share,
                        text=_pct(share) if share is not None else (f"n={count}" if count else "—"),
                        note="" if share is not None or not count else SUPPRESSED,
                        drill=drill if count else None,
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
    """Pupils stuck or well behind at the chosen window, longest first."""
    rows = _statuses_at(frames, frames.window)
    rows = rows[rows["status"].isin(CONCERN)]
    starts = dict(zip(frames.windows["id"], frames.windows["start_date"], strict=True))
    rows = rows.assign(since_start=rows["since_window_id"].map(starts))
    sort = ["since_start", "year_group"] + (["surname", "forename"] if frames.names else []) + ["pupil_id"]
    return rows.sort_values(sort, na_position="last")


def stuck_list(frames: Frames, provision: dict | None = None, limit: int | None = None) -> Table:
    """Pupils stuck or well behind, with their subject, status and since when. With names: one row per
    pupil and subject (and the provision they already have, when a provider is installed). Without names
    (a SIP): counts by subject, status and since when."""
    rows_df = concern_rows(frames)
    if frames.names:
        headers = ["Pupil", "Year group", "Subject", "Status", "Since"]
        if provision is not None:
            headers.append("Provision")
        rows, export_rows = [], []
        for r in rows_df.to_dict("records"):
            if limit is not None and len(rows) >= limit:
                break
            since = frames.window_name(r["since_window_id"])
            values = [
                r["name"],
                _year_label(r["year_group"]),
                frames.subject_name(r["subject_id"]),
                STATUS_LABELS[r["status"]],
                since,
            ]
            if provision is not None:
                values.append(provision.get(r["pupil_id"], "None recorded"))
            rows.append([Cell(values[0], header=True, pupil_id=int(r["pupil_id"])), *[Cell(v) for v in values[1:]]])
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
    for r in counts.to_dict("records"):
        values = [
            frames.subject_name(r["subject_id"]),
            STATUS_LABELS[r["status"]],
            frames.window_name(r["since_window_id"]),
            int(r["n"]),
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
        extra={"pupil_count": rows_df["pupil_id"].nunique()},
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


def drill_down(frames: Frames, drill: Drill) -> Table:
    """The pupils a figure counts, one row per pupil and subject (names only — callers never pass a SIP's
    frames here)."""
    if not frames.names:
        raise ValueError("Drill-down lists name pupils: not for aggregates-only access.")
    headers = ["Pupil", "Year group", "Subject"]
    if drill.panel == "levels":
        rows = pd.concat(
            [r for ks, _s, r, _e in _levels_frame(frames) if ks == drill.ks] or [pd.DataFrame()], ignore_index=True
        )
        if not rows.empty:
            from assessment.scales import whole_level_labels, whole_levels_array

            start = whole_levels_array(rows["start_points"], "nc")
            end = np.array(
                [whole_levels_array([p], s)[0] for p, s in zip(rows["end_points"], rows["end_scale"], strict=True)]
            )
            nc_labels = whole_level_labels("nc")
            gcse_labels = whole_level_labels("gcse_letter")
            rows = rows.assign(
                start_level=[nc_labels.get(int(v), "") for v in start],
                end_level=[
                    (gcse_labels if s == "gcse_letter" else nc_labels).get(int(v), "")
                    for v, s in zip(end, rows["end_scale"], strict=True)
                ],
                levels=analytics.levels_of_progress(rows["start_points"], rows["end_points"])
                .clip(-1, 4)
                .map(dict(zip(range(-1, 5), analytics.PROGRESS_BUCKETS, strict=True))),
            )
            # GCSE ends: recompute the bucket on the right scale.
            if (rows["end_scale"] == "gcse_letter").any():
                gcse = rows["end_scale"] == "gcse_letter"
                lop = analytics.levels_of_progress(
                    rows.loc[gcse, "start_points"], rows.loc[gcse, "end_points"], end_scale="gcse_letter"
                )
                rows.loc[gcse, "levels"] = lop.clip(-1, 4).map(
                    dict(zip(range(-1, 5), analytics.PROGRESS_BUCKETS, strict=True))
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
        rows = _gap_frame(frames)
        rows = rows.assign(status_label=rows["status"].map(STATUS_LABELS).fillna(""))
        headers += ["Points now", "Status"]
        extra_cols = ["points", "status_label"]
    else:
        rows = _statuses_at(frames, frames.window)
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
    rows, export_rows, school_ids = [], [], []
    for r in frame.to_dict("records"):
        school_ids.append(r["school_id"])
        n = int(r["n"])
        row = [
            Cell(names[r["school_id"]], header=True),
            Cell(r["subject"]),
            Cell(n, note=SUPPRESSED if n < MIN_SIZE else ""),
        ]
        export = [names[r["school_id"]], r["subject"], n]
        for s in STATUSES:
            pct = _num(r[f"pct_{s}"])
            row.append(Cell(int(r[s]), text=f"{int(r[s])}" + (f" ({_pct(pct)})" if pct is not None else "")))
            export += [int(r[s]), pct]
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
