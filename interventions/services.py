"""Every write to interventions and the needs assessment: keyword-only, atomic, validating before saving.
History (django-simple-history) records each change; bulk writes use its bulk helpers so they are audited
too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.utils import bulk_create_with_history

from schoolpl.models import Membership, School, User

from .impact import validate_rating
from .journal import is_scale_question, parse_scale_answer
from .models import (
    FollowUp,
    ImpactJudgement,
    InterventionSession,
    JournalEntry,
    JournalQuestion,
    LearningAim,
    Programme,
    Provision,
    ProvisionPupil,
    ProvisionStaff,
    ScoreCard,
    ScoreCardRating,
    SessionAttendance,
    SuccessCharacteristic,
)

if TYPE_CHECKING:
    from pupils.models import Pupil
    from targets.models import CurricularTarget


def _same_school(school: School, objects: Iterable[Any], what: str) -> None:
    for obj in objects:
        if obj.school_id != school.pk:
            raise ValidationError(f"That {what} belongs to another school.")


def _check_staff(school: School, users: Iterable[User]) -> None:
    ids = {u.pk for u in users}
    members = set(
        Membership.objects.filter(school=school, user_id__in=ids, is_active=True).values_list("user_id", flat=True)
    )
    if ids - members:
        raise ValidationError("Staff must be members of this school.")


# --- Programmes -------------------------------------------------------------------------------------------


def _check_programme(programme: Programme) -> None:
    """Field-keyed errors (the pages show them on the field; the API answers 400 with them)."""
    subject = programme.subject if programme.subject_id else None
    if subject is not None and subject.school_id != programme.school_id:
        raise ValidationError({"subject": "That subject belongs to another school."})
    taken = Programme.objects.filter(school_id=programme.school_id, name=programme.name).exclude(pk=programme.pk)
    if taken.exists():
        raise ValidationError({"name": f"Your school already has a programme called '{programme.name}'."})
    programme.full_clean()


@transaction.atomic
def programme_create(*, school: School, by: User | None = None, **fields: Any) -> Programme:
    programme = Programme(school=school, **fields)
    _check_programme(programme)
    programme.save()
    return programme


@transaction.atomic
def programme_update(*, programme: Programme, by: User | None = None, **fields: Any) -> Programme:
    for name, value in fields.items():
        setattr(programme, name, value)
    _check_programme(programme)
    programme.save()
    return programme


# --- Provision --------------------------------------------------------------------------------------------


@transaction.atomic
def provision_plan(
    *,
    school: School,
    programme: Programme,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    pupils: Sequence[Pupil],
    staff: Sequence[tuple[User, str]] = (),
    targets: Sequence[CurricularTarget] = (),
    notes: str = "",
    by: User | None = None,
) -> Provision:
    """Plan a provision for several pupils in one go, with its staff and the targets it serves."""
    if programme.school_id != school.pk:
        raise ValidationError({"programme": "That programme belongs to another school."})
    if end_date < start_date:
        raise ValidationError({"end_date": "The end date must be on or after the start date."})
    if not pupils:
        raise ValidationError({"pupils": "Choose at least one pupil."})
    _same_school(school, pupils, "pupil")
    _same_school(school, targets, "target")
    _check_staff(school, [u for u, _ in staff])
    provision = Provision(
        school=school,
        programme=programme,
        name=name,
        start_date=start_date,
        end_date=end_date,
        notes=notes,
        created_by=by,
    )
    provision.full_clean()
    provision.save()
    if targets:
        provision.targets.set(targets)
    bulk_create_with_history(
        [ProvisionPupil(provision=provision, pupil=p, joined_on=start_date) for p in pupils],
        ProvisionPupil,
        default_user=by,
    )
    if staff:
        bulk_create_with_history(
            [ProvisionStaff(provision=provision, user=u, role=r) for u, r in staff], ProvisionStaff, default_user=by
        )
    return provision


@transaction.atomic
def provision_update(
    *,
    provision: Provision,
    staff: Sequence[tuple[User, str]] | None = None,
    targets: Sequence[CurricularTarget] | None = None,
    by: User | None = None,
    **fields: Any,
) -> Provision:
    for name, value in fields.items():
        setattr(provision, name, value)
    if "programme" in fields and provision.programme.school_id != provision.school_id:
        raise ValidationError({"programme": "That programme belongs to another school."})
    provision.full_clean()
    provision.save()
    if targets is not None:
        _same_school(provision.school, targets, "target")
        provision.targets.set(targets)
    if staff is not None:
        _check_staff(provision.school, [u for u, _ in staff])
        wanted = {u.pk: r for u, r in staff}
        for link in provision.staff.all():
            role = wanted.pop(link.user_id, None)
            if role is None:
                link.delete()
            elif link.role != role:
                link.role = role
                link.save()
        for user_id, role in wanted.items():
            ProvisionStaff.objects.create(provision=provision, user_id=user_id, role=role)
    return provision


@transaction.atomic
def provision_add_pupil(
    *, provision: Provision, pupil: Pupil, joined_on: dt.date, by: User | None = None
) -> ProvisionPupil:
    if pupil.school_id != provision.school_id:
        raise ValidationError("That pupil belongs to another school.")
    if not provision.start_date <= joined_on <= provision.end_date:
        raise ValidationError({"joined_on": "A pupil joins between the provision's start and end dates."})
    if ProvisionPupil.objects.filter(provision=provision, pupil=pupil).exists():
        raise ValidationError("That pupil is already in this provision.")
    place = ProvisionPupil(provision=provision, pupil=pupil, joined_on=joined_on)
    place.full_clean()
    place.save()
    return place


@transaction.atomic
def provision_pupil_leave(
    *, place: ProvisionPupil, left_on: dt.date, reason: str = "", by: User | None = None
) -> ProvisionPupil:
    if left_on < place.joined_on:
        raise ValidationError({"left_on": "A pupil cannot leave before they joined."})
    place.left_on = left_on
    place.leaving_reason = reason
    place.full_clean()
    place.save()
    return place


@transaction.atomic
def session_log(
    *,
    provision: Provision,
    date: dt.date,
    stage: str,
    present_pupil_ids: Iterable[int],
    minutes: int | None = None,
    notes: str = "",
    by: User | None = None,
) -> InterventionSession:
    """Log a session and the attendance of every pupil in the provision on that date."""
    if date > timezone.localdate():
        raise ValidationError({"date": "A session can only be logged once it has happened: choose today or earlier."})
    if not provision.start_date <= date <= provision.end_date:
        raise ValidationError(
            {
                "date": f"This provision runs from {date_format(provision.start_date, 'j M Y')} to "
                f"{date_format(provision.end_date, 'j M Y')}: choose a date between them."
            }
        )
    session = InterventionSession(
        provision=provision,
        date=date,
        stage=stage,
        minutes=minutes or provision.programme.session_minutes,
        notes=notes,
        led_by=by,
    )
    session.full_clean()
    session.save()
    present = set(present_pupil_ids)
    members = [p for p in provision.places.all() if p.joined_on <= date and (p.left_on is None or p.left_on >= date)]
    unknown = present - {p.pupil_id for p in members}
    if unknown:
        raise ValidationError("Attendance can only be taken for pupils in the provision on that date.")
    bulk_create_with_history(
        [SessionAttendance(session=session, pupil_id=p.pupil_id, present=p.pupil_id in present) for p in members],
        SessionAttendance,
        default_user=by,
    )
    return session


@transaction.atomic
def impact_judgement_record(
    *,
    place: ProvisionPupil,
    kind: str,
    points: float,
    judged_on: dt.date,
    grade: str = "",
    by: User | None = None,
) -> ImpactJudgement:
    """Record (or correct) the entry or exit judgement for a pupil's place in a provision."""
    if kind not in ImpactJudgement.Kind.values:
        raise ValidationError({"kind": "Entry or exit."})
    judgement = ImpactJudgement.objects.filter(place=place, kind=kind).first() or ImpactJudgement(
        place=place, kind=kind
    )
    judgement.points, judgement.judged_on, judgement.grade, judgement.recorded_by = points, judged_on, grade, by
    judgement.full_clean()
    judgement.save()
    return judgement


