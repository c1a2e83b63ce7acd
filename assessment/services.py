"""Writes to assessment data other than judgements and imports: scales, criteria statements, day-to-day objectives.
Keyword-only, atomic, validating before saving.

Judgements (the grid's cells, with their optimistic concurrency) are recorded by :mod:`assessment.judgements`;
CSV and CTF imports are in :mod:`assessment.importing`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pupils.models import GroupMembership, TeachingGroup
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
)

if TYPE_CHECKING:
    from schoolpl.access import SchoolAccess
    from schoolpl.models import School


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
def school_scale_save(*, school: School, code: str, name: str, steps: list[tuple[str, float]]) -> SchoolScale:
    """Create or replace a school's own scale, e.g. working towards / expected / greater depth."""
    try:
        scales.custom_scale(code, name, steps)  # validates order, labels and points
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    row, _ = SchoolScale.objects.update_or_create(
        school=school, code=code, defaults={"name": name, "steps": [[label, points] for label, points in steps]}
    )
    return row


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
def school_scale_update(*, school: School, code: str, name: str, steps: list[tuple[str, float]]) -> SchoolScale:
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
def subject_scale_set(*, school: School, subject: Subject, scale_code: str) -> Subject:
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


# --- who may record for a group --------------------------------------------------------------------


def can_record_for(access: SchoolAccess, group: TeachingGroup) -> bool:
    """Leaders and admins record for every group; teachers for the groups they teach."""
    if access is None or group.school_id != access.school.pk:
        return False
    if access.can(Cap.RECORD_ASSESSMENT_ALL):
        return True
    if access.can(Cap.RECORD_ASSESSMENT_OWN):
        return group.teacher_links.filter(user=access.user).exists()
    return False


# --- criteria statements ---------------------------------------------------------------------


@transaction.atomic
def criterion_save(*, focus: Focus, level: str, text: str, criterion: Criterion | None = None) -> Criterion:
    criterion = criterion or Criterion(focus=focus)
    criterion.focus, criterion.level, criterion.text = focus, level.strip().upper(), text.strip()
    criterion.full_clean()
    criterion.save()
    return criterion


# --- day-to-day assessment --------------------------------------------------------------------


@transaction.atomic
def objective_create(
    *,
    access: SchoolAccess,
    group: TeachingGroup,
    title: str,
    taught_on: dt.date,
    criteria: list[str],
    focus: Focus | None = None,
) -> LearningObjective:
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
def criterion_record_save(
    *,
    access: SchoolAccess,
    objective: LearningObjective,
    criterion_id: int,
    pupil_id: int,
    by: str,
    rating: str | int | None,
) -> CriterionRecord | None:
    """Record a self-, peer- or teacher rating (1–3) against a success criterion; an empty rating removes it."""
    if not can_record_for(access, objective.group):
        raise CellRefused("You can record only for groups you teach.")
    if by not in CriterionRecord.By.values:
        raise CellRefused("Choose self, peer or teacher.")
    if not SuccessCriterion.objects.filter(pk=criterion_id, objective=objective).exists():
        raise CellRefused("That success criterion is not part of this objective.")
    if not GroupMembership.objects.current().filter(group=objective.group, pupil_id=pupil_id).exists():
        raise CellRefused(f"That pupil is not currently a member of {objective.group.name}.")
    key: dict[str, Any] = {"criterion_id": criterion_id, "pupil_id": pupil_id, "by": by}
    if rating is None or rating == "":
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
