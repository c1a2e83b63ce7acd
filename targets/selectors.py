"""Reads for the targets app: whole-school tables as pandas frames for the set-based jobs, and the
scoped lists the pages, panels and digest show.

Frames: on PostgreSQL a query is streamed with ``COPY (SELECT …) TO STDOUT WITH (FORMAT binary)`` straight
into numpy (several times faster than ``fetchall`` for millions of rows); elsewhere (SQLite in development
and tests) it is fetched through the cursor. Either way the caller gets the same columns and dtypes.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def run_copy(sql: str, stream) -> None:
    """Run a ``COPY … TO STDOUT`` / ``FROM STDIN`` with ``stream`` on the default connection, logged like any
    query: it counts in ``django_assert_max_num_queries`` and the debug toolbar as what it is, one statement."""
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(sql, stream)
    finally:
        if connection.queries_logged:
            connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def in_clause(column: str, values: Sequence[int] | None) -> tuple[str, list]:
    """``AND column IN (…)`` for an optional list of ids (``ANY`` on PostgreSQL)."""
    if values is None:
        return "", []
    values = [int(v) for v in values]
    if not values:
        return " AND 1 = 0", []
    if is_postgres():
        return f" AND {column} = ANY(%s)", [values]
    return f" AND {column} IN ({', '.join(['%s'] * len(values))})", values


# PostgreSQL's binary COPY format: a fixed header, then per row a field count and, per field, a length and the
# big-endian value; for fixed-width, non-null columns every row has the same layout, so numpy reads or writes a
# whole table in one step instead of formatting and parsing text (several times faster than CSV both ways).
_PGCOPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_PGCOPY_HEADER = _PGCOPY_SIGNATURE + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_PGCOPY_TRAILER = (-1).to_bytes(2, "big", signed=True)
#: column kind → (PostgreSQL type, big-endian numpy type, native numpy type)
BINARY_KINDS = {
    "int2": ("smallint", ">i2", np.int16),
    "int4": ("integer", ">i4", np.int32),
    "int8": ("bigint", ">i8", np.int64),
    "float8": ("double precision", ">f8", np.float64),
    "bool": ("boolean", "?", np.bool_),
    "timestamptz": ("timestamptz", ">i8", np.int64),  # microseconds since 2000-01-01 UTC
    "date": ("date", ">i4", "datetime64[s]"),  # days since 2000-01-01, read as datetime64
}
_PG_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")
_PG_EPOCH_DAYS = int(np.datetime64("2000-01-01", "D").astype(np.int64))


def _row_dtype(fields: Sequence[tuple[str, str]]) -> np.dtype:
    layout = [("_n", ">i2")]
    for name, big in fields:
        layout.append((f"_len_{name}", ">i4"))
        if big != "S0":  # an empty string is a length and no bytes
            layout.append((name, big))
    return np.dtype(layout)


def read_binary_frame(sql: str, params: Sequence, columns: dict[str, str]) -> pd.DataFrame:
    """Run ``sql`` and return its rows as a DataFrame, for numeric columns only: ``columns`` maps each output
    column, in order, to a kind of :data:`BINARY_KINDS` (the query's values are cast to it; NULLs are not
    allowed — coalesce them in the query). PostgreSQL streams binary COPY straight into numpy; elsewhere the
    rows are fetched through the cursor."""
    names = list(columns)
    if not is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            rows = cursor.fetchall()
        if not rows:
            return empty_frame(columns)
        frame = pd.DataFrame.from_records(rows, columns=names)
        for n, k in columns.items():
            values = pd.to_datetime(frame[n]) if k == "date" else frame[n]
            frame[n] = values.to_numpy().astype(BINARY_KINDS[k][2])
        return frame
    with connection.cursor() as cursor:
        query = cursor.cursor.mogrify(sql, list(params)).decode()
    casts = ", ".join(f"q.{n}::{BINARY_KINDS[k][0]}" for n, k in columns.items())
    buffer = io.BytesIO()
    run_copy(f"COPY (SELECT {casts} FROM ({query}) q) TO STDOUT WITH (FORMAT binary)", buffer)  # noqa: S608 - mogrified
    return parse_binary(buffer.getvalue(), columns)


def parse_binary(data: bytes, columns: dict[str, str]) -> pd.DataFrame:
    """A binary COPY stream of fixed-width, non-null ``columns`` as a DataFrame (ValueError otherwise)."""
    names = list(columns)
    if not data.startswith(_PGCOPY_SIGNATURE):
        raise ValueError("not a PostgreSQL binary COPY stream")
    start = 19 + int.from_bytes(data[15:19], "big")
    dtype = _row_dtype([(n, BINARY_KINDS[k][1]) for n, k in columns.items()])
    body = len(data) - start - len(_PGCOPY_TRAILER)
    if body % dtype.itemsize:
        raise ValueError(f"binary COPY: rows are not {dtype.itemsize} bytes wide (a NULL in {', '.join(names)}?)")
    rows = np.frombuffer(data, dtype=dtype, count=body // dtype.itemsize, offset=start)
    for n, k in columns.items():
        if len(rows) and (rows[f"_len_{n}"] != np.dtype(BINARY_KINDS[k][1]).itemsize).any():
            raise ValueError(f"binary COPY: column {n} has NULLs")
    return pd.DataFrame({n: _native(rows[n], k) for n, k in columns.items()})


def _native(values: np.ndarray, kind: str) -> np.ndarray:
    if kind == "date":
        return (values.astype(np.int64) + _PG_EPOCH_DAYS).astype("datetime64[D]").astype("datetime64[s]")
    return values.astype(BINARY_KINDS[kind][2])


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """No rows, with ``columns`` (name → a kind of :data:`BINARY_KINDS`) typed as read_binary_frame types them."""
    return pd.DataFrame({n: np.array([], dtype=BINARY_KINDS[k][2]) for n, k in columns.items()})


def write_binary(frame: pd.DataFrame, columns: dict[str, str]) -> io.BytesIO:
    """``frame``'s ``columns`` (name → a kind of :data:`BINARY_KINDS`, or ``"text"``) as a binary COPY stream
    for ``COPY … FROM STDIN WITH (FORMAT binary)``. Text columns make rows of different widths, so rows are
    written in runs of equal width (row order is not kept across runs — a table has no order). Timestamps are
    given as ``datetime64`` values."""
    text = [n for n, k in columns.items() if k == "text"]
    encoded, widths = {}, pd.DataFrame(index=range(len(frame)))
    for n in text:  # a few distinct values (statuses, codes): each is encoded once, then taken by its code
        codes, uniques = pd.factorize(frame[n].astype(str), use_na_sentinel=False)
        values = np.array([u.encode("utf-8") for u in uniques], dtype=object)
        encoded[n] = values[codes]
        widths[n] = np.array([len(v) for v in values], dtype=np.int64)[codes]
    groups = widths.groupby(text, sort=False).indices.items() if text else [((), np.arange(len(frame)))]
    chunks = [_PGCOPY_HEADER]
    for key, positions in groups:
        key = key if isinstance(key, tuple) else (key,)
        width = dict(zip(text, key, strict=True))
        fields = [(n, f"S{width[n]}" if k == "text" else BINARY_KINDS[k][1]) for n, k in columns.items()]
        dtype = _row_dtype(fields)
        rows = np.empty(len(positions), dtype=dtype)
        rows["_n"] = len(columns)
        for n, k in columns.items():
            rows[f"_len_{n}"] = width[n] if k == "text" else np.dtype(BINARY_KINDS[k][1]).itemsize
            if k == "text":
                if width[n]:
                    rows[n] = encoded[n][positions]
            elif k == "timestamptz":
                values = frame[n].to_numpy(dtype="datetime64[us]")[positions]
                rows[n] = (values - _PG_EPOCH).astype(np.int64)
            else:
                rows[n] = frame[n].to_numpy()[positions]
        chunks.append(rows.tobytes())
    chunks.append(_PGCOPY_TRAILER)
    return io.BytesIO(b"".join(chunks))


# ------------------------------------------------------------------------------------------------
# Scoped lists for pages, panels and the digest
# ------------------------------------------------------------------------------------------------

OFF_TRAJECTORY = ("behind", "stuck", "well_behind")


def _severity_order():
    from django.db.models import Case, IntegerField, Value, When

    from . import trajectory

    return Case(
        *(When(status=s, then=Value(rank)) for s, rank in trajectory.SEVERITY.items()),
        output_field=IntegerField(),
    )


def off_trajectory_for(access):
    """Latest statuses that are behind, stuck or well behind, for pupils on roll this user may see by
    name; most severe first. Three tables joined in one query."""
    from pupils.models import Pupil

    from .models import ProgressStatus

    if access is None or not access.sees_pupil_names:
        return ProgressStatus.objects.none()
    return (
        ProgressStatus.objects.filter(
            school=access.school,
            is_latest=True,
            status__in=OFF_TRAJECTORY,
            pupil__in=Pupil.objects.visible_to(access).on_roll().values("pk"),
        )
        .select_related("pupil", "subject", "window", "since_window")
        .annotate(severity=_severity_order())
        .order_by("-severity", "pupil__legal_surname", "pupil__legal_forename", "subject__order")
    )


def progress_for(access, *, status: str = "", subject_id=None, group_id=None):
    """Latest ProgressStatus rows the user may see (filterable), for the API and lists."""
    from pupils.models import Pupil

    from .models import ProgressStatus

    if access is None or not access.sees_pupil_names:
        return ProgressStatus.objects.none()
    pupils = Pupil.objects.visible_to(access)
    qs = ProgressStatus.objects.filter(school=access.school, pupil__in=pupils.values("pk"))
    if status:
        qs = qs.filter(status=status)
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    if group_id:
        from pupils.models import TeachingGroup

        group = TeachingGroup.objects.visible_to(access).filter(pk=group_id).first()
        qs = qs.filter(pupil__in=pupils.in_group(group).values("pk")) if group else qs.none()
    return qs


def grade_label(points, scale) -> str:
    """Points read as a grade of the scale ("4b"), the step at or below; the points where no grade fits."""
    if points is None or (isinstance(points, float) and math.isnan(points)):
        return ""
    if scale is not None:
        try:
            return scale.label_for(float(points))
        except ValueError:
            pass
    return f"{float(points):g}"


def label_targets(targets, school_id: int) -> None:
    """Give each PupilTarget (subject selected) ``target_grade``, ``baseline_grade`` and ``proposed_grade``
    read on its subject's scale, for display. One query (the school's own scales)."""
    from assessment.models import SchoolScale
    from assessment.services import CellRefused, scale_for

    own = {row.code: row.as_scale() for row in SchoolScale.objects.filter(school_id=school_id)}
    for t in targets:
        try:
            scale = scale_for(t.subject, own)
        except CellRefused:
            scale = None
        t.target_grade = grade_label(t.target_points, scale)
        t.baseline_grade = grade_label(t.baseline_points, scale)
        t.proposed_grade = grade_label(t.proposed_points, scale)


def pupil_trajectories(pupil) -> list[dict]:
    """For the pupil profile: per subject with a target, the expected-progress line at every window (the
    line flags use: baseline + the school's expected rate), the actual points, the target, and the status
    history, and where the latest judgement stands against the age-related expectation. Six queries
    whatever the number of subjects (targets, windows, the school's AREs, rate, judgements, statuses)."""
    from django.utils import timezone

    from assessment.models import Judgement
    from schoolpl.demo import academic_year_start
    from schoolpl.models import AssessmentWindow

    from . import pscale, trajectory
    from .models import ProgressStatus, PupilTarget, TargetSettings

    targets = list(
        PupilTarget.objects.filter(pupil=pupil, status__in=["proposed", "active"])
        .select_related("subject")
        .order_by("subject__order", "subject__name")
    )
    if not targets:
        return []
    windows = list(
        AssessmentWindow.objects.filter(school_id=pupil.school_id)
        .select_related("academic_year")
        .order_by("end_date", "start_date", "pk")
    )
    overrides = are_overrides(pupil.school_id)
    this_year_start = academic_year_start(timezone.localdate())
    window_of = {w.pk: w for w in windows}
    settings_row = TargetSettings.objects.filter(school_id=pupil.school_id).first() or TargetSettings()
    rate = settings_row.expected_points_per_year
    try:
        p_policy = settings_row.pscale_policy()  # P-scale pupils: the line the recompute draws for them
    except ValueError:
        p_policy = pscale.DEFAULT_PSCALE_POLICY
    wframe = pd.DataFrame(
        {
            "window_id": [w.pk for w in windows],
            "end_date": [w.end_date for w in windows],
            "ordinal": range(len(windows)),
        }
    )
    actual: dict[tuple[int, int], float] = {
        (s, w): p for s, w, p in Judgement.objects.filter(pupil=pupil).values_list("subject_id", "window_id", "points")
    }
    statuses: dict[int, list] = {}
    for st in ProgressStatus.objects.filter(pupil=pupil).order_by("window__end_date", "window_id"):
        statuses.setdefault(st.subject_id, []).append(st)
    name_of = {w.pk: w.name for w in windows}
    out = []
    for target in targets:
        plan_rate, step_rule = pscale.plan_line(p_policy, target.baseline_points, rate, target.subject.scale_code)
        line = (
            trajectory.trajectory_points(
                {
                    "baseline_points": target.baseline_points,
                    "baseline_date": target.baseline_date,
                    "points_per_year": plan_rate,
                },
                wframe,
                step_rule,
            )
            if windows
            else pd.DataFrame(columns=["window_id", "expected"])
        )
        rows = []
        for window_id, expected in zip(line["window_id"], line["expected"], strict=True):
            points = actual.get((target.subject_id, int(window_id)))
            line_at = None if np.isnan(expected) else round(float(expected), 1)  # no line before the baseline
            rows.append({"window": name_of[int(window_id)], "expected": line_at, "actual": points})
        history = [
            {
                "window": name_of.get(st.window_id, ""),
                "status": st.status,
                "label": st.get_status_display(),
                "expected": st.expected,
                "actual": st.actual,
                "since": name_of.get(st.since_window_id, ""),
            }
            for st in statuses.get(target.subject_id, [])
        ]
        chart = {
            "type": "line",
            "data": {
                "labels": [r["window"] for r in rows],
                "datasets": [
                    {
                        "label": "Expected",
                        "data": [r["expected"] for r in rows],
                        "borderDash": [6, 4],
                        "pointRadius": 0,
                    },
                    {"label": "Actual", "data": [r["actual"] for r in rows], "showLine": False, "pointRadius": 5},
                    {
                        "label": "Target",
                        "data": [target.target_points for _ in rows],
                        "pointRadius": 0,
                        "borderWidth": 1,
                    },
                ],
            },
            "options": {"scales": {"y": {"title": {"display": True, "text": "Points"}}}},
        }
        label_at = {h["window"]: h["label"] for h in history}
        table = [{**r, "label": label_at.get(r["window"], "")} for r in rows]
        last = statuses.get(target.subject_id, [])[-1:]
        are = (
            are_band_for(
                pupil, target.subject_id, window_of.get(last[0].window_id), last[0].actual, overrides, this_year_start
            )
            if last
            else None
        )
        if are is not None:
            are["window"] = name_of.get(last[0].window_id, "")
        out.append(
            {
                "target": target,
                "are": are,
                "rows": rows,
                "table": table,
                "history": history,
                "chart": chart,
                "chart_id": f"chart-{target.pk}",
                "latest": history[-1] if history else None,
            }
        )
    return out


def shared_weaknesses(group, window, subject) -> list[dict]:
    """Assessment focuses where many pupils of ``group`` are weaker than their overall judgement.

    Uses ``assessment.selectors.shared_weaknesses`` when the assessment app provides it; otherwise compares
    each pupil's focus judgement with their overall judgement in the window (a focus at least a sub-level
    below the overall level is a weakness). Returns focus, count, share, pupils (most shared first)."""
    try:
        from assessment import selectors as assessment_selectors

        provided = getattr(assessment_selectors, "shared_weaknesses", None)
    except ImportError:
        provided = None
    if provided is not None:
        return [
            {"focus": w.focus, "count": w.count, "share": w.share, "pupils": list(w.pupils)}
            if not isinstance(w, dict)
            else w
            for w in provided(group, window, subject)
        ]
    from assessment.models import Focus, FocusJudgement, Judgement
    from pupils.models import Pupil

    pupils = {p.pk: p for p in Pupil.objects.in_group(group).on_roll()}
    if not pupils:
        return []
    overall = dict(
        Judgement.objects.filter(pupil_id__in=list(pupils), subject=subject, window=window).values_list(
            "pupil_id", "points"
        )
    )
    weak: dict[int, list] = {}
    for pupil_id, focus_id, points in FocusJudgement.objects.filter(
        pupil_id__in=list(pupils), subject=subject, window=window
    ).values_list("pupil_id", "focus_id", "points"):
        if pupil_id in overall and points <= overall[pupil_id] - 2:
            weak.setdefault(focus_id, []).append(pupils[pupil_id])
    focuses = Focus.objects.in_bulk(list(weak))
    rows = [
        {
            "focus": focuses[f],
            "count": len(ps),
            "share": len(ps) / len(pupils),
            "pupils": sorted(ps, key=lambda p: p.display_name),
        }
        for f, ps in weak.items()
        if f in focuses
    ]
    return sorted(rows, key=lambda r: (-r["count"], r["focus"].order))


def are_overrides(school_id: int) -> dict[tuple[int, int, int | None], float]:
    """The school's own age-related expectations, keyed for ``expectations.expectation_for``. One query."""
    from .models import AgeRelatedExpectation

    return {
        (y, t, s): p
        for y, t, s, p in AgeRelatedExpectation.objects.filter(school_id=school_id).values_list(
            "year_group", "term", "subject_id", "points"
        )
    }


def are_band_for(pupil, subject_id, window, points, overrides, this_year_start: int) -> dict | None:
    """The pupil's band against the school's ARE at ``window`` (its ``academic_year`` loaded): a dict with
    band, label, are points, year group and term; None without points."""
    from . import expectations

    if points is None or window is None:
        return None
    year = window.academic_year
    year_group, term, are = expectations.expectation_at_window(
        year_group_now=pupil.year_group,
        this_year_start=this_year_start,
        window_end=window.end_date,
        year_start=year.start_date,
        year_end=year.end_date,
        subject_id=subject_id,
        overrides=overrides,
    )
    band = expectations.are_band(points, are)
    return {"band": band, "label": expectations.BAND_LABELS[band], "are": are, "year_group": year_group, "term": term}


def are_table(school_id: int) -> dict:
    """For the settings page: the ARE for all subjects by year group (Reception to Year 11) and term, each
    marked as the school's own or the default, and the school's own rows (to remove). Two queries."""
    from pupils import codes

    from . import expectations
    from .models import AgeRelatedExpectation

    own = list(AgeRelatedExpectation.objects.filter(school_id=school_id).select_related("subject"))
    overrides = {(r.year_group, r.term, r.subject_id): r.points for r in own}
    rows = []
    for year in range(0, 12):
        cells = []
        for term in expectations.TERMS:
            points = expectations.expectation_for(year, term, None, overrides)
            cells.append({"points": points, "own": (year, term, None) in overrides})
        rows.append({"year": year, "label": codes.year_group_label(year), "cells": cells})
    return {"rows": rows, "own": own, "terms": [label for _, label in expectations.TERM_CHOICES]}


def flag_rule_explained(settings_obj) -> dict:
    """The school's flag rule in words, with a worked example computed from its settings on the NC scale
    (baseline 2b in July 2022, judged in July 2026) — for the target settings page."""
    import datetime as dt

    from assessment.scales import NC_FULL

    from . import trajectory

    t = settings_obj.thresholds()
    rate = float(settings_obj.expected_points_per_year)
    start, end = dt.date(2022, 7, 1), dt.date(2026, 7, 1)
    line = trajectory.expected_points(15.0, start, rate, end)
    line_step = NC_FULL.step_at_or_below(line)

    def example(points: float) -> dict:
        gap = points - line
        return {
            "grade": NC_FULL.label_for(points),
            "points": points,
            "gap": gap,
            "status": trajectory.LABELS[trajectory.gap_status(gap, t)],
        }

    behind = NC_FULL.step_at_or_below(line - t.behind_by).points
    well = NC_FULL.step_at_or_below(line - t.well_behind_by).points
    return {
        "thresholds": t,
        "rate": rate,
        "line": line,
        "line_grade": line_step.label,
        "examples": [example(float(line_step.points)), example(float(behind)), example(float(well))],
    }
