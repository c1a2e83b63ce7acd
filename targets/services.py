"""Every write in the targets app except the recompute: keyword-only, atomic, validating before saving.

The school's target settings and age-related expectations; numeric pupil targets (proposed with the school's
ambition policy, accepted or adjusted); curricular targets in their layers (school → year → class → group →
pupil) and their reviews; in-app notifications. ProgressStatus — whether each pupil is on their expected
line — is kept by the recompute in :mod:`targets.recompute`, which a change here triggers through an event
or the outbox.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessment.models import Focus, SchoolScale, Subject
from assessment.scales import Scale
from assessment.services import CellRefused, scale_for
from pupils.models import GroupMembership, Pupil, TeachingGroupTeacher
from schoolpl import events
from schoolpl.calendar import academic_year_start
from schoolpl.outbox import enqueue

from . import ambition
from .models import (
    AgeRelatedExpectation,
    CurricularTarget,
    Notification,
    PupilTarget,
    TargetReview,
    TargetSettings,
)
from .proposals import ProposalResult, baselines, history_frame, save_proposals
from .selectors import judgement_frame, windows_frame

if TYPE_CHECKING:
    from pupils.models import TeachingGroup
    from schoolpl.models import School, User

LEVEL_ORDER = [c for c, _ in CurricularTarget.Level.choices]  # school → year → class → group → pupil
TERM_ORDER = [c for c, _ in CurricularTarget.Term.choices]  # long → medium → short

# ------------------------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------------------------


def target_settings_for(school: School) -> TargetSettings:
    settings_obj, _ = TargetSettings.objects.get_or_create(school=school)
    return settings_obj


def policy_for(settings_obj: TargetSettings) -> ambition.AmbitionPolicy:
    return ambition.AmbitionPolicy(
        kind=settings_obj.policy,
        expected_points_per_year=settings_obj.expected_points_per_year,
        stretch_points=settings_obj.stretch_points,
        percentile=float(settings_obj.percentile),
        min_history=settings_obj.min_history,
    )


@transaction.atomic
def target_settings_update(*, school: School, by: User | None = None, **fields: Any) -> TargetSettings:
    """Change a school's ambition policy and thresholds; validated by the pure modules, then every
    trajectory of the school is recomputed (after commit). The row is locked for the change, so two leaders
    saving at once each see the other's saved values rather than a copy read before the save."""
    settings_obj, _ = TargetSettings.objects.select_for_update().get_or_create(school=school)
    for name, value in fields.items():
        setattr(settings_obj, name, value)
    try:
        settings_obj.thresholds()
        settings_obj.pscale_policy()
        policy_for(settings_obj)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    settings_obj.full_clean()
    settings_obj.save()
    enqueue("targets.tasks.recompute_school", dedupe_key=f"targets.recompute_school:{school.pk}", school_id=school.pk)
    return settings_obj


# ------------------------------------------------------------------------------------------------
# Age-related expectations
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def are_set(
    *, school: School, year_group: int, term: int, subject: Subject | None = None, points: float, by: User | None = None
) -> AgeRelatedExpectation:
    """Set the school's own ARE for a year group at a term, in one subject or (``subject=None``) in all;
    replaces the one already set for that key. Audited by simple-history."""
    if subject is not None and subject.school_id != school.pk:
        raise ValidationError("That subject belongs to another school.")
    row = AgeRelatedExpectation.objects.filter(
        school=school, year_group=year_group, term=term, subject=subject
    ).first() or AgeRelatedExpectation(school=school, year_group=year_group, term=term, subject=subject)
    row.points = points
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def are_remove(*, school: School, pk: int, by: User | None = None) -> None:
    """Remove one of the school's own AREs, so the default line applies again."""
    AgeRelatedExpectation.objects.filter(school=school, pk=pk).delete()


# ------------------------------------------------------------------------------------------------
# Numeric targets
# ------------------------------------------------------------------------------------------------

