"""Reads for the targets app: whole-school tables as pandas frames for the set-based jobs (target proposals
and the recompute), and the scoped lists the pages, panels and digest show.

Frames are read with :func:`schoolpl.pgcopy.read_binary_frame`: binary COPY straight into numpy on PostgreSQL,
the cursor elsewhere, the same columns and dtypes either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from assessment import selectors as assessment_selectors
from assessment.models import Judgement, SchoolScale
from assessment.scales import NC_FULL, grade_label
from assessment.services import CellRefused, scale_for
from pupils import codes
from pupils.models import Pupil, TeachingGroup
from schoolpl.calendar import academic_year_start
from schoolpl.models import AssessmentWindow
from schoolpl.pgcopy import is_postgres, read_binary_frame

from . import expectations, explain, pscale, trajectory
from .models import AgeRelatedExpectation, ProgressStatus, PupilTarget, TargetSettings

if TYPE_CHECKING:
    from assessment.models import Subject
    from schoolpl.access import SchoolAccess


def in_clause(column: str, values: Collection[int] | None) -> tuple[str, list]:
    """``AND column IN (…)`` for an optional list (or array) of ids (``ANY`` on PostgreSQL)."""
    if values is None:
        return "", []
    ids = [int(v) for v in values]
    if not ids:
        return " AND 1 = 0", []
    if is_postgres():
        return f" AND {column} = ANY(%s)", [ids]
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", ids


# ------------------------------------------------------------------------------------------------
# Whole-school frames for the set-based jobs
# ------------------------------------------------------------------------------------------------


def windows_frame(school_ids: Sequence[int]) -> pd.DataFrame:
    """Every window of the schools, ordered school by school and by date within a school (``ordinal``), so
    that "k windows back" (stuck) never reaches into another school's windows."""
    rows = list(
        AssessmentWindow.objects.filter(school_id__in=school_ids)
        .order_by("school_id", "end_date", "start_date", "pk")
        .values_list("pk", "school_id", "end_date")
    )
    frame = pd.DataFrame(rows, columns=["window_id", "school_id", "end_date"])
    frame["ordinal"] = np.arange(len(frame))
    return frame


def judgement_frame(school_ids: Sequence[int], pupil_ids: Collection[int] | None) -> pd.DataFrame:
    """Every overall judgement of the schools (or of ``pupil_ids``): pupil_id, subject_id, window_id, points."""
    school_in, school_params = in_clause("school_id", school_ids)
    where, params = in_clause("pupil_id", pupil_ids)
    return read_binary_frame(  # a missing mark is NaN: the classifier counts it as no judgement
        f"SELECT pupil_id, subject_id, window_id, COALESCE(points, 'NaN') AS points "  # noqa: S608
        f"FROM {Judgement._meta.db_table} WHERE TRUE{school_in}{where}",
        [*school_params, *params],
        {"pupil_id": "int8", "subject_id": "int8", "window_id": "int8", "points": "float8"},
    )


# ------------------------------------------------------------------------------------------------
# Scoped lists for pages, panels and the digest
# ------------------------------------------------------------------------------------------------

OFF_TRAJECTORY = ("behind", "stuck", "well_behind")


def _severity_order() -> Case:

    return Case(
        *(When(status=s, then=Value(rank)) for s, rank in trajectory.SEVERITY.items()),
        output_field=IntegerField(),
    )


def off_trajectory_for(access: SchoolAccess | None) -> QuerySet[ProgressStatus]:
    """Latest statuses that are behind, stuck or well behind, for pupils on roll this user may see by
    name; most severe first. Three tables joined in one query."""

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


def progress_for(
    access: SchoolAccess | None, *, status: str = "", subject_id: int | None = None, group_id: int | None = None
) -> QuerySet[ProgressStatus]:
    """Latest ProgressStatus rows the user may see (filterable), for the API and lists."""

    if access is None or not access.sees_pupil_names:
        return ProgressStatus.objects.none()
    pupils = Pupil.objects.visible_to(access)
    qs = ProgressStatus.objects.filter(school=access.school, pupil__in=pupils.values("pk"))
    if status:
        qs = qs.filter(status=status)
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    if group_id:
        group = TeachingGroup.objects.visible_to(access).filter(pk=group_id).first()
        qs = qs.filter(pupil__in=pupils.in_group(group).values("pk")) if group else qs.none()
    return qs


def label_targets(targets: Iterable[PupilTarget], school_id: int) -> None:
    """Give each PupilTarget (subject selected) ``target_grade``, ``baseline_grade`` and ``proposed_grade``
    read on its subject's scale, for display. One query (the school's own scales)."""

    own = {row.code: row.as_scale() for row in SchoolScale.objects.filter(school_id=school_id)}
    for t in targets:
        try:
            scale = scale_for(t.subject, own)
        except CellRefused:
            scale = None
        t.target_grade = grade_label(t.target_points, scale)
        t.baseline_grade = grade_label(t.baseline_points, scale)
        t.proposed_grade = grade_label(t.proposed_points, scale)