def place_ages_record(
    *, place: ProvisionPupil, entry_age_months: int | None, exit_age_months: int | None
) -> ProvisionPupil:
    """Record the reading or spelling age (in months) tested at entry and exit, for Brooks' ratio gain."""
    place.entry_age_months, place.exit_age_months = entry_age_months, exit_age_months
    place.full_clean()
    place.save(update_fields=["entry_age_months", "exit_age_months"])
    return place


# --- Classroom follow-up ----------------------------------------------------------------------------------


@transaction.atomic
def follow_up_create(*, place: ProvisionPupil, learned: str, recorded_on: dt.date, by: User | None = None) -> FollowUp:
    if not learned.strip():
        raise ValidationError({"learned": "Say what the pupil learned."})
    follow_up = FollowUp(place=place, learned=learned.strip(), recorded_on=recorded_on, recorded_by=by)
    follow_up.full_clean()
    follow_up.save()
    return follow_up


@transaction.atomic
def follow_up_record_class(*, follow_up: FollowUp, note: str, on: dt.date, by: User | None = None) -> FollowUp:
    if not note.strip():
        raise ValidationError({"classroom_note": "Say how it was followed up in class."})
    follow_up.classroom_note, follow_up.followed_up_by, follow_up.followed_up_on = note.strip(), by, on
    follow_up.save()
    return follow_up


# --- Needs assessment ------------------------------------------------------------------------------------


