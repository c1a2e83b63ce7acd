"""Every write in the targets app: keyword-only, atomic, validating before saving.

The heavy one is :func:`progress_recompute`: ONE set-based pass per school (or per few pupils) — load the
judgements, plans and windows as frames in a handful of queries, classify them with the pure
``targets.trajectory``, then write only what changed (upsert) and delete what no longer applies, so a
second run writes nothing and two concurrent runs agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from schoolpl import events
from schoolpl.demo import academic_year_start
from schoolpl.models import AssessmentWindow, Membership
from schoolpl.roles import Role

from . import ambition, trajectory
from .models import (
    AgeRelatedExpectation,
    CurricularTarget,
    Notification,
    ProgressStatus,
    PupilTarget,
    RecomputeState,
    TargetReview,
    TargetSettings,
)
from .selectors import in_clause, is_postgres, read_binary_frame, run_copy, write_binary

log = logging.getLogger(__name__)

#: Statuses that put a pupil "off trajectory" (and trigger a notification when newly reached).
OFF_TRAJECTORY = (trajectory.BEHIND, trajectory.STUCK, trajectory.WELL_BEHIND)
LEVEL_ORDER = [c for c, _ in CurricularTarget.Level.choices]  # school → year → class → group → pupil
TERM_ORDER = [c for c, _ in CurricularTarget.Term.choices]  # long → medium → short
_KEYS = ["pupil_id", "subject_id", "window_id"]


# ------------------------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------------------------


def target_settings_for(school) -> TargetSettings:
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
def target_settings_update(*, school, by=None, **fields) -> TargetSettings:
    """Change a school's ambition policy and thresholds; validated by the pure modules, then every
    trajectory of the school is recomputed (after commit)."""
    settings_obj = target_settings_for(school)
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
    from schoolpl.outbox import enqueue

    enqueue("targets.tasks.recompute_school", dedupe_key=f"targets.recompute_school:{school.pk}", school_id=school.pk)
    return settings_obj


# ------------------------------------------------------------------------------------------------
# Age-related expectations
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def are_set(*, school, year_group: int, term: int, subject=None, points: float, by=None) -> AgeRelatedExpectation:
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
def are_remove(*, school, pk: int, by=None) -> None:
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


def _windows_frame(school_ids: Sequence[int]) -> pd.DataFrame:
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


def _judgement_frame(school_ids: Sequence[int], pupil_ids: Sequence[int] | None) -> pd.DataFrame:
    from assessment.models import Judgement

    school_in, school_params = in_clause("school_id", school_ids)
    where, params = in_clause("pupil_id", pupil_ids)
    return read_binary_frame(  # a missing mark is NaN: the classifier counts it as no judgement
        f"SELECT pupil_id, subject_id, window_id, COALESCE(points, 'NaN') AS points "  # noqa: S608
        f"FROM {Judgement._meta.db_table} WHERE TRUE{school_in}{where}",
        [*school_params, *params],
        {"pupil_id": "int8", "subject_id": "int8", "window_id": "int8", "points": "float8"},
    )


def _history_frame(judgements: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """The school's own history for percentile proposals: each pupil × subject's first and last judgement
    at least a year apart → baseline, points gained, years."""
    if judgements.empty:
        return pd.DataFrame(columns=["subject", "baseline_points", "gained_points", "years"])
    j = judgements.merge(windows[["window_id", "end_date", "ordinal"]], on="window_id")
    j = j.sort_values(["pupil_id", "subject_id", "ordinal"])
    g = j.groupby(["pupil_id", "subject_id"], sort=False)
    first, last = g.first(), g.last()
    years = ambition.years_between(first["end_date"], last["end_date"]).to_numpy()
    history = pd.DataFrame(
        {
            "subject": first.index.get_level_values("subject_id"),
            "baseline_points": first["points"].to_numpy(dtype=float),
            "gained_points": (last["points"] - first["points"]).to_numpy(dtype=float),
            "years": years,
        }
    )
    return history[history["years"] >= 0.9]


def _subject_scales(school, subject_ids) -> dict:
    """subject id -> its scale (None where the school's own scale is missing)."""
    from assessment.models import SchoolScale, Subject
    from assessment.services import CellRefused, scale_for

    own = {row.code: row.as_scale() for row in SchoolScale.objects.filter(school=school)}
    out = {}
    for subject in Subject.objects.filter(school=school, pk__in=list(subject_ids)):
        try:
            out[subject.pk] = scale_for(subject, own)
        except CellRefused:
            out[subject.pk] = None
    return out


def target_on_step(points: float, scale) -> float:
    """A target lands on a step of the subject's scale: the step at or below (27.12 -> 27 = 4b)."""
    if scale is None or not math.isfinite(points):
        return points
    return float(scale.step_at_or_below(points).points)


def _land_on_steps(points: np.ndarray, subject_ids: pd.Series, school) -> np.ndarray:
    scales_of = _subject_scales(school, pd.unique(subject_ids))
    return np.array(
        [target_on_step(float(p), scales_of.get(int(s))) for p, s in zip(points, subject_ids, strict=True)],
        dtype=float,
    )


@dataclass
class ProposalResult:
    created: int = 0
    refreshed: int = 0
    skipped_active: int = 0
    no_baseline: int = 0


@transaction.atomic
def target_propose(
    *,
    school,
    pupil_ids: Iterable[int] | None = None,
    subject_ids: Iterable[int] | None = None,
    horizon: str = "key_stage",
    by=None,
    today: dt.date | None = None,
) -> ProposalResult:
    """Propose long-term numeric targets with the school's ambition policy, for every pupil on roll × subject
    (or those given). Vectorised: one call of ``ambition.propose_targets`` for the whole set.

    Baseline: the pupil's latest end-of-key-stage result with points (KS1/KS2 …, dated mid-July of its
    year), else their earliest judgement in the subject. A pupil × subject with an active (accepted)
    target keeps it; an earlier unaccepted proposal is refreshed."""
    from assessment.models import Subject, TransitionalResult
    from pupils.models import Pupil

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

    windows = _windows_frame([school.pk])
    judgements = _judgement_frame([school.pk], None)  # the whole school: it is also the history
    judgements = judgements[judgements["subject_id"].isin(subject_list)]
    history = _history_frame(judgements, windows)

    grid = pd.MultiIndex.from_product([list(year_of), subject_list], names=["pupil_id", "subject_id"]).to_frame(
        index=False
    )
    # Earliest judgement per pupil × subject.
    mine = judgements[judgements["pupil_id"].isin(year_of)].merge(windows, on="window_id")
    earliest = (
        mine.sort_values("ordinal").drop_duplicates(["pupil_id", "subject_id"])[
            ["pupil_id", "subject_id", "points", "end_date"]
        ]
        if not mine.empty
        else pd.DataFrame(columns=["pupil_id", "subject_id", "points", "end_date"])
    )
    # Latest end-of-key-stage result with points.
    transitional = pd.DataFrame(
        list(
            TransitionalResult.objects.filter(
                school=school, points__isnull=False, pupil_id__in=list(year_of), subject_id__in=subject_list
            )
            .order_by("pupil_id", "subject_id", "-year", "key_stage", "method")
            .values_list("pupil_id", "subject_id", "points", "year", "key_stage")
        ),
        columns=["pupil_id", "subject_id", "points", "year", "key_stage"],
    ).drop_duplicates(["pupil_id", "subject_id"])
    transitional["end_date"] = [dt.date(int(y), 7, 1) for y in transitional["year"]]

    grid = grid.merge(
        transitional[["pupil_id", "subject_id", "points", "end_date", "key_stage"]],
        how="left",
        on=["pupil_id", "subject_id"],
    ).merge(earliest, how="left", on=["pupil_id", "subject_id"], suffixes=("_ks", "_first"))
    use_ks = grid["points_ks"].notna()
    grid["baseline_points"] = np.where(use_ks, grid["points_ks"], grid["points_first"]).astype(float)
    grid["baseline_date"] = pd.to_datetime(pd.Series(np.where(use_ks, grid["end_date_ks"], grid["end_date_first"])))
    grid["baseline_from"] = np.where(use_ks, grid["key_stage"].fillna("") + " result", "earliest judgement")
    grid["target_date"] = pd.to_datetime(
        pd.Series([target_date_for(year_of[p], today, horizon) for p in grid["pupil_id"]])
    )
    grid["subject"] = grid["subject_id"]
    proposals = ambition.propose_targets(grid, policy, history)
    grid["proposed_points"] = _land_on_steps(proposals["proposed_points"].to_numpy(), grid["subject_id"], school)
    grid["basis"] = proposals["basis"].to_numpy()

    current = {
        (t.pupil_id, t.subject_id): t
        for t in PupilTarget.objects.filter(
            school=school,
            pupil_id__in=list(year_of),
            subject_id__in=subject_list,
            status__in=[PupilTarget.Status.PROPOSED, PupilTarget.Status.ACTIVE],
        )
    }
    new, refreshed, changed_pupils = [], [], set()
    for row in grid.itertuples(index=False):
        if not math.isfinite(row.proposed_points):
            result.no_baseline += 1
            continue
        basis = f"{row.basis} (baseline: {row.baseline_from})"[:300]
        fields = {
            "baseline_points": float(row.baseline_points),
            "baseline_date": row.baseline_date.date(),
            "target_points": float(row.proposed_points),
            "target_date": row.target_date.date(),
            "proposed_points": float(row.proposed_points),
            "proposal_basis": basis,
        }
        existing = current.get((row.pupil_id, row.subject_id))
        if existing is not None and existing.status == PupilTarget.Status.ACTIVE:
            result.skipped_active += 1
            continue
        if existing is not None:
            if all(getattr(existing, k) == v for k, v in fields.items()):
                continue
            for k, v in fields.items():
                setattr(existing, k, v)
            existing.set_by = by
            refreshed.append(existing)
        else:
            new.append(
                PupilTarget(school=school, pupil_id=row.pupil_id, subject_id=row.subject_id, set_by=by, **fields)
            )
        changed_pupils.add(int(row.pupil_id))
    if new:
        bulk_create_with_history(new, PupilTarget, batch_size=1000, default_user=by)
    if refreshed:
        bulk_update_with_history(
            refreshed,
            PupilTarget,
            [*fields.keys(), "set_by"],
            batch_size=1000,
            default_user=by,
        )
    result.created, result.refreshed = len(new), len(refreshed)
    if changed_pupils:
        events.publish(
            "targets_changed", school_id=school.pk, pupil_ids=sorted(changed_pupils), subject_ids=subject_list
        )
    return result


@transaction.atomic
def target_accept(*, target: PupilTarget, by=None) -> PupilTarget:
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
    *, target: PupilTarget, target_points: float, target_date: dt.date | None = None, by=None
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


def _check_level_fields(target: CurricularTarget, group_pupils: Sequence) -> None:
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
    year = parent.year_group
    if year is not None:
        if target.teaching_group_id and target.teaching_group.year_group not in (None, year):
            raise ValidationError({"teaching_group": "That class is not in the year group of the target above."})
        if target.pupil_id and target.pupil.year_group != year:
            raise ValidationError({"pupil": "That pupil is not in the year group of the target above."})
    if parent.level == CurricularTarget.Level.CLASS and parent.teaching_group_id:
        from pupils.models import GroupMembership

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


@transaction.atomic
def curricular_target_create(
    *,
    school,
    level: str,
    term: str,
    text: str,
    by=None,
    parent: CurricularTarget | None = None,
    subject=None,
    focuses: Sequence = (),
    year_group: int | None = None,
    teaching_group=None,
    pupil=None,
    group_pupils: Sequence = (),
    pupil_words: str = "",
    agreed_with_pupil: bool = False,
    shared_with_parents: bool = False,
    review_date: dt.date | None = None,
) -> CurricularTarget:
    """Create a curricular target; with ``parent``, derived from it (narrower level, same subject)."""
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
    for obj, label in ((subject, "subject"), (teaching_group, "teaching_group"), (pupil, "pupil")):
        if obj is not None and obj.school_id != school.pk:
            raise ValidationError({label: "Not in this school."})
    group_pupils = list(group_pupils)
    if any(p.school_id != school.pk for p in group_pupils):
        raise ValidationError({"group_pupils": "Not in this school."})
    focuses = list(focuses)
    if focuses and (subject is None or any(f.subject_id != subject.pk for f in focuses)):
        raise ValidationError({"focuses": "Assessment focuses must be of the target's subject."})
    target.full_clean(exclude=["created_by"])
    _check_level_fields(target, group_pupils)
    if parent is not None:
        _check_parent(target, parent, {p.pk for p in group_pupils})
    target.save()
    if focuses:
        target.focuses.set(focuses)
    if group_pupils:
        target.group_pupils.set(group_pupils)
    return target


def curricular_target_derive(*, parent: CurricularTarget, by=None, **fields) -> CurricularTarget:
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
    by=None,
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
    *, target: CurricularTarget, pupil_words: str, agreed_with_pupil: bool, by=None
) -> CurricularTarget:
    if target.level != CurricularTarget.Level.PUPIL:
        raise ValidationError("Only a pupil target records the pupil's own words.")
    target.pupil_words = pupil_words.strip()
    target.agreed_with_pupil = agreed_with_pupil
    target.save(update_fields=["pupil_words", "agreed_with_pupil", "updated_at"])
    return target


