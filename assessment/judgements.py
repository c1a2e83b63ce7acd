"""Judgements on the class grid and the pupil's assessment page: recording, changing and clearing a cell.

Grid cells use optimistic concurrency. The page sends the version of the judgement it showed (0 for an empty
cell); an edit is one ``UPDATE … SET …, version = version + 1 WHERE pk = … AND version = <expected>``. If no
row matched, a colleague changed the cell first: nothing is written and the caller gets the colleague's value,
who judged it and when, so the teacher chooses ("keep mine" re-sends with the colleague's version). A new cell
is an INSERT whose unique constraint (pupil × subject|focus × window) detects a colleague's concurrent create.

Services in the sense of the app layout (keyword-only, atomic, validating before saving); the other assessment
writes are in :mod:`assessment.services` and :mod:`assessment.importing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from pupils.models import GroupMembership, TeachingGroup
from schoolpl import events
from schoolpl.history import changed_by

from . import scales
from .models import Criterion, Focus, FocusJudgement, Judgement, Subject
from .services import CellRefused, can_record_for, scale_for

if TYPE_CHECKING:
    from schoolpl.access import SchoolAccess
    from schoolpl.models import AssessmentWindow

# --- permission and validation of a grid cell -------------------------------------------------


def check_cell(
    *,
    access: SchoolAccess,
    group: TeachingGroup,
    window: AssessmentWindow,
    subject: Subject,
    pupil_id: int,
    teaches: bool | None = None,
) -> None:
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
                changed_by(row, user)
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
            changed_by(row, user)
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
    access: SchoolAccess,
    group: TeachingGroup,
    window: AssessmentWindow,
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
    access: SchoolAccess,
    group: TeachingGroup,
    window: AssessmentWindow,
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
def focus_criteria_set(
    *, access: SchoolAccess, judgement: FocusJudgement, criterion_ids: list[int], expected_version: int
) -> CellResult:
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
    changed_by(judgement, access.user)
    judgement.criteria_met.set(valid)
    return CellResult(status="saved", pk=judgement.pk, grade=judgement.grade, version=judgement.version)


# --- a pupil's assessment page: one focus (grade and criteria met) in one save ---------------


def focus_assessment_save(
    *,
    access: SchoolAccess,
    group: TeachingGroup,
    window: AssessmentWindow,
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
        assert result.pk is not None  # a judgement with a label is stored (saved now, or unchanged)
        judgement = FocusJudgement.objects.get(pk=result.pk)
        if set(judgement.criteria_met.values_list("pk", flat=True)) != wanted:
            result = focus_criteria_set(
                access=access, judgement=judgement, criterion_ids=sorted(wanted), expected_version=judgement.version
            )
        return result