@transaction.atomic
def characteristic_create(*, school: School, name: str, description: str = "", order: int = 0) -> SuccessCharacteristic:
    characteristic = SuccessCharacteristic(school=school, name=name, description=description, order=order)
    characteristic.full_clean()
    characteristic.save()
    return characteristic


@transaction.atomic
def journal_question_create(
    *, school: School, text: str, order: int = 0, scale: bool | None = None
) -> JournalQuestion:
    """An agreed journal question; ``scale`` (answered 0–10) defaults to whether the text asks "from 0 to 10"."""
    scale = is_scale_question(text) if scale is None else scale
    question = JournalQuestion(school=school, text=text, order=order, scale=scale)
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def score_card_create(
    *,
    school: School,
    pupil: Pupil,
    taken_on: dt.date,
    ratings: Mapping[int, tuple[int | None, int | None, int | None]],
    referred: bool = False,
    notes: str = "",
    by: User | None = None,
) -> ScoreCard:
    """A dated score card: ``ratings`` maps a characteristic id to the (professional, pupil, parent) views,
    each 0–10 or None when not given."""
    if pupil.school_id != school.pk:
        raise ValidationError("That pupil belongs to another school.")
    characteristics = {c.pk: c for c in SuccessCharacteristic.objects.filter(school=school, pk__in=list(ratings))}
    if set(ratings) - set(characteristics):
        raise ValidationError("Rate only this school's success characteristics.")
    for views in ratings.values():
        for value in views:
            try:
                validate_rating(value)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
    if not any(v is not None for views in ratings.values() for v in views):
        raise ValidationError("Give at least one rating.")
    card = ScoreCard(school=school, pupil=pupil, taken_on=taken_on, referred=referred, notes=notes, recorded_by=by)
    card.full_clean()
    card.save()
    bulk_create_with_history(
        [
            ScoreCardRating(card=card, characteristic_id=cid, professional=a, pupil_view=b, parent_view=c)
            for cid, (a, b, c) in ratings.items()
        ],
        ScoreCardRating,
        default_user=by,
    )
    return card


@transaction.atomic
def journal_entries_create(
    *,
    school: School,
    pupil: Pupil,
    written_on: dt.date,
    answers: Mapping[int, str | int | None],
    reviewed_by: User | None = None,
    reviewed_on: dt.date | None = None,
    next_steps: str = "",
    by: User | None = None,
) -> list[JournalEntry]:
    """A pupil's journal for one date: an answer per agreed question, optionally reviewed with a tutor. A 0–10
    question's answer is a whole number 0–10 (or text that is only such a number); anything else is refused."""
    if pupil.school_id != school.pk:
        raise ValidationError("That pupil belongs to another school.")
    questions = {q.pk: q for q in JournalQuestion.objects.filter(school=school, pk__in=list(answers))}
    if set(answers) - set(questions):
        raise ValidationError("Answer only this school's journal questions.")
    entries = []
    for qid, given in answers.items():
        score, text = _journal_answer(questions[qid], given)
        if score is None and not text:
            continue
        entries.append(
            JournalEntry(
                school=school,
                pupil=pupil,
                question_id=qid,
                written_on=written_on,
                score=score,
                answer=text,
                reviewed_by=reviewed_by,
                reviewed_on=reviewed_on,
                next_steps=next_steps,
            )
        )
    if not entries:
        raise ValidationError("Write at least one answer.")
    return bulk_create_with_history(entries, JournalEntry, default_user=by)


def _journal_answer(question: JournalQuestion, given: str | int | None) -> tuple[int | None, str]:
    """(score, text) of one answer; a 0–10 question takes a number only."""
    if not question.scale:
        return None, str(given or "").strip()
    if given is None or (isinstance(given, str) and not given.strip()):
        return None, ""
    score = given if isinstance(given, int) and not isinstance(given, bool) else parse_scale_answer(str(given))
    if score is None or not 0 <= score <= 10:
        raise ValidationError({"answers": f"“{question.text}” takes a whole number from 0 to 10."})
    return score, ""


def normalise_aim(text: str) -> str:
    text = " ".join(text.split())
    if not text.lower().startswith("to "):
        raise ValidationError({"aim": "A learning-potential aim starts with 'to…', e.g. 'to enjoy reading'."})
    return text


@transaction.atomic
def learning_aim_create(
    *,
    school: School,
    pupil: Pupil,
    aim: str,
    blockers: str = "",
    enablers: str = "",
    created_on: dt.date,
    by: User | None = None,
) -> LearningAim:
    if pupil.school_id != school.pk:
        raise ValidationError("That pupil belongs to another school.")
    learning_aim = LearningAim(
        school=school,
        pupil=pupil,
        aim=normalise_aim(aim),
        blockers=blockers.strip(),
        enablers=enablers.strip(),
        created_on=created_on,
        created_by=by,
    )
    learning_aim.full_clean()
    learning_aim.save()
    return learning_aim