def notifications_to_pupil_teachers(*, pupil, subject=None, kind: str, message: str, dedupe_key: str) -> int:
    """In-app notices to ``pupil``'s current teachers (of ``subject``'s groups when given, else of every group of
    theirs), each once per ``dedupe_key``. Two queries plus the insert. Returns notices created."""
    from pupils.models import GroupMembership, TeachingGroupTeacher

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


def notifications_mark_read(*, user, school, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, school=school, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# ------------------------------------------------------------------------------------------------
# The recompute
# ------------------------------------------------------------------------------------------------

_LOCK_CLASS = 5_202_605  # pg_advisory_xact_lock(class, school): one recompute of a school at a time
_READ_ALL_ABOVE = 20_000  # changed pupils in a batch beyond which its schools' statuses are read whole


@dataclass
class RecomputeResult:
    school_id: int
    rows: int = 0
    written: int = 0
    deleted: int = 0
    notified: int = 0
    unchanged: bool = False  # the stored statuses already were this result: nothing was read back or written


_local_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)
_local_locks_guard = threading.Lock()


@contextmanager
def _recomputing(school_ids: Sequence[int]):
    """A transaction in which no other recompute of these schools runs (a nightly run and an incremental
    one, two workers, or two requests of a threaded server running tasks in-process). The locks are taken
    in one order so that batches never deadlock.

    PostgreSQL: transaction-scoped advisory locks, one per school, across every process. SQLite (the
    embedded default): a lock per school in this process, taken before the transaction begins, so a second
    recompute waits for the first instead of timing out on the database's write lock; across processes,
    SQLite's BEGIN IMMEDIATE serialises writers anyway."""
    with ExitStack() as held:
        if not is_postgres():
            for school_id in sorted(school_ids):
                with _local_locks_guard:
                    lock = _local_locks[int(school_id)]
                held.enter_context(lock)
        with transaction.atomic():
            if is_postgres():
                with connection.cursor() as cursor:
                    for school_id in sorted(school_ids):
                        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, int(school_id)])
            yield


