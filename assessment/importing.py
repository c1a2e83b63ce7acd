"""Imports of assessment data: criteria statements (CSV) and transitional results (CSV, or the KS1/KS2 results
carried by Common Transfer Files). Services in the sense of the app layout: keyword-only, all or nothing,
every row checked before anything is written."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from pupils.ctf.results import SUBJECT_RESULT_COMPONENTS, read_result
from pupils.models import CtfStageResult, Pupil

from . import scales
from .models import Criterion, Focus, Subject, TransitionalResult
from .services import scale_for


def _csv_rows(text: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file as (line number, {lower-case column: stripped value}), after checking that every
    column in ``columns`` is there (a ValidationError naming the missing ones otherwise)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in headers]
    if missing:
        raise ValidationError(f"The file needs the columns {', '.join(columns)}; missing: {', '.join(missing)}.")
    return [
        (number, {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()})
        for number, raw in enumerate(reader, start=2)
    ]


# --- criteria statements ------------------------------------------------------------------------

CRITERIA_CSV_COLUMNS = ("subject", "focus", "level", "text")


def _is_level(level: str) -> bool:
    return bool(level) and (level.isdigit() and 1 <= int(level) <= 8 or level in scales.PSCALE_LABELS or level == "W")


def _criterion_row(number: int, row: dict[str, str], focuses: dict, subject_names: dict) -> tuple | str:
    """One CSV row as (focus, level, text), or the message saying what is wrong with it."""
    subject = subject_names.get(row["subject"].lower(), row["subject"].lower())
    focus = focuses.get((subject, row["focus"].lower()))
    level = row["level"].upper().removeprefix("L") if row["level"] else ""
    if focus is None:
        return f"Row {number}: no focus “{row['focus']}” in subject “{row['subject']}”."
    if not _is_level(level):
        return f"Row {number}: level “{row['level']}” should be 1–8, W or a P-scale step such as P7."
    if not row["text"]:
        return f"Row {number}: the statement is empty."
    if len(row["text"]) > 1000:
        return f"Row {number}: the statement is longer than 1,000 characters."
    return focus, level, row["text"]


@transaction.atomic
def _criteria_write(*, school, rows: list[tuple], replace: bool) -> int:
    if replace:
        Criterion.objects.filter(focus__in={f for f, _, _ in rows}).delete()
    existing = set(Criterion.objects.filter(focus__subject__school=school).values_list("focus_id", "level", "text"))
    new = []
    for order, (focus, level, statement) in enumerate(rows):
        if (focus.pk, level, statement) in existing:
            continue  # re-importing the same file changes nothing
        existing.add((focus.pk, level, statement))
        new.append(Criterion(focus=focus, level=level, text=statement, order=order))
    bulk_create_with_history(new, Criterion, batch_size=500)
    return len(new)


def criteria_import_csv(*, school, text: str, replace: bool = False) -> int:
    """Import criteria statements from CSV (columns subject, focus, level, text), all or nothing.

    Every row is checked before anything is written; any error raises ValidationError listing every bad row.
    ``replace`` first removes the existing statements of the focuses the file mentions.
    """
    lines = _csv_rows(text, CRITERIA_CSV_COLUMNS)
    focuses = {
        (f.subject.code.lower(), f.code.lower()): f
        for f in Focus.objects.filter(subject__school=school).select_related("subject")
    }
    subject_names = {f.subject.name.lower(): f.subject.code.lower() for f in focuses.values()}
    checked = [_criterion_row(number, row, focuses, subject_names) for number, row in lines]
    errors = [c for c in checked if isinstance(c, str)]
    if errors:
        raise ValidationError(errors)
    rows = [c for c in checked if not isinstance(c, str)]
    if not rows:
        raise ValidationError("The file has no rows.")
    return _criteria_write(school=school, rows=rows, replace=replace)


# --- transitional (end of key stage) results --------------------------------------------------

CTF_SUBJECTS = {"REA": "reading", "WRI": "writing", "MAT": "maths", "SCI": "science"}
KEY_STAGES = {"KS1", "KS2", "KS3", "KS4"}


#: What the transitional-results page and the import reports say of a post-2014 result on an NC subject.
OWN_SCALE_NOTE = "baseline on the 2016+ scale: no NC-level trajectory"


@dataclass
class TransitionImport:
    created: int = 0
    updated: int = 0
    unmapped: list[str] = field(default_factory=list)  # results stored without points, and why
    skipped: list[str] = field(default_factory=list)
    own_scale: list[str] = field(default_factory=list)  # post-2014 results with points on a scale of their own


def result_scale_points(
    subject: Subject, key_stage: str, year: int | None, method: str, grade: str
) -> tuple[str, float | None, str]:
    """The ``(scale code, points, why not)`` of a result: on the subject's scale when it is a grade of it (a
    level), else on its own post-2014 scale (a scaled score, a TA code); else ``("", None, why)``, where ``why``
    says what is wrong (an unknown code, a scaled score out of range) or what a status code means."""
    grade = grade.strip()
    own = scale_for(subject)
    if own.contains(grade):
        return subject.scale_code, own.points(grade), ""
    reading = read_result(key_stage, grade, subject=subject.code, method=method, year=year)
    if reading.framework is not None and reading.label is not None:
        return reading.framework, scales.BUILTIN_SCALES[reading.framework].points(reading.label), ""
    if reading.kind == "status":
        return "", None, f"{reading.label} means {reading.message}: no attainment to give points"
    if reading.kind == "problem":
        return "", None, reading.message
    return "", None, f"{grade} is not on the {own.name} scale"


def result_problem(subject: Subject, key_stage: str, year: int | None, method: str, grade: str) -> str | None:
    """Why a result entered by hand cannot be taken (an unknown code, a scaled score out of range, a level not
    on the subject's scale), or None: it has points, or it is a status such as A (kept without points)."""
    _, points, why = result_scale_points(subject, key_stage, year, method, grade)
    if points is not None or read_result(key_stage, grade, subject=subject.code, method=method, year=year).kind in (
        "status",
        "other",
    ):
        return None
    return why


def transitional_result_save(
    *,
    school,
    pupil: Pupil,
    subject: Subject,
    key_stage: str,
    year: int,
    method: str,
    grade: str,
    source: str,
    user=None,
) -> tuple[TransitionalResult, bool]:
    """Create or update one result with its scale and points (:func:`result_scale_points`): a level on the
    subject's scale, a post-2014 result (EXS, a scaled score) on its own scale; anything else is kept with no
    scale and points None."""
    if pupil.school_id != school.pk or subject.school_id != school.pk:
        raise ValidationError("That pupil or subject is not in this school.")
    if key_stage not in KEY_STAGES:
        raise ValidationError("Key stage must be KS1, KS2, KS3 or KS4.")
    if method not in TransitionalResult.Method.values:
        raise ValidationError("Method must be TT (test) or TA (teacher assessment).")
    scale_code, points, _ = result_scale_points(subject, key_stage, year, method, grade)
    if points is not None and scale_code in scales.POST2014_SCALES:
        grade = scales.BUILTIN_SCALES[scale_code].label_for(points)  # as the DfE writes it: "exs" → "EXS"
    row, created = TransitionalResult.objects.update_or_create(
        pupil=pupil,
        subject=subject,
        key_stage=key_stage,
        method=method,
        defaults={
            "school": school,
            "year": year,
            "grade": grade.strip(),
            "points": points,
            "scale": scale_code,
            "source": source,
            "recorded_by": user,
        },
    )
    return row, created


@transaction.atomic
def transitional_results_from_ctf(*, school, user=None, pupil_ids: list[int] | None = None) -> TransitionImport:
    """Turn KS1/KS2 results carried by Common Transfer Files into transitional results (baselines)."""
    subjects = {s.code: s for s in Subject.objects.filter(school=school)}
    rows = CtfStageResult.objects.filter(pupil__school=school, stage__in=["KS1", "KS2"]).select_related("pupil")
    if pupil_ids is not None:
        rows = rows.filter(pupil_id__in=pupil_ids)
    report = TransitionImport()
    for ctf in rows.order_by("pupil_id", "stage", "subject"):
        code = CTF_SUBJECTS.get(ctf.subject.upper())
        subject = subjects.get(code or "")
        method = ctf.method.upper() if ctf.method.upper() in TransitionalResult.Method.values else ""
        if subject is None or not method or not ctf.result.strip():
            report.skipped.append(f"{ctf.pupil.display_name}: {ctf.stage} {ctf.subject} {ctf.method} {ctf.result}")
            continue
        if ctf.component.upper() not in SUBJECT_RESULT_COMPONENTS:
            continue  # a sub-component (paper marks): the subject result is elsewhere in the file
        year = int(ctf.year) if ctf.year.isdigit() else timezone.localdate().year
        row, created = transitional_result_save(
            school=school,
            pupil=ctf.pupil,
            subject=subject,
            key_stage=ctf.stage,
            year=year,
            method=method,
            grade=ctf.result,
            source=TransitionalResult.Source.CTF,
            user=user,
        )
        report.created += created
        report.updated += not created
        _note(report, row, subject, f"{ctf.pupil.display_name}: {ctf.stage} {subject.name} {ctf.method}")
    return report


def _note(report: TransitionImport, row: TransitionalResult, subject: Subject, where: str) -> None:
    """Add a saved result to the report when it has no points (and why) or its points are on a scale of its own
    (a post-2014 result: kept and shown, but it cannot start a trajectory on the subject's scale)."""
    if row.points is None:
        why = result_scale_points(subject, row.key_stage, row.year, row.method, row.grade)[2]
        report.unmapped.append(f"{where} “{row.grade}”: {why}; kept without points.")
    elif not scales.same_line(row.scale, subject.scale_code):
        on = f"{row.points:g} on the {row.scale_name} scale" if row.scale_name else f"{row.points:g} points"
        report.own_scale.append(f"{where} {row.grade} ({on}): {OWN_SCALE_NOTE}.")


TRANSITION_CSV_COLUMNS = ("upn", "subject", "key_stage", "year", "method", "result")


def _transition_row_problems(row: dict[str, str], pupil: Pupil | None, subject: Subject | None) -> list[str]:
    problems = []
    if pupil is None:
        problems.append("no pupil with that UPN")
    if subject is None:
        problems.append(f"no subject “{row['subject']}”")
    if row["key_stage"].upper() not in KEY_STAGES:
        problems.append("key stage should be KS1–KS4")
    if not row["year"].isdigit():
        problems.append("year should be a number such as 2022")
    if row["method"].upper() not in TransitionalResult.Method.values:
        problems.append("method should be TT or TA")
    if not row["result"]:
        problems.append("the result is empty")
    return problems


@transaction.atomic
def _transition_rows_save(*, school, parsed: list[tuple], user) -> TransitionImport:
    report = TransitionImport()
    for pupil, subject, row in parsed:
        result, created = transitional_result_save(
            school=school,
            pupil=pupil,
            subject=subject,
            key_stage=row["key_stage"].upper(),
            year=int(row["year"]),
            method=row["method"].upper(),
            grade=row["result"],
            source=TransitionalResult.Source.CSV,
            user=user,
        )
        report.created += created
        report.updated += not created
        _note(report, result, subject, f"Row for {row['upn']}: {row['key_stage'].upper()} {subject.name}")
    return report


def transitional_results_import_csv(*, school, text: str, user=None) -> TransitionImport:
    """Import transitional results from CSV (upn, subject, key_stage, year, method, result), all or nothing."""
    lines = _csv_rows(text, TRANSITION_CSV_COLUMNS)
    pupils = {p.upn.upper(): p for p in Pupil.objects.filter(school=school)}
    subjects = {s.code.lower(): s for s in Subject.objects.filter(school=school)}
    subjects |= {s.name.lower(): s for s in subjects.values()}
    errors, parsed = [], []
    for number, row in lines:
        pupil = pupils.get(row["upn"].upper())
        subject = subjects.get(row["subject"].lower())
        if problems := _transition_row_problems(row, pupil, subject):
            errors.append(f"Row {number}: {'; '.join(problems)}.")
        else:
            parsed.append((pupil, subject, row))
    if errors:
        raise ValidationError(errors)
    return _transition_rows_save(school=school, parsed=parsed, user=user)
