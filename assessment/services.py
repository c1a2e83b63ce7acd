"""Every write to assessment data: keyword-only, atomic, validating before saving.

Grid cells use optimistic concurrency. The page sends the version of the judgement it showed (0 for an empty
cell); an edit is one ``UPDATE … SET …, version = version + 1 WHERE pk = … AND version = <expected>``. If no
row matched, a colleague changed the cell first: nothing is written and the caller gets the colleague's value,
who judged it and when, so the teacher chooses ("keep mine" re-sends with the colleague's version). A new cell
is an INSERT whose unique constraint (pupil × subject|focus × window) detects a colleague's concurrent create.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from pupils.models import CtfStageResult, GroupMembership, Pupil, TeachingGroup
from schoolpl import events
from schoolpl.roles import Cap

from . import scales
from .models import (
    Criterion,
    CriterionRecord,
    Focus,
    FocusJudgement,
    Judgement,
    LearningObjective,
    SchoolScale,
    Subject,
    SuccessCriterion,
    TransitionalResult,
)


class CellRefused(ValidationError):
    """A judgement that may not be saved (wrong scale, closed window, pupil not in the group, no right)."""


# --- scales ------------------------------------------------------------------------------------


def scale_for(subject: Subject, school_scales: dict[str, scales.Scale] | None = None) -> scales.Scale:
    """The scale a subject is judged on: a built-in one, or the school's own (assessment without levels)."""
    if subject.scale_code in scales.BUILTIN_SCALES:
        return scales.BUILTIN_SCALES[subject.scale_code]
    if school_scales is not None and subject.scale_code in school_scales:
        return school_scales[subject.scale_code]
    row = SchoolScale.objects.filter(school_id=subject.school_id, code=subject.scale_code).first()
    if row is None:
        raise CellRefused(f"{subject.name} is set to a scale ({subject.scale_code}) the school has not defined.")
    return row.as_scale()


@transaction.atomic
def school_scale_save(*, school, code: str, name: str, steps: list[tuple[str, float]]) -> SchoolScale:
    """Create or replace a school's own scale, e.g. working towards / expected / greater depth."""
    try:
        scales.custom_scale(code, name, steps)  # validates order, labels and points
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    row, _ = SchoolScale.objects.update_or_create(
        school=school, code=code, defaults={"name": name, "steps": [[label, points] for label, points in steps]}
    )
    return row


# --- permission and validation of a grid cell -------------------------------------------------


def can_record_for(access, group: TeachingGroup) -> bool:
    """Leaders and admins record for every group; teachers for the groups they teach."""
    if access is None or group.school_id != access.school.pk:
        return False
    if access.can(Cap.RECORD_ASSESSMENT_ALL):
        return True
    if access.can(Cap.RECORD_ASSESSMENT_OWN):
        return group.teacher_links.filter(user=access.user).exists()
    return False


def check_cell(*, access, group: TeachingGroup, window, subject: Subject, pupil_id: int, teaches: bool | None = None):
    """Refuse a cell that may not be written, with a message a teacher understands. Saves nothing."""
    school_id = access.school.pk
    if group.school_id != school_id or window.school_id != school_id or subject.school_id != school_id:
        raise CellRefused("That group, window or subject is not in this school.")
    if not (teaches if teaches is not None else can_record_for(access, group)):
        raise CellRefused("You can record judgements only for groups you teach.")
    if not window.is_open:
        raise CellRefused(f"{window.name} is closed: judgements can no longer be recorded or changed.")
    if subject.group_subject != group.subject:
        raise CellRefused(f"{subject.name} is not assessed in {group.name} ({group.get_subject_display()}).")
    if not (
        GroupMembership.objects.current()
        .filter(group=group, pupil_id=pupil_id, pupil__archived_at__isnull=True)
        .exists()
    ):
        raise CellRefused(f"That pupil is not currently a member of {group.name}.")


def parse_grade(subject: Subject, grade: str, scale: scales.Scale | None = None) -> scales.Grade:
    scale = scale or scale_for(subject)
    try:
        return scale.parse(grade)
    except scales.UnknownGrade:
        examples = ", ".join(scale.labels()[-12:-6]) if len(scale.labels()) > 12 else ", ".join(scale.labels())
        raise CellRefused(
            f"“{grade.strip()}” is not a grade on the {scale.name} scale used for {subject.name} "
            f"(for example {examples})."
        ) from None


# --- recording a cell --------------------------------------------------------------------------