def _classify(school_ids: Sequence[int], pupil_ids, thresholds: trajectory.Thresholds) -> pd.DataFrame:
    """Every status of the schools (or of ``pupil_ids``), sorted by pupil, subject and window, with the
    pupil's ``school_id``."""
    windows = _windows_frame(school_ids)
    judgements = _judgement_frame(school_ids, pupil_ids).rename(columns={"subject_id": "subject"})
    school_in, school_params = in_clause("school_id", school_ids)
    where, params = in_clause("pupil_id", pupil_ids)
    known = judgements["window_id"].isin(windows["window_id"]).to_numpy()
    if not known.all():  # cannot happen through the product (same school); never break the job over it
        log.warning("recompute: %d judgement(s) in windows of another school ignored", int((~known).sum()))
        judgements = judgements[known]
    from pupils.models import Pupil

    targets_table, pupils_table = PupilTarget._meta.db_table, Pupil._meta.db_table
    # The flag line is the expected-progress line (baseline + the school's expected rate), not the target:
    # target_points only says whether the pupil has met the target (never stuck then). start_date: the
    # pupil's admission (no status for a window before it), else the baseline date.
    plans = read_binary_frame(
        f"SELECT school_id, pupil_id, subject_id AS subject, baseline_points, baseline_date, target_points, "  # noqa: S608
        f"COALESCE((SELECT p.admission_date FROM {pupils_table} p WHERE p.id = {targets_table}.pupil_id), "
        f"baseline_date) AS start_date FROM {targets_table} "
        f"WHERE status IN ('proposed', 'active'){school_in}{where}",
        [*school_params, *params],
        {
            "school_id": "int8",
            "pupil_id": "int8",
            "subject": "int8",
            "baseline_points": "float8",
            "baseline_date": "date",
            "target_points": "float8",
            "start_date": "date",
        },
    )
    rates = dict(
        TargetSettings.objects.filter(school_id__in=school_ids).values_list("school_id", "expected_points_per_year")
    )
    default_rate = TargetSettings._meta.get_field("expected_points_per_year").default
    plans["points_per_year"] = plans["school_id"].map(lambda s: rates.get(int(s), default_rate)).astype(float)
    plans, step_rules = TargetSettings.with_pscale_lines(plans, school_ids)  # P-scale pupils: their own line
    frame = trajectory.classify_frame(judgements, plans, windows, thresholds, step_rules)
    pupil_ids_out = frame["pupil_id"].to_numpy(dtype=np.int64)
    school_of = pd.Series(plans["school_id"].to_numpy(), index=plans["pupil_id"].to_numpy())
    school_of = school_of[~school_of.index.duplicated()]
    new = pd.DataFrame(
        {
            "school_id": school_of.reindex(pupil_ids_out).to_numpy(dtype=np.int64),
            "pupil_id": pupil_ids_out,
            "subject_id": frame["subject"].to_numpy(dtype=np.int64),
            "window_id": frame["window_id"].to_numpy(dtype=np.int64),
            "expected": np.round(frame["expected"].to_numpy(dtype=float), 6),
            "actual": frame["actual"].to_numpy(dtype=float),
            "status": frame["status"].cat.codes.to_numpy(dtype=np.int16),  # = trajectory.SEVERITY
            "since_window_id": frame["since_window_id"].to_numpy(dtype=np.int64),
        }
    )
    # Rows come sorted by pupil, subject and window order: the last of each pair is the latest.
    pupil, subject = new["pupil_id"].to_numpy(), new["subject_id"].to_numpy()
    boundary = (pupil[1:] != pupil[:-1]) | (subject[1:] != subject[:-1])
    last = np.ones(len(new), dtype=bool)
    last[:-1] = boundary
    new["is_latest"] = last
    # The series fingerprint, on each latest row: the sum of its rows' hashes (order-free, wrapping).
    series = np.zeros(len(new), dtype=np.uint64)
    if len(new):
        starts = np.flatnonzero(np.concatenate([[True], boundary]))
        series[last] = np.add.reduceat(_row_hashes(new), starts)
    new["series"] = series.view(np.int64)
    return new


