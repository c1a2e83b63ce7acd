"""Every write to pupil passports and multi-agency work: keyword-only, atomic, validating before saving.
django-simple-history records each change and who made it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from schoolpl.history import changed_by

from .models import PASSPORT_REVIEW_DAYS, Adjustment, AgencyInvolvement, Passport, PassportReview

if TYPE_CHECKING:
    from pupils.models import Pupil
    from schoolpl.models import School, User

PASSPORT_FIELDS = ("about_me", "find_hard", "helps_me", "contributors", "pupil_contributed")
AGENCY_FIELDS = (
    "kind",
    "service",
    "referred_on",
    "first_contact_on",
    "closed_on",
    "lead_professional",
    "reason",
    "outcome",
)


def _same_school(school: School, pupil: Pupil) -> None:
    if pupil.school_id != school.pk:
        raise ValidationError("That pupil belongs to another school.")


def _clean(value):
    return value.strip() if isinstance(value, str) else value


@transaction.atomic
def passport_save(
    *,
    school: School,
    pupil: Pupil,
    written_on: dt.date,
    next_review_on: dt.date | None = None,
    by: User | None = None,
    **fields,
) -> Passport:
    """Write a pupil's passport, or rewrite it (its writing date stays; a rewrite is not a review). A new
    passport's writing is its first review."""
    _same_school(school, pupil)
    if not pupil.has_sen:
        raise ValidationError("Pupil passports are for pupils with SEN support or an EHC plan.")
    unknown = set(fields) - set(PASSPORT_FIELDS)
    if unknown:
        raise TypeError(f"unknown passport fields: {sorted(unknown)}")
    existing = Passport.objects.filter(pupil=pupil).first()
    created = existing is None
    passport = existing or Passport(school=school, pupil=pupil, written_on=written_on, reviewed_on=written_on)
    for name, value in fields.items():
        setattr(passport, name, _clean(value))
    passport.next_review_on = next_review_on or passport.reviewed_on + dt.timedelta(days=PASSPORT_REVIEW_DAYS)
    passport.updated_by = by
    passport.full_clean()
    changed_by(passport, by)
    passport.save()
    if created:
        first = PassportReview(
            passport=passport, reviewed_on=written_on, reviewed_by=by, pupil_contributed=passport.pupil_contributed
        )
        changed_by(first, by)
        first.save()
    return passport


@transaction.atomic
def passport_review(
    *,
    passport: Passport,
    reviewed_on: dt.date,
    pupil_contributed: bool = True,
    notes: str = "",
    next_review_on: dt.date | None = None,
    by: User | None = None,
) -> PassportReview:
    """Record a review with the pupil; the passport's review dates move on (never back)."""
    if reviewed_on < passport.written_on:
        raise ValidationError({"reviewed_on": "A review cannot come before the passport was written."})
    review = PassportReview(
        passport=passport, reviewed_on=reviewed_on, reviewed_by=by, pupil_contributed=pupil_contributed, notes=notes
    )
    review.full_clean()
    changed_by(review, by)
    review.save()
    if reviewed_on >= passport.reviewed_on:
        passport.reviewed_on = reviewed_on
        passport.next_review_on = next_review_on or reviewed_on + dt.timedelta(days=PASSPORT_REVIEW_DAYS)
        passport.updated_by = by
        passport.full_clean()
        changed_by(passport, by)
        passport.save()
    return review


def adjustment_add(
    *, passport: Passport, kind: str, description: str, added_on: dt.date, by: User | None = None
) -> Adjustment:
    adjustment = Adjustment(passport=passport, kind=kind, description=description.strip(), added_on=added_on)
    adjustment.full_clean()
    changed_by(adjustment, by)
    adjustment.save()
    return adjustment


def adjustment_end(*, adjustment: Adjustment, ended_on: dt.date, by: User | None = None) -> Adjustment:
    """An adjustment no longer needed is ended, not deleted: what helped a child stays on record."""
    if adjustment.ended_on is not None:
        raise ValidationError("That adjustment has already ended.")
    adjustment.ended_on = ended_on
    adjustment.full_clean()
    changed_by(adjustment, by)
    adjustment.save()
    return adjustment


def involvement_save(
    *, school: School, pupil: Pupil, involvement: AgencyInvolvement | None = None, by: User | None = None, **fields
) -> AgencyInvolvement:
    """Record another service's work with a pupil, or update it (dates, outcome)."""
    _same_school(school, pupil)
    unknown = set(fields) - set(AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"unknown involvement fields: {sorted(unknown)}")
    if involvement is None:
        involvement = AgencyInvolvement(school=school, pupil=pupil, recorded_by=by)
    elif involvement.pupil_id != pupil.pk:
        raise ValidationError("That record is about another pupil.")
    for name, value in fields.items():
        setattr(involvement, name, _clean(value))
    involvement.full_clean()
    changed_by(involvement, by)
    involvement.save()
    return involvement