@dataclass
class CellResult:
    """What happened to one cell. ``status``: saved, cleared, unchanged or conflict."""

    status: str
    pk: int | None = None
    grade: str = ""
    points: float | None = None
    version: int = 0
    judged_by_name: str = ""
    judged_at: datetime | None = None
    attempted: str = ""  # on a conflict: the value the user tried to save
    extra: dict = field(default_factory=dict)

    @property
    def conflict(self) -> bool:
        return self.status == "conflict"


def _current(model, **key) -> CellResult:
    row = model.objects.filter(**key).select_related("judged_by").first()
    if row is None:
        return CellResult(status="conflict")
    who = row.judged_by
    return CellResult(
        status="conflict",
        pk=row.pk,
        grade=row.grade,
        points=row.points,
        version=row.version,
        judged_by_name=(who.get_full_name() or who.username) if who else "someone",
        judged_at=row.judged_at,
    )


def _record(*, model, access, key: dict, grade: str, subject: Subject, expected_version: int) -> CellResult:
    """Insert, update (versioned) or clear one cell; publish ``judgements_changed`` on any change."""
    user = access.user
    now = timezone.now()
    cleaned = grade.strip()
    parsed = parse_grade(subject, cleaned) if cleaned else None
    school_id = access.school.pk
    with transaction.atomic():
        if parsed is None:  # an emptied cell removes the judgement, if the user saw the current one
            if expected_version == 0:
                return CellResult(status="unchanged")
            rows = list(model.objects.select_for_update().filter(**key, version=expected_version))
            if not rows:
                result = _current(model, **key)
                result.attempted = ""
                return result
            for row in rows:
                row._history_user = user
                row.delete()
            status = CellResult(status="cleared")
        elif expected_version == 0:
            row = model(
                school_id=school_id,
                grade=parsed.label,
                points=parsed.points,
                judged_by=user,
                judged_at=now,
                version=1,
                **key,
            )
            row._history_user = user
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                result = _current(model, **key)
                result.attempted = parsed.label
                return result
            status = CellResult(status="saved", pk=row.pk, grade=row.grade, points=row.points, version=1, judged_at=now)
        else:
            updated = model.objects.filter(**key, version=expected_version).update(
                grade=parsed.label, points=parsed.points, judged_by=user, judged_at=now, version=F("version") + 1
            )
            if updated != 1:
                result = _current(model, **key)
                result.attempted = parsed.label
                return result
            pk = model.objects.filter(**key).values_list("pk", flat=True).first()
            snapshot = model(
                pk=pk,
                school_id=school_id,
                grade=parsed.label,
                points=parsed.points,
                judged_by=user,
                judged_at=now,
                version=expected_version + 1,
                **key,
            )
            model.history.bulk_history_create([snapshot], update=True, default_user=user, default_date=now)
            status = CellResult(
                status="saved",
                pk=pk,
                grade=parsed.label,
                points=parsed.points,
                version=expected_version + 1,
                judged_at=now,
            )
        events.publish("judgements_changed", school_id=school_id, pupil_ids=[key["pupil_id"]], subject_ids=[subject.pk])
    status.judged_by_name = user.get_full_name() or user.username
    return status


def judgement_record(
    *,
    access,
    group: TeachingGroup,
    window,
    subject: Subject,
    pupil_id: int,
    grade: str,
    expected_version: int,
    teaches: bool | None = None,
) -> CellResult:
    """Record (or change, or clear) a pupil's overall judgement in a subject for a window."""
    check_cell(access=access, group=group, window=window, subject=subject, pupil_id=pupil_id, teaches=teaches)
    key = {"pupil_id": pupil_id, "subject_id": subject.pk, "window_id": window.pk}
    return _record(
        model=Judgement, access=access, key=key, grade=grade, subject=subject, expected_version=expected_version
    )


def focus_judgement_record(
    *,
    access,
    group: TeachingGroup,
    window,
    focus: Focus,
    pupil_id: int,
    grade: str,
    expected_version: int,
    teaches: bool | None = None,
) -> CellResult:
    """Record (or change, or clear) a pupil's judgement for one assessment focus in a window."""
    subject = focus.subject
    check_cell(access=access, group=group, window=window, subject=subject, pupil_id=pupil_id, teaches=teaches)
    key = {"pupil_id": pupil_id, "focus_id": focus.pk, "window_id": window.pk, "subject_id": subject.pk}
    return _record(
        model=FocusJudgement, access=access, key=key, grade=grade, subject=subject, expected_version=expected_version
    )