#: What a row's hash covers (is_latest and series follow from the row's place in its series).
_HASHED = {
    "window_id": np.int64,
    "expected": np.float64,
    "actual": np.float64,
    "status": np.int16,
    "since_window_id": np.int64,
}


def _row_hashes(rows: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(rows[list(_HASHED)].astype(_HASHED), index=False).to_numpy()


#: status → its code in ``trajectory.STATUSES`` order (codes are also the severity), as SQL.
_STATUS_CODE_SQL = "CASE status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(trajectory.STATUSES)) + " END"
_STATUS_NAMES = np.array(trajectory.STATUSES, dtype=object)
_OFF_CODES = [trajectory.SEVERITY[s] for s in OFF_TRAJECTORY]


def _existing_latest(school_ids: Sequence[int]) -> pd.DataFrame:
    """The stored latest row of every pupil × subject of the schools (with its series fingerprint)."""
    school_in, school_params = in_clause("school_id", school_ids)
    latest = read_binary_frame(
        f"SELECT id, school_id, pupil_id, subject_id, window_id, expected, actual, {_STATUS_CODE_SQL} AS status, "  # noqa: S608
        f"since_window_id, series FROM {ProgressStatus._meta.db_table} WHERE is_latest{school_in}",
        school_params,
        {**_STORED, "series": "int8"},
    )
    latest["is_latest"] = True
    return latest


_STORED = {
    "id": "int8",
    "school_id": "int8",
    "pupil_id": "int8",
    "subject_id": "int8",
    "window_id": "int8",
    "expected": "float8",
    "actual": "float8",
    "status": "int2",
    "since_window_id": "int8",
}
_PAIR = ["pupil_id", "subject_id"]


def _triage(fresh: pd.DataFrame, stored: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Sort the pupil × subject series of changed schools by what their latest rows tell.

    A series whose fingerprint is unchanged needs nothing. One whose earlier rows are unchanged (the same
    fingerprint without its latest row) and whose latest window is the same changed only in its latest row;
    one whose earlier rows are exactly the stored series gained a window (its old latest row is no longer
    the latest). Both are written from the latest rows alone. Returns (rows to write, ids they replace,
    the (pupil, subject) pairs whose stored rows must be read back and compared)."""
    latest_rows = fresh[fresh["is_latest"].to_numpy()]
    now = latest_rows[[*_PAIR, "window_id", "series"]]
    now = now.assign(prefix=(now["series"].to_numpy().view(np.uint64) - _row_hashes(latest_rows)).view(np.int64))
    was = stored[["id", *_PAIR, "window_id", "series"]]
    was = was.assign(prefix=(was["series"].to_numpy().view(np.uint64) - _row_hashes(stored)).view(np.int64))
    both = now.merge(was, on=_PAIR, how="inner", suffixes=("", "_old"))  # integers stay integers
    moved = both["series"].to_numpy() != both["series_old"].to_numpy()
    same_window = both["window_id"].to_numpy() == both["window_id_old"].to_numpy()
    latest_only = moved & same_window & (both["prefix"].to_numpy() == both["prefix_old"].to_numpy())
    appended = moved & ~same_window & (both["prefix"].to_numpy() == both["series_old"].to_numpy())
    fast = both[latest_only | appended]
    keys = pd.concat(
        [
            fast[[*_PAIR, "window_id"]],
            both.loc[appended, [*_PAIR, "window_id_old"]].rename(columns={"window_id_old": "window_id"}),
        ]
    )
    rows = fresh.merge(keys, on=_KEYS)
    unexplained = both.loc[moved & ~latest_only & ~appended, _PAIR]
    new_series = now[_PAIR].merge(was[_PAIR], on=_PAIR, how="left", indicator=True)
    gone_series = was[_PAIR].merge(now[_PAIR], on=_PAIR, how="left", indicator=True)
    reread = pd.concat(
        [
            unexplained,
            new_series.loc[new_series["_merge"] == "left_only", _PAIR],
            gone_series.loc[gone_series["_merge"] == "left_only", _PAIR],
        ],
        ignore_index=True,
    )
    return rows, fast["id"].to_numpy(dtype=np.int64), reread


def _existing(school_ids: Sequence[int], pupil_ids) -> pd.DataFrame:
    where, params = in_clause("pupil_id", pupil_ids)
    school_in, school_params = in_clause("school_id", school_ids)
    return read_binary_frame(
        f"SELECT id, school_id, pupil_id, subject_id, window_id, expected, actual, {_STATUS_CODE_SQL} AS status, "  # noqa: S608
        f"since_window_id, is_latest, series FROM {ProgressStatus._meta.db_table} WHERE TRUE{school_in}{where}",
        [*school_params, *params],
        {**_STORED, "is_latest": "bool", "series": "int8"},
    )


def _diff(new: pd.DataFrame, old: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Rows to write (new or changed), the ids of the stored rows they replace, and the ids of stored rows no
    longer produced (stale). Rows are matched on their key by position, so 64-bit values stay exact."""
    none = np.array([], dtype=np.int64)
    if old.empty:
        return new, none, none
    position = pd.MultiIndex.from_frame(old[_KEYS]).get_indexer(pd.MultiIndex.from_frame(new[_KEYS]))
    found = position >= 0
    at = np.where(found, position, 0)

    def moved(column: str) -> np.ndarray:
        ours, theirs = new[column].to_numpy(), old[column].to_numpy()[at]
        if column in ("expected", "actual"):
            return ~np.isclose(ours, theirs, atol=1e-9)
        return ours != theirs

    changed = ~found
    for column in ("expected", "actual", "status", "since_window_id", "is_latest", "series"):
        changed |= moved(column)
    kept = np.zeros(len(old), dtype=bool)
    kept[position[found]] = True
    ids = old["id"].to_numpy(dtype=np.int64)
    return new[changed], ids[position[changed & found]], ids[~kept]


def _digest(new: pd.DataFrame) -> str:
    """A fingerprint of a whole school's statuses, kept in RecomputeState so that a nightly run whose result
    equals the rows already stored can stop before reading them back: its latest rows' series fingerprints
    (each covers every row of its pupil × subject), in their fixed order."""
    latest = new[new["is_latest"].to_numpy()]
    digest = hashlib.blake2b(digest_size=32)
    for column in ("pupil_id", "subject_id", "series"):
        digest.update(latest[column].to_numpy(dtype=np.int64).tobytes())
    return digest.hexdigest()


_WRITTEN = {
    "school_id": "int8",
    "pupil_id": "int8",
    "subject_id": "int8",
    "window_id": "int8",
    "expected": "float8",
    "actual": "float8",
    "status": "text",
    "since_window_id": "int8",
    "is_latest": "bool",
    "series": "int8",
    "computed_at": "timestamptz",
}


def _write(rows: pd.DataFrame, remove: np.ndarray) -> None:
    """Delete the stored rows ``remove`` (stale, or replaced by ``rows``), then insert ``rows``. A status
    that changes is replaced rather than updated — an update writes a new row version and every index entry
    anyway, and costs four times a fresh insert — so its identity is (pupil, subject, window), not its id.
    Nothing else can insert these keys meanwhile: every writer holds the schools' locks. On PostgreSQL the
    rows go in by binary COPY."""
    table = ProgressStatus._meta.db_table
    if len(remove):
        if is_postgres():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [remove.tolist()])  # noqa: S608
        else:
            ids = remove.tolist()
            for start in range(0, len(ids), 500):
                ProgressStatus.objects.filter(pk__in=ids[start : start + 500]).delete()
    if rows.empty:
        return
    # A window's rows go in together (as they do in a school's life: a term's judgements are recomputed the
    # night after they are entered), so they share heap pages: re-marking a window later rewrites those pages
    # only, not one row on every page of the school's history.
    rows = rows.sort_values(["school_id", "window_id", "pupil_id", "subject_id"])
    now = timezone.now()
    if is_postgres():
        payload = rows.assign(
            status=_STATUS_NAMES[rows["status"].to_numpy()],
            computed_at=np.datetime64(now.astimezone(dt.UTC).replace(tzinfo=None), "us"),
        )
        columns = ", ".join(_WRITTEN)
        run_copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)", write_binary(payload, _WRITTEN))
        return
    ProgressStatus.objects.bulk_create(
        [
            ProgressStatus(
                school_id=int(r.school_id),
                pupil_id=int(r.pupil_id),
                subject_id=int(r.subject_id),
                window_id=int(r.window_id),
                expected=float(r.expected),
                actual=float(r.actual),
                status=_STATUS_NAMES[int(r.status)],
                since_window_id=int(r.since_window_id),
                is_latest=bool(r.is_latest),
                series=int(r.series),
                computed_at=now,
            )
            for r in rows.itertuples(index=False)
        ],
        batch_size=500,
    )