# The final year group of each key stage (Reception and KS1 → end of Year 2, KS2 → Year 6 …).
_KEY_STAGE_END = [(2, 2), (6, 6), (9, 9), (11, 11), (13, 13)]


def key_stage_end_year(year_group: int) -> int:
    for last_year_of_stage, end in _KEY_STAGE_END:
        if year_group <= last_year_of_stage:
            return end
    return year_group


def target_date_for(year_group: int, today: dt.date, horizon: str = "key_stage") -> dt.date:
    """Mid-July of the summer the pupil finishes the key stage (or this school year)."""
    end_year = key_stage_end_year(year_group) if horizon == "key_stage" else year_group
    return dt.date(academic_year_start(today) + 1 + (end_year - year_group), 7, 15)


def _subject_scales(school: School, subject_ids: Iterable[int]) -> dict[int, Scale | None]:
    """subject id -> its scale (None where the school's own scale is missing)."""
    own = {row.code: row.as_scale() for row in SchoolScale.objects.filter(school=school)}
    out: dict[int, Scale | None] = {}
    for subject in Subject.objects.filter(school=school, pk__in=list(subject_ids)):
        try:
            out[subject.pk] = scale_for(subject, own)
        except CellRefused:
            out[subject.pk] = None
    return out


def target_on_step(points: float, scale: Scale | None) -> float:
    """A target lands on a step of the subject's scale: the step at or below (27.12 -> 27 = 4b)."""
    if scale is None or not math.isfinite(points):
        return points
    return float(scale.step_at_or_below(points).points)


def _land_on_steps(points: np.ndarray, subject_ids: pd.Series, school: School) -> np.ndarray:
    scales_of = _subject_scales(school, pd.unique(subject_ids))
    return np.array(
        [target_on_step(float(p), scales_of.get(int(s))) for p, s in zip(points, subject_ids, strict=True)],
        dtype=float,
    )


@transaction.atomic
def target_propose(
    *,
    school: School,
    pupil_ids: Iterable[int] | None = None,
    subject_ids: Iterable[int] | None = None,
    horizon: str = "key_stage",
    by: User | None = None,
    today: dt.date | None = None,
) -> ProposalResult:
    """Propose long-term numeric targets with the school's ambition policy, for every pupil on roll × subject
    (or those given). Vectorised: one call of ``ambition.propose_targets`` for the whole set.

    Baseline: the pupil's latest end-of-key-stage result with points (KS1/KS2 …, dated mid-July of its
    year), else their earliest judgement in the subject. A pupil × subject with an active (accepted)
    target keeps it; an earlier unaccepted proposal is refreshed."""
    if horizon not in ("key_stage", "year"):
        raise ValidationError("The horizon is the end of the key stage or of the year.")
    today = today or timezone.localdate()
    settings_obj = target_settings_for(school)
    policy = policy_for(settings_obj)
    pupils_qs = Pupil.objects.filter(school=school, archived_at__isnull=True)
    if pupil_ids is not None:
        pupils_qs = pupils_qs.filter(pk__in=list(pupil_ids))
    year_of = dict(pupils_qs.values_list("pk", "year_group"))
    subjects_qs = Subject.objects.filter(school=school)
    if subject_ids is not None:
        subjects_qs = subjects_qs.filter(pk__in=list(subject_ids))
    subject_list = list(subjects_qs.values_list("pk", flat=True))
    result = ProposalResult()
    if not year_of or not subject_list:
        return result

    windows = windows_frame([school.pk])
    judgements = judgement_frame([school.pk], None)  # the whole school: it is also the history
    judgements = judgements[judgements["subject_id"].isin(subject_list)]
    history = history_frame(judgements, windows)
    grid = baselines(school, year_of, subject_list, judgements, windows)
    grid["target_date"] = pd.to_datetime(
        pd.Series([target_date_for(year_of[p], today, horizon) for p in grid["pupil_id"]])
    )
    grid["subject"] = grid["subject_id"]
    proposals = ambition.propose_targets(grid, policy, history)
    grid["proposed_points"] = _land_on_steps(proposals["proposed_points"].to_numpy(), grid["subject_id"], school)
    grid["basis"] = proposals["basis"].to_numpy()

    changed_pupils = save_proposals(school, grid, list(year_of), subject_list, by, result)
    if changed_pupils:
        events.publish(
            "targets_changed", school_id=school.pk, pupil_ids=sorted(changed_pupils), subject_ids=subject_list
        )
    return result