@transaction.atomic
def focus_criteria_set(*, access, judgement: FocusJudgement, criterion_ids: list[int], expected_version: int):
    """Mark which criteria statements the teacher judged as met, with the same version check as the grade."""
    valid = set(
        Criterion.objects.filter(focus_id=judgement.focus_id, pk__in=criterion_ids).values_list("pk", flat=True)
    )
    if len(valid) != len(set(criterion_ids)):
        raise CellRefused("Some of those criteria do not belong to this assessment focus.")
    updated = FocusJudgement.objects.filter(pk=judgement.pk, version=expected_version).update(
        version=F("version") + 1, judged_by=access.user, judged_at=timezone.now()
    )
    if updated != 1:
        return _current(FocusJudgement, pk=judgement.pk)
    judgement.refresh_from_db()
    judgement._history_user = access.user
    judgement.criteria_met.set(valid)
    return CellResult(status="saved", pk=judgement.pk, grade=judgement.grade, version=judgement.version)


# --- criteria: editing and CSV import ---------------------------------------------------------

CRITERIA_CSV_COLUMNS = ("subject", "focus", "level", "text")


def criteria_import_csv(*, school, text: str, replace: bool = False) -> int:
    """Import criteria statements from CSV (columns subject, focus, level, text), all or nothing.

    Every row is checked before anything is written; any error raises ValidationError listing every bad row.
    ``replace`` first removes the existing statements of the focuses the file mentions.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CRITERIA_CSV_COLUMNS if c not in headers]
    if missing:
        raise ValidationError(
            f"The file needs the columns {', '.join(CRITERIA_CSV_COLUMNS)}; missing: {', '.join(missing)}."
        )
    focuses = {
        (f.subject.code.lower(), f.code.lower()): f
        for f in Focus.objects.filter(subject__school=school).select_related("subject")
    }
    subject_names = {f.subject.name.lower(): f.subject.code.lower() for f in focuses.values()}
    errors, rows = [], []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        subject = subject_names.get(row["subject"].lower(), row["subject"].lower())
        focus = focuses.get((subject, row["focus"].lower()))
        level = row["level"].upper().removeprefix("L") if row["level"] else ""
        if focus is None:
            errors.append(f"Row {number}: no focus “{row['focus']}” in subject “{row['subject']}”.")
            continue
        if not level or not (level.isdigit() and 1 <= int(level) <= 8 or level in scales.PSCALE_LABELS or level == "W"):
            errors.append(f"Row {number}: level “{row['level']}” should be 1–8, W or a P-scale step such as P7.")
            continue
        if not row["text"]:
            errors.append(f"Row {number}: the statement is empty.")
            continue
        if len(row["text"]) > 1000:
            errors.append(f"Row {number}: the statement is longer than 1,000 characters.")
            continue
        rows.append((focus, level, row["text"]))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError("The file has no rows.")
    with transaction.atomic():
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


@transaction.atomic
def criterion_save(*, focus: Focus, level: str, text: str, criterion: Criterion | None = None) -> Criterion:
    criterion = criterion or Criterion(focus=focus)
    criterion.focus, criterion.level, criterion.text = focus, level.strip().upper(), text.strip()
    criterion.full_clean()
    criterion.save()
    return criterion


# --- transitional (end of key stage) results --------------------------------------------------

CTF_SUBJECTS = {"REA": "reading", "WRI": "writing", "MAT": "maths", "SCI": "science"}


@dataclass
class TransitionImport:
    created: int = 0
    updated: int = 0
    unmapped: list[str] = field(default_factory=list)  # results stored without points, and why
    skipped: list[str] = field(default_factory=list)


def _result_points(subject: Subject, grade: str, scale: scales.Scale) -> float | None:
    try:
        return scale.parse(grade).points
    except scales.UnknownGrade:
        return None


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
    """Create or update one result. Points come from the subject's scale; a result the scale does not know
    (a post-2014 code such as EXS, a scaled score) is kept with points None."""
    if pupil.school_id != school.pk or subject.school_id != school.pk:
        raise ValidationError("That pupil or subject is not in this school.")
    if key_stage not in {"KS1", "KS2", "KS3", "KS4"}:
        raise ValidationError("Key stage must be KS1, KS2, KS3 or KS4.")
    if method not in TransitionalResult.Method.values:
        raise ValidationError("Method must be TT (test) or TA (teacher assessment).")
    points = _result_points(subject, grade.strip(), scale_for(subject))
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
        if ctf.component.upper() not in {"", "TA", "TT", "LEVEL", "SCALED", "RESULT"}:
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
        if created:
            report.created += 1
        else:
            report.updated += 1
        if row.points is None:
            report.unmapped.append(
                f"{ctf.pupil.display_name}: {ctf.stage} {subject.name} {ctf.result} is not on the "
                f"{scale_for(subject).name} scale, so it is kept without points."
            )
    return report


TRANSITION_CSV_COLUMNS = ("upn", "subject", "key_stage", "year", "method", "result")


def transitional_results_import_csv(*, school, text: str, user=None) -> TransitionImport:
    """Import transitional results from CSV (upn, subject, key_stage, year, method, result), all or nothing."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in TRANSITION_CSV_COLUMNS if c not in headers]
    if missing:
        raise ValidationError(
            f"The file needs the columns {', '.join(TRANSITION_CSV_COLUMNS)}; missing: {', '.join(missing)}."
        )
    pupils = {p.upn.upper(): p for p in Pupil.objects.filter(school=school)}
    subjects = {s.code.lower(): s for s in Subject.objects.filter(school=school)}
    subjects |= {s.name.lower(): s for s in subjects.values()}
    errors, parsed = [], []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        pupil = pupils.get(row["upn"].upper())
        subject = subjects.get(row["subject"].lower())
        problems = []
        if pupil is None:
            problems.append("no pupil with that UPN")
        if subject is None:
            problems.append(f"no subject “{row['subject']}”")
        if row["key_stage"].upper() not in {"KS1", "KS2", "KS3", "KS4"}:
            problems.append("key stage should be KS1–KS4")
        if not row["year"].isdigit():
            problems.append("year should be a number such as 2022")
        if row["method"].upper() not in TransitionalResult.Method.values:
            problems.append("method should be TT or TA")
        if not row["result"]:
            problems.append("the result is empty")
        if problems:
            errors.append(f"Row {number}: {'; '.join(problems)}.")
        else:
            parsed.append((pupil, subject, row))
    if errors:
        raise ValidationError(errors)
    report = TransitionImport()
    with transaction.atomic():
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
            if result.points is None:
                report.unmapped.append(f"Row for {row['upn']}: {row['result']} has no points on the subject's scale.")
    return report