def _newly_off(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """Latest statuses that newly became behind, stuck or well behind (worse than the previous latest)."""
    off = new["is_latest"] & new["status"].isin(_OFF_CODES)
    current = new.loc[off, ["school_id", "pupil_id", "subject_id", "window_id", "status"]]
    if current.empty:
        return current.assign(status=current["status"].astype(object))
    before = old.loc[old["is_latest"], ["pupil_id", "subject_id", "status"]].rename(columns={"status": "before"})
    merged = current.merge(before, on=["pupil_id", "subject_id"], how="left")
    worse = merged[merged["status"] > merged["before"].fillna(-1)]
    return worse.assign(status=_STATUS_NAMES[worse["status"].to_numpy(dtype=np.int64)])


def _notify(flagged: pd.DataFrame) -> Counter:
    """In-app notices to the pupil's current teachers of the subject and to every SENCO of the pupil's school
    (deduplicated), for ``flagged`` rows (school_id, pupil_id, subject_id, window_id, status) of any number of
    schools in one set of queries. Returns school → notices created."""
    if flagged.empty:
        return Counter()
    from assessment.models import Subject
    from pupils.models import GroupMembership, Pupil, TeachingGroupTeacher

    school_ids = sorted({int(s) for s in flagged["school_id"]})
    pupil_ids = sorted({int(p) for p in flagged["pupil_id"]})
    pupils = {
        pk: (school_id, pf or lf, ps or ls)
        for pk, school_id, lf, ls, pf, ps in Pupil.objects.filter(
            pk__in=pupil_ids, school_id__in=school_ids, archived_at__isnull=True
        ).values_list("pk", "school_id", "legal_forename", "legal_surname", "preferred_forename", "preferred_surname")
    }
    if not pupils:
        return Counter()
    subjects = Subject.objects.filter(school_id__in=school_ids).only("school_id", "name", "group_subject")
    subjects = {s.pk: s for s in subjects}
    windows = dict(AssessmentWindow.objects.filter(school_id__in=school_ids).values_list("pk", "name"))
    active_users, sencos = defaultdict(set), defaultdict(set)  # school → users
    for school_id, user_id, role in Membership.objects.filter(school_id__in=school_ids, is_active=True).values_list(
        "school_id", "user_id", "role"
    ):
        active_users[school_id].add(user_id)
        if role == Role.SENCO:
            sencos[school_id].add(user_id)
    groups_of = defaultdict(list)  # pupil → [(group id, group subject)]
    for pupil_id, group_id, group_subject, group_school in (
        GroupMembership.objects.current()
        .filter(pupil_id__in=list(pupils), group__school_id__in=school_ids)
        .values_list("pupil_id", "group_id", "group__subject", "group__school_id")
    ):
        if group_school == pupils[pupil_id][0]:
            groups_of[pupil_id].append((group_id, group_subject))
    teachers_of = defaultdict(set)
    for group_id, user_id in TeachingGroupTeacher.objects.filter(
        group_id__in={g for gs in groups_of.values() for g, _ in gs}
    ).values_list("group_id", "user_id"):
        teachers_of[group_id].add(user_id)
    notices = []
    for row in flagged.itertuples(index=False):
        pupil_id = int(row.pupil_id)
        pupil = pupils.get(pupil_id)
        subject = subjects.get(int(row.subject_id))
        if pupil is None or subject is None or subject.school_id != pupil[0]:
            continue
        school_id, forename, surname = pupil
        label = trajectory.LABELS[row.status].lower()
        message = f"{forename} {surname} is now {label} in {subject.name} ({windows.get(int(row.window_id), '')})."
        recipients = set(sencos[school_id])
        for group_id, group_subject in groups_of.get(pupil_id, []):
            if group_subject == subject.group_subject:
                recipients |= teachers_of[group_id]
        key = f"off-trajectory:{pupil_id}:{subject.pk}:{int(row.window_id)}:{row.status}"
        notices.extend(
            Notification(
                school_id=school_id,
                user_id=user_id,
                pupil_id=pupil_id,
                kind=f"progress_{row.status}",
                message=message[:300],
                dedupe_key=key,
            )
            for user_id in sorted(recipients & active_users[school_id])
        )
    Notification.objects.bulk_create(notices, batch_size=1000, ignore_conflicts=True)
    return Counter(n.school_id for n in notices)


def progress_recompute(*, school_id: int, pupil_ids: Iterable[int] | None = None) -> RecomputeResult:
    """Recompute every ProgressStatus of a school, or of ``pupil_ids`` only (all their subjects and windows,
    so the result is the same as a full run's for them). See :func:`progress_recompute_schools`."""
    if pupil_ids is None:
        return progress_recompute_schools([school_id])[0]
    pupil_ids = sorted({int(p) for p in pupil_ids})
    result = RecomputeResult(school_id=school_id)
    with _recomputing([school_id]):
        new = _classify([school_id], pupil_ids, _thresholds([school_id])[school_id])
        old = _existing([school_id], pupil_ids)
        upsert, replaced, stale = _diff(new, old)
        _write(upsert, np.concatenate([replaced, stale]))
        result.rows, result.written, result.deleted = len(new), len(upsert), len(stale)
        result.notified = _notify(_newly_off(new, old)).get(school_id, 0)
        # The school's stored fingerprint no longer describes its rows: the next full run compares them all.
        RecomputeState.objects.filter(school_id=school_id).update(digest="")
    _log(result, f" ({len(pupil_ids)} pupils)")
    return result


def progress_recompute_schools(school_ids: Iterable[int]) -> list[RecomputeResult]:
    """Recompute every ProgressStatus of several schools in ONE set-based pass: read their judgements, plans
    and windows in a few queries, classify them with the pure ``targets.trajectory``, then per school write
    only what changed (upsert) and delete what no longer applies.

    Idempotent: a second run writes nothing. A school whose result has the fingerprint its last full run
    stored (with as many latest rows still in the table) stops there; in the others only the pupils whose
    series fingerprint (kept on each latest row) moved are read back and compared row by row.
    Concurrent runs queue on per-school advisory locks. Pupils who newly fall behind, become stuck or fall
    well behind are notified to their teachers and the SENCOs — except in a school's first run, which is the
    baseline (nobody has "newly" done anything yet; the pages list who is off trajectory)."""
    school_ids = sorted({int(s) for s in school_ids})
    if not school_ids:
        return []
    results = {s: RecomputeResult(school_id=s) for s in school_ids}
    with _recomputing(school_ids):
        by_thresholds = defaultdict(list)
        for school_id, thresholds in _thresholds(school_ids).items():
            by_thresholds[thresholds].append(school_id)
        new = pd.concat([_classify(ids, None, t) for t, ids in by_thresholds.items()], ignore_index=True)
        rows_of = {s: g for s, g in new.groupby("school_id", sort=False)}  # noqa: C416 - dict() calls .keys
        stored = _stored_states(school_ids)
        digests, latest = {}, {}
        for school_id in school_ids:
            rows = rows_of.get(school_id, new.iloc[:0])
            digests[school_id] = _digest(rows)
            results[school_id].rows = len(rows)
            latest[school_id] = int(rows["is_latest"].sum())
        matching = [s for s in school_ids if stored.get(s) == (digests[s], results[s].rows, latest[s])]
        counts = _latest_counts(matching)  # only a school that looks unchanged needs its rows counted
        for school_id in matching:
            results[school_id].unchanged = counts.get(school_id, 0) == latest[school_id]
        changed = [s for s in school_ids if not results[s].unchanged]
        if changed:
            # Only the series whose fingerprint moved are written; only those their latest rows cannot
            # explain are read back and compared row by row.
            stored_latest = _existing_latest(changed)
            fresh = new[new["school_id"].isin(changed).to_numpy()]
            baseline = set(changed) - set(stored_latest["school_id"].tolist())  # a first run: no notices
            if baseline:
                # A first run writes every row without reading any back: clear whatever a school without a
                # single latest status still holds (normally nothing), so no key can be written twice.
                ProgressStatus.objects.filter(school_id__in=sorted(baseline)).delete()
            first = fresh["school_id"].isin(baseline).to_numpy()
            quick, replaced_quick, reread = _triage(fresh[~first], stored_latest)
            old = stored_latest.iloc[:0]
            if len(reread):
                pupils = np.unique(reread["pupil_id"].to_numpy())
                old = _existing(changed, None if len(pupils) > _READ_ALL_ABOVE else pupils).merge(reread, on=_PAIR)
            upsert, replaced, stale = _diff(fresh[~first].merge(reread, on=_PAIR), old)
            rows = pd.concat([fresh[first], quick, upsert], ignore_index=True)
            _write(rows, np.concatenate([replaced_quick, replaced, stale]))
            written = rows["school_id"].value_counts()
            stale_of = old.loc[old["id"].isin(stale).to_numpy(), "school_id"].value_counts()
            notified = _notify(_newly_off(fresh[~first], stored_latest))  # a school's first run notifies nobody
            for school_id in changed:
                result = results[school_id]
                result.written, result.deleted = int(written.get(school_id, 0)), int(stale_of.get(school_id, 0))
                result.notified = notified.get(school_id, 0)
            _store_states({s: (digests[s], results[s].rows, latest[s]) for s in changed})
    for result in results.values():
        _log(result, "")
    return [results[s] for s in school_ids]


def progress_notify_latest_slips(*, school_id: int) -> int:
    """Send the notices the nightly run would have sent when the school's latest window was judged: pupils
    whose latest status is off trajectory and worse than at their previous window. For a school whose
    history arrived all at once (an import, the demo), after the silent baseline run."""
    rows = pd.DataFrame(
        ProgressStatus.objects.filter(school_id=school_id)
        .order_by("pupil_id", "subject_id", "window__end_date", "window_id")
        .values_list("pupil_id", "subject_id", "window_id", "status", "is_latest"),
        columns=["pupil_id", "subject_id", "window_id", "status", "is_latest"],
    )
    if rows.empty:
        return 0
    severity = rows["status"].map(trajectory.SEVERITY)
    before = severity.groupby([rows["pupil_id"], rows["subject_id"]]).shift(1).fillna(-1)
    slipped = rows["is_latest"] & rows["status"].isin(OFF_TRAJECTORY) & (severity > before)
    flagged = rows.loc[slipped, ["pupil_id", "subject_id", "window_id", "status"]].assign(school_id=school_id)
    return _notify(flagged).get(school_id, 0)


def _thresholds(school_ids: Sequence[int]) -> dict[int, trajectory.Thresholds]:
    found = {t.school_id: t.thresholds() for t in TargetSettings.objects.filter(school_id__in=school_ids)}
    return {s: found.get(s, trajectory.DEFAULT_THRESHOLDS) for s in school_ids}


def _stored_states(school_ids: Sequence[int]) -> dict[int, tuple[str, int, int]]:
    """school → (digest, rows, latest rows) its last full run stored."""
    return {
        school_id: (digest, rows, n)
        for school_id, digest, rows, n in RecomputeState.objects.filter(school_id__in=school_ids)
        .exclude(digest="")
        .values_list("school_id", "digest", "rows", "latest")
    }


def _latest_counts(school_ids: Sequence[int]) -> dict[int, int]:
    """school → how many latest rows its table holds (read from the small partial index). Only this module
    writes ProgressStatus — the admin is read-only — and anything that deletes statuses wholesale shows here:
    a school whose fingerprint matches is left alone only while its table still holds that many rows."""
    if not school_ids:
        return {}
    return dict(
        ProgressStatus.objects.filter(school_id__in=school_ids, is_latest=True)
        .order_by()
        .values_list("school_id")
        .annotate(n=Count("*"))
        .values_list("school_id", "n")
    )


def _store_states(states: dict[int, tuple[str, int, int]]) -> None:
    now = timezone.now()
    RecomputeState.objects.bulk_create(
        [RecomputeState(school_id=s, digest=d, rows=n, latest=k, computed_at=now) for s, (d, n, k) in states.items()],
        update_conflicts=True,
        unique_fields=["school"],
        update_fields=["digest", "rows", "latest", "computed_at"],
    )


def _log(result: RecomputeResult, scope: str) -> None:
    log.info(
        "recompute school %s%s: %d statuses, %d written, %d deleted, %d notifications%s",
        result.school_id,
        scope,
        result.rows,
        result.written,
        result.deleted,
        result.notified,
        " (unchanged)" if result.unchanged else "",
    )


def school_batches(school_ids: Iterable[int] | None = None, max_pupils: int = 20_000) -> list[list[int]]:
    """The schools (all, or ``school_ids``) in batches of at most about ``max_pupils`` pupils, for the nightly
    run: one task per batch — a whole LA of small schools in a few dozen tasks, a large school on its own."""
    from pupils.models import Pupil
    from schoolpl.models import School

    schools = School.objects.order_by("pk")
    if school_ids is not None:
        schools = schools.filter(pk__in=list(school_ids))
    ids = list(schools.values_list("pk", flat=True))
    sizes = dict(
        Pupil.objects.filter(school_id__in=ids)
        .order_by()
        .values_list("school_id")
        .annotate(n=Count("*"))
        .values_list("school_id", "n")
    )
    batches, current, pupils = [], [], 0
    for school_id in ids:
        size = sizes.get(school_id, 0)
        if current and pupils + size > max_pupils:
            batches.append(current)
            current, pupils = [], 0
        current.append(school_id)
        pupils += size
    if current:
        batches.append(current)
    return batches


# ------------------------------------------------------------------------------------------------
# Weekly digest
# ------------------------------------------------------------------------------------------------


def digest_send_weekly(*, today: dt.date | None = None) -> int:
    """Email each active teacher and SENCO with an address a list of their pupils off trajectory.

    Claimed per user and ISO week with a ``weekly_digest`` Notification (unique dedupe key), so a repeated
    or concurrent run sends nothing twice. Returns the number of emails sent."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.db import IntegrityError
    from django.template.loader import render_to_string

    from schoolpl.access import SchoolAccess

    from .selectors import off_trajectory_for

    today = today or timezone.localdate()
    year, week, _ = today.isocalendar()
    sent = 0
    memberships = (
        Membership.objects.filter(is_active=True, role__in=[Role.TEACHER, Role.SENCO])
        .exclude(user__email="")
        .select_related("user", "school")
        .order_by("school_id", "user_id")
    )
    by_user_school: dict[tuple[int, int], list] = {}
    for m in memberships:
        by_user_school.setdefault((m.school_id, m.user_id), []).append(m)
    for (_, _), ms in by_user_school.items():
        user, school = ms[0].user, ms[0].school
        access = SchoolAccess(user=user, school=school, roles=frozenset(m.role for m in ms))
        rows = list(off_trajectory_for(access)[:200])
        if not rows:
            continue
        key = f"weekly-digest:{year}-W{week:02d}"
        try:
            with transaction.atomic():
                Notification.objects.create(
                    school=school,
                    user=user,
                    kind="weekly_digest",
                    message=f"Weekly digest: {len(rows)} pupil result(s) off trajectory.",
                    dedupe_key=key,
                    read_at=timezone.now(),
                )
        except IntegrityError:
            continue  # already sent this week
        body = render_to_string("targets/email/weekly_digest.txt", {"user": user, "school": school, "rows": rows})
        send_mail(
            f"{school.name}: pupils off trajectory this week",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
        sent += 1
    return sent