@transaction.atomic
def target_accept(*, target: PupilTarget, by: User | None = None) -> PupilTarget:
    """Accept the proposal as it stands (the proposal itself is kept in ``proposed_points``)."""
    target.status = PupilTarget.Status.ACTIVE
    target.set_by = by
    target.save()
    events.publish(
        "targets_changed", school_id=target.school_id, pupil_ids=[target.pupil_id], subject_ids=[target.subject_id]
    )
    return target


@transaction.atomic
def target_adjust(
    *, target: PupilTarget, target_points: float, target_date: dt.date | None = None, by: User | None = None
) -> PupilTarget:
    """Set a different target (and optionally date); ``proposed_points`` keeps what the policy proposed."""
    if target_points is None or not math.isfinite(float(target_points)):
        raise ValidationError({"target_points": "Enter the target in points."})
    if float(target_points) < target.baseline_points:
        raise ValidationError({"target_points": "A target cannot be below the pupil's baseline."})
    target_points = target_on_step(
        float(target_points), _subject_scales(target.school, [target.subject_id]).get(target.subject_id)
    )
    target_date = target_date or target.target_date
    if target_date <= target.baseline_date:
        raise ValidationError({"target_date": "The target date must be after the baseline date."})
    target.target_points = float(target_points)
    target.target_date = target_date
    target.status = PupilTarget.Status.ACTIVE
    target.set_by = by
    target.save()
    events.publish(
        "targets_changed", school_id=target.school_id, pupil_ids=[target.pupil_id], subject_ids=[target.subject_id]
    )
    return target


# ------------------------------------------------------------------------------------------------
# Curricular targets
# ------------------------------------------------------------------------------------------------


def _check_level_fields(target: CurricularTarget, group_pupils: Sequence[Pupil]) -> None:
    level = target.level
    errors = {}
    if level == CurricularTarget.Level.YEAR and target.year_group is None:
        errors["year_group"] = "A year-group target needs its year group."
    if level == CurricularTarget.Level.CLASS and target.teaching_group_id is None:
        errors["teaching_group"] = "A class target needs its class."
    if level == CurricularTarget.Level.GROUP and not group_pupils:
        errors["group_pupils"] = "A group target needs the pupils in the group."
    if level == CurricularTarget.Level.PUPIL and target.pupil_id is None:
        errors["pupil"] = "A pupil target needs its pupil."
    if level != CurricularTarget.Level.PUPIL and (target.pupil_words or target.agreed_with_pupil):
        errors["pupil_words"] = "Only a pupil target records the pupil's own words."
    if errors:
        raise ValidationError(errors)


def _check_in_year(target: CurricularTarget, year: int) -> None:
    """The target's class and pupil (if any) are in ``year``, the year group of the target above."""
    group = target.teaching_group if target.teaching_group_id else None
    if group is not None and group.year_group not in (None, year):
        raise ValidationError({"teaching_group": "That class is not in the year group of the target above."})
    pupil = target.pupil if target.pupil_id else None
    if pupil is not None and pupil.year_group != year:
        raise ValidationError({"pupil": "That pupil is not in the year group of the target above."})