def pupil_trajectories(pupil: Pupil) -> list[dict]:
    """For the pupil profile: per subject with a target, the expected-progress line at every window (the
    line flags use: baseline + the school's expected rate), the actual points, the target, and the status
    history, and where the latest judgement stands against the age-related expectation. Six queries
    whatever the number of subjects (targets, windows, the school's AREs, rate, judgements, statuses)."""

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
        rows = _line_rows(target, plan_rate, wframe, actual, name_of, step_rule)
        subject_statuses = statuses.get(target.subject_id, [])
        history = [_history_row(st, name_of) for st in subject_statuses]
        label_at = {h["window"]: h["label"] for h in history}
        are = None
        if subject_statuses:
            last = subject_statuses[-1]
            are = are_band_for(
                pupil, target.subject_id, window_of.get(last.window_id), last.actual, overrides, this_year_start
            )
            if are is not None:
                are["window"] = name_of.get(last.window_id, "")
        out.append(
            {
                "target": target,
                "are": are,
                "rows": rows,
                "table": [{**r, "label": label_at.get(r["window"], "")} for r in rows],
                "history": history,
                "chart": _trajectory_chart(rows, target.target_points),
                "chart_id": f"chart-{target.pk}",
                "latest": history[-1] if history else None,
                "why": explain.explain_latest(subject_statuses, name_of, explain.scale_of(target.subject)),
            }
        )
    return out


def _line_rows(
    target: PupilTarget,
    rate: float,
    wframe: pd.DataFrame,
    actual: dict,
    name_of: dict,
    step_rule: trajectory.StepRule | None = None,
) -> list[dict]:
    """Per window: its name, the expected-progress line (None before the baseline) and the actual points.
    ``step_rule``: a P-scale pupil's line is drawn on the P-scale ladder (``targets.pscale``)."""
    if wframe.empty:
        return []
    line = trajectory.trajectory_points(
        {"baseline_points": target.baseline_points, "baseline_date": target.baseline_date, "points_per_year": rate},
        wframe,
        step_rule,
    )
    rows = []
    for window_id, expected in zip(line["window_id"], line["expected"], strict=True):
        points = actual.get((target.subject_id, int(window_id)))
        line_at = None if np.isnan(expected) else round(float(expected), 1)  # no line before the baseline
        rows.append({"window": name_of[int(window_id)], "expected": line_at, "actual": points})
    return rows


def _history_row(status: ProgressStatus, name_of: dict) -> dict:
    return {
        "window": name_of.get(status.window_id, ""),
        "status": status.status,
        "label": status.get_status_display(),
        "expected": status.expected,
        "actual": status.actual,
        "since": name_of.get(status.since_window_id, ""),
    }


def _trajectory_chart(rows: list[dict], target_points: float) -> dict:
    """The Chart.js configuration of a pupil's expected line, actual points and target in one subject."""
    return {
        "type": "line",
        "data": {
            "labels": [r["window"] for r in rows],
            "datasets": [
                {"label": "Expected", "data": [r["expected"] for r in rows], "borderDash": [6, 4], "pointRadius": 0},
                {"label": "Actual", "data": [r["actual"] for r in rows], "showLine": False, "pointRadius": 5},
                {"label": "Target", "data": [target_points for _ in rows], "pointRadius": 0, "borderWidth": 1},
            ],
        },
        "options": {"scales": {"y": {"title": {"display": True, "text": "Points"}}}},
    }


def shared_weaknesses(group: TeachingGroup, window: AssessmentWindow, subject: Subject) -> list[dict]:
    """Assessment focuses where many pupils of ``group`` sit below their own overall judgement (most widespread
    first), from ``assessment.selectors.shared_weaknesses``, as dicts: focus, count, share, pupils."""
    return [
        {"focus": w.focus, "count": w.count, "share": w.share, "pupils": list(w.pupils)}
        for w in assessment_selectors.shared_weaknesses(group, window, subject)
    ]


def are_overrides(school_id: int) -> dict[tuple[int, int, int | None], float]:
    """The school's own age-related expectations, keyed for ``expectations.expectation_for``. One query."""
    return {
        (y, t, s): p
        for y, t, s, p in AgeRelatedExpectation.objects.filter(school_id=school_id).values_list(
            "year_group", "term", "subject_id", "points"
        )
    }


def are_band_for(
    pupil: Pupil,
    subject_id: int,
    window: AssessmentWindow | None,
    points: float | None,
    overrides: Mapping[tuple[int, int, int | None], float],
    this_year_start: int,
) -> dict | None:
    """The pupil's band against the school's ARE at ``window`` (its ``academic_year`` loaded): a dict with
    band, label, are points, year group and term; None without points."""

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


def flag_rule_explained(settings_obj: TargetSettings) -> dict:
    """The school's flag rule in words, with a worked example computed from its settings on the NC scale
    (baseline 2b in July 2022, judged in July 2026) — for the target settings page."""

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