# --- day-to-day assessment --------------------------------------------------------------------


@transaction.atomic
def objective_create(*, access, group: TeachingGroup, title: str, taught_on, criteria: list[str], focus=None):
    if not can_record_for(access, group):
        raise CellRefused("You can add objectives only for groups you teach.")
    texts = [c.strip() for c in criteria if c.strip()]
    if not texts:
        raise ValidationError("Add at least one success criterion.")
    objective = LearningObjective.objects.create(
        school_id=group.school_id,
        group=group,
        title=title.strip(),
        taught_on=taught_on,
        focus=focus,
        created_by=access.user,
    )
    SuccessCriterion.objects.bulk_create(
        [SuccessCriterion(objective=objective, text=t, order=i) for i, t in enumerate(texts)]
    )
    return objective


@transaction.atomic
def criterion_record_save(*, access, objective: LearningObjective, criterion_id: int, pupil_id: int, by: str, rating):
    """Record a self-, peer- or teacher rating (1–3) against a success criterion; an empty rating removes it."""
    if not can_record_for(access, objective.group):
        raise CellRefused("You can record only for groups you teach.")
    if by not in CriterionRecord.By.values:
        raise CellRefused("Choose self, peer or teacher.")
    if not SuccessCriterion.objects.filter(pk=criterion_id, objective=objective).exists():
        raise CellRefused("That success criterion is not part of this objective.")
    if not GroupMembership.objects.current().filter(group=objective.group, pupil_id=pupil_id).exists():
        raise CellRefused(f"That pupil is not currently a member of {objective.group.name}.")
    key = {"criterion_id": criterion_id, "pupil_id": pupil_id, "by": by}
    if rating in (None, ""):
        CriterionRecord.objects.filter(**key).delete()
        return None
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if value not in (1, 2, 3):
        raise CellRefused("Ratings are 1 (not yet), 2 (getting there) or 3 (got it).")
    record, _ = CriterionRecord.objects.update_or_create(**key, defaults={"rating": value, "recorded_by": access.user})
    return record


# --- a pupil's assessment page: one focus (grade and criteria met) in one save ---------------