def _check_parent(target: CurricularTarget, parent: CurricularTarget, group_pupil_ids: set[int]) -> None:
    if parent.school_id != target.school_id:
        raise ValidationError("A target can only be derived from a target of the same school.")
    if LEVEL_ORDER.index(target.level) <= LEVEL_ORDER.index(parent.level):
        raise ValidationError(
            {
                "level": f"A target derived from a {parent.get_level_display().lower()} target "
                "must be at a narrower level."
            }
        )
    if TERM_ORDER.index(target.term) < TERM_ORDER.index(parent.term):
        raise ValidationError({"term": "A derived target cannot be longer-term than the one it comes from."})
    if parent.subject_id and target.subject_id and parent.subject_id != target.subject_id:
        raise ValidationError({"subject": "A derived target is in the same subject as the one it comes from."})
    # The narrower target must sit inside the wider one.
    if parent.year_group is not None:
        _check_in_year(target, parent.year_group)
    if parent.level == CurricularTarget.Level.CLASS and parent.teaching_group_id:
        members = set(
            GroupMembership.objects.current()
            .filter(group_id=parent.teaching_group_id)
            .values_list("pupil_id", flat=True)
        )
        outside = ({target.pupil_id} if target.pupil_id else set()) | group_pupil_ids
        if outside - members:
            raise ValidationError("Every pupil must be in the class of the target above.")
    if (
        parent.level == CurricularTarget.Level.GROUP
        and target.pupil_id
        and not parent.group_pupils.filter(pk=target.pupil_id).exists()
    ):
        raise ValidationError({"pupil": "That pupil is not in the group of the target above."})


def _inherited(
    parent: CurricularTarget | None,
    level: str,
    subject: Subject | None,
    year_group: int | None,
    teaching_group: TeachingGroup | None,
    pupil: Pupil | None,
) -> tuple[Subject | None, int | None, TeachingGroup | None]:
    """(subject, year group, class) of a new target: those given, else taken from its class or pupil (year
    group) and from the target it is derived from (a group or pupil target also takes its class)."""
    if parent is not None and subject is None:
        subject = parent.subject
    if teaching_group is not None and year_group is None:
        year_group = teaching_group.year_group
    if pupil is not None and year_group is None:
        year_group = pupil.year_group
    if parent is not None and year_group is None:
        year_group = parent.year_group
    if parent is not None and teaching_group is None and level in ("group", "pupil"):
        teaching_group = parent.teaching_group
    return subject, year_group, teaching_group


def _check_belongs(target: CurricularTarget, group_pupils: list[Pupil], focuses: list[Focus]) -> None:
    """Everything a target names is of its school, and its focuses are of its subject."""
    school_id, subject = target.school_id, target.subject
    named = ((subject, "subject"), (target.teaching_group, "teaching_group"), (target.pupil, "pupil"))
    for obj, label in named:
        if obj is not None and obj.school_id != school_id:
            raise ValidationError({label: "Not in this school."})
    if any(p.school_id != school_id for p in group_pupils):
        raise ValidationError({"group_pupils": "Not in this school."})
    if focuses and (subject is None or any(f.subject_id != subject.pk for f in focuses)):
        raise ValidationError({"focuses": "Assessment focuses must be of the target's subject."})


@transaction.atomic
def curricular_target_create(
    *,
    school: School,
    level: str,
    term: str,
    text: str,
    by: User | None = None,
    parent: CurricularTarget | None = None,
    subject: Subject | None = None,
    focuses: Sequence[Focus] = (),
    year_group: int | None = None,
    teaching_group: TeachingGroup | None = None,
    pupil: Pupil | None = None,
    group_pupils: Sequence[Pupil] = (),
    pupil_words: str = "",
    agreed_with_pupil: bool = False,
    shared_with_parents: bool = False,
    review_date: dt.date | None = None,
) -> CurricularTarget:
    """Create a curricular target; with ``parent``, derived from it (narrower level, same subject)."""
    subject, year_group, teaching_group = _inherited(parent, level, subject, year_group, teaching_group, pupil)
    target = CurricularTarget(
        school=school,
        level=level,
        term=term,
        parent=parent,
        text=(text or "").strip(),
        subject=subject,
        year_group=year_group,
        teaching_group=teaching_group,
        pupil=pupil,
        pupil_words=(pupil_words or "").strip(),
        agreed_with_pupil=agreed_with_pupil,
        shared_with_parents=shared_with_parents,
        review_date=review_date,
        created_by=by,
    )
    pupil_list, focus_list = list(group_pupils), list(focuses)
    _check_belongs(target, pupil_list, focus_list)
    target.full_clean(exclude=["created_by"])
    _check_level_fields(target, pupil_list)
    if parent is not None:
        _check_parent(target, parent, {p.pk for p in pupil_list})
    target.save()
    if focus_list:
        target.focuses.set(focus_list)
    if pupil_list:
        target.group_pupils.set(pupil_list)
    return target


