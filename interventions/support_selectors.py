"""Reads for pupil passports and multi-agency work, scoped through the access layer.

Passports: every teacher of a pupil with SEN reads the pupil's passport (``selectors.pupils_for``); the SENCO
writes it. Multi-agency work: the SENCO, senior leaders and admins only (never a class teacher or tutor, and a
SIP sees counts on the self-review only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from pupils.models import Pupil
from schoolpl.access import SchoolAccess
from schoolpl.roles import Cap

from . import selectors
from .models import PASSPORT_CURRENT_DAYS, AgencyInvolvement, Passport

SEN_CODES = ("K", "E")
AGENCY_READERS = (Cap.EDIT_INTERVENTIONS, Cap.READ_INTERVENTIONS_ALL)

CURRENT = "current"
DUE = "review overdue"
NONE = "no passport"


def is_current(reviewed_on: dt.date | None, on: dt.date) -> bool:
    """Written or reviewed in the ``PASSPORT_CURRENT_DAYS`` (about a term) up to ``on``."""
    return reviewed_on is not None and on - dt.timedelta(days=PASSPORT_CURRENT_DAYS) <= reviewed_on <= on


def passport_status(passport: Passport | None, on: dt.date) -> str:
    """ "current" while written or reviewed within about a term; "review overdue" after that."""
    if passport is None:
        return NONE
    return CURRENT if is_current(passport.reviewed_on, on) else DUE


@dataclass(frozen=True)
class PassportRow:
    pupil: Pupil
    passport: Passport | None
    status: str
    adjustments: int
    access_adjustments: int


def sen_pupils_for(access: SchoolAccess | None) -> QuerySet[Pupil]:
    """Pupils on roll with SEN support or an EHC plan whom this user may read by name."""
    return selectors.pupils_for(access).on_roll().filter(sen_provision__in=SEN_CODES)


def passport_rows(access: SchoolAccess | None, on: dt.date) -> list[PassportRow]:
    """Every SEN pupil the user may see, with their passport's status and adjustments in force. One query."""
    live = Q(passport__adjustments__ended_on__isnull=True)
    pupils = (
        sen_pupils_for(access)
        .select_related("passport")
        .annotate(
            n_adjustments=Count("passport__adjustments", filter=live),
            n_access=Count("passport__adjustments", filter=live & Q(passport__adjustments__kind__in=["ict", "access"])),
        )
        .order_by("year_group", "legal_surname", "legal_forename")
    )
    rows = []
    for pupil in pupils:
        passport = getattr(pupil, "passport", None)
        rows.append(PassportRow(pupil, passport, passport_status(passport, on), pupil.n_adjustments, pupil.n_access))
    return rows


def passport_of(pupil: Pupil) -> Passport | None:
    """The pupil's passport with its adjustments (in force first) and reviews: three queries, or one."""
    passport = Passport.objects.filter(pupil=pupil).select_related("updated_by").first()
    if passport is not None:
        # read by the templates beside the passport's own fields
        passport.live_adjustments = [  # type: ignore[attr-defined]
            a for a in passport.adjustments.order_by("kind", "pk") if a.ended_on is None
        ]
        passport.review_list = list(passport.reviews.select_related("reviewed_by"))  # type: ignore[attr-defined]
    return passport


def sees_agency_work(access: SchoolAccess | None) -> bool:
    return access is not None and access.sees_all_pupils and access.can(*AGENCY_READERS)


def involvements_for(access: SchoolAccess | None) -> QuerySet[AgencyInvolvement]:
    """The school's multi-agency records for the SENCO, leaders and admins; none for anyone else."""
    if access is None or not sees_agency_work(access):
        return AgencyInvolvement.objects.none()
    return AgencyInvolvement.objects.filter(school=access.school, pupil__in=selectors.pupils_for(access))