def focus_assessment_save(
    *,
    access,
    group: TeachingGroup,
    window,
    focus: Focus,
    pupil_id: int,
    grade: str,
    criterion_ids: list[int],
    expected_version: int,
    teaches: bool | None = None,
) -> CellResult:
    """Save a focus judgement and the criteria marked as met, with one version check for both.

    The grade goes through :func:`focus_judgement_record` only if it changed; the criteria through
    :func:`focus_criteria_set` only if they changed. Both are audited. A conflict at either step writes nothing
    more and returns the colleague's value. Criteria cannot be marked met without a judgement for the focus.
    """
    subject = focus.subject
    check_cell(access=access, group=group, window=window, subject=subject, pupil_id=pupil_id, teaches=teaches)
    wanted = set(criterion_ids)
    with transaction.atomic():
        current = FocusJudgement.objects.filter(pupil_id=pupil_id, focus=focus, window=window).first()
        current_version = current.version if current else 0
        if current_version != expected_version:
            result = _current(FocusJudgement, pupil_id=pupil_id, focus=focus, window=window)
            result.attempted = grade.strip()
            return result
        cleaned = grade.strip()
        new_label = parse_grade(subject, cleaned).label if cleaned else ""
        result = CellResult(status="unchanged", pk=current.pk if current else None, version=current_version)
        if new_label != (current.grade if current else ""):
            result = focus_judgement_record(
                access=access, group=group, window=window, focus=focus, pupil_id=pupil_id, grade=new_label,
                expected_version=expected_version, teaches=True,
            )  # fmt: skip
            if result.conflict or result.status == "cleared":
                if result.status == "cleared" and wanted:
                    raise CellRefused("Criteria can be marked as met only with a judgement for the focus.")
                return result
        if not new_label:
            if wanted:
                raise CellRefused("Record a judgement for this focus before marking criteria as met.")
            return result
        judgement = FocusJudgement.objects.get(pk=result.pk)
        if set(judgement.criteria_met.values_list("pk", flat=True)) != wanted:
            result = focus_criteria_set(
                access=access, judgement=judgement, criterion_ids=sorted(wanted), expected_version=judgement.version
            )
        return result


def _grades_off_scale(subject_ids: list[int], scale: scales.Scale) -> list[str]:
    """The grades already recorded for these subjects that ``scale`` does not give the same points."""
    recorded = set(
        Judgement.objects.filter(subject_id__in=subject_ids)
        .values_list("grade", "points")
        .distinct()
        .union(FocusJudgement.objects.filter(subject_id__in=subject_ids).values_list("grade", "points").distinct())
    )
    off = []
    for grade, points in sorted(recorded, key=lambda gp: gp[1]):
        try:
            if scale.parse(grade).points != points:
                off.append(grade)
        except scales.UnknownGrade:
            off.append(grade)
    return off


@transaction.atomic
def school_scale_update(*, school, code: str, name: str, steps: list[tuple[str, float]]) -> SchoolScale:
    """:func:`school_scale_save`, refusing a change that would leave recorded judgements off the scale."""
    try:
        scale = scales.custom_scale(code, name, steps)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    using = list(Subject.objects.filter(school=school, scale_code=code).values_list("pk", flat=True))
    off = _grades_off_scale(using, scale) if using else []
    if off:
        raise ValidationError(
            f"Judgements already recorded on this scale would lose their meaning: {', '.join(off[:10])} "
            "would no longer be on it with the same points. Keep those steps and points, or make a new scale."
        )
    return school_scale_save(school=school, code=code, name=name, steps=steps)


@transaction.atomic
def subject_scale_set(*, school, subject: Subject, scale_code: str) -> Subject:
    """Judge ``subject`` on another scale (built-in or the school's own).

    Refused if a judgement already recorded in the subject is not on the new scale with the same points:
    its points would otherwise silently mean something else.
    """
    if subject.school_id != school.pk:
        raise ValidationError("That subject is not in this school.")
    if scale_code == subject.scale_code:
        return subject
    if scale_code in scales.BUILTIN_SCALES:
        scale = scales.BUILTIN_SCALES[scale_code]
    else:
        row = SchoolScale.objects.filter(school=school, code=scale_code).first()
        if row is None:
            raise ValidationError(f"There is no scale “{scale_code}”.")
        scale = row.as_scale()
    off = _grades_off_scale([subject.pk], scale)
    if off:
        raise ValidationError(
            f"{subject.name} already has judgements that are not on the {scale.name} scale with the same points "
            f"({', '.join(off[:10])}), so its scale cannot change."
        )
    subject.scale_code = scale_code
    subject.save(update_fields=["scale_code"])
    return subject