def curricular_target_derive(*, parent: CurricularTarget, by: User | None = None, **fields: Any) -> CurricularTarget:
    """A narrower target derived from ``parent`` (linked to it, in its subject)."""
    fields.setdefault("term", parent.term)
    return curricular_target_create(school=parent.school, parent=parent, by=by, **fields)


@transaction.atomic
def target_review_record(
    *,
    target: CurricularTarget,
    reviewed_on: dt.date,
    outcome: str,
    note: str = "",
    pupil_comment: str = "",
    by: User | None = None,
) -> TargetReview:
    """Record a review; an outcome other than "active" closes the target with that status."""
    if outcome not in CurricularTarget.Status.values:
        raise ValidationError({"outcome": "Choose an outcome."})
    if reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": "A review cannot be dated in the future."})
    if pupil_comment.strip() and target.level not in (CurricularTarget.Level.PUPIL, CurricularTarget.Level.GROUP):
        raise ValidationError({"pupil_comment": "Only a pupil or group target records what the pupil said."})
    review = TargetReview.objects.create(
        target=target,
        reviewed_on=reviewed_on,
        outcome=outcome,
        note=note.strip(),
        pupil_comment=pupil_comment.strip(),
        reviewed_by=by,
    )
    if target.status != outcome:
        target.status = outcome
        target.save(update_fields=["status", "updated_at"])
    return review


@transaction.atomic
def curricular_target_set_pupil_voice(
    *, target: CurricularTarget, pupil_words: str, agreed_with_pupil: bool, by: User | None = None
) -> CurricularTarget:
    if target.level != CurricularTarget.Level.PUPIL:
        raise ValidationError("Only a pupil target records the pupil's own words.")
    target.pupil_words = pupil_words.strip()
    target.agreed_with_pupil = agreed_with_pupil
    target.save(update_fields=["pupil_words", "agreed_with_pupil", "updated_at"])
    return target


def notifications_to_pupil_teachers(
    *, pupil: Pupil, subject: Subject | None = None, kind: str, message: str, dedupe_key: str
) -> int:
    """In-app notices to ``pupil``'s current teachers (of ``subject``'s groups when given, else of every group of
    theirs), each once per ``dedupe_key``. Two queries plus the insert. Returns notices created."""
    groups = GroupMembership.objects.current().filter(pupil=pupil, group__school_id=pupil.school_id)
    if subject is not None and subject.group_subject:
        groups = groups.filter(group__subject=subject.group_subject)
    teachers = set(
        TeachingGroupTeacher.objects.filter(
            group_id__in=groups.values("group_id"),
            user__memberships__school_id=pupil.school_id,
            user__memberships__is_active=True,
        ).values_list("user_id", flat=True)
    )
    notices = [
        Notification(
            school_id=pupil.school_id, user_id=user_id, pupil=pupil, kind=kind, message=message[:300],
            dedupe_key=dedupe_key[:200],
        )
        for user_id in sorted(teachers)
    ]  # fmt: skip
    return len(Notification.objects.bulk_create(notices, ignore_conflicts=True))


def notifications_mark_read(*, user: User, school: School, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, school=school, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
