"""Annex evidence from pupil passports and multi-agency work (aggregates only: a SIP reads these).

1b reasonable adjustments designed into teaching → pupils with SEN with a current passport, and reviewed in the
period; 6c ICT for access → pupils with SEN whose passport has an ICT or access adjustment in force; 8d access
to other services → involvements of other services, pupils involved, days from referral to first contact; 9b
multi-agency links for vulnerable children → pupils with an early help assessment or a team around the child.

Every figure is true for its period: pupils on roll in it (``assessment.roll.on_roll_between``) and nothing
dated after its end. Pupils with SEN are those recorded with SEN support (K) or an EHC plan (E)."""

from __future__ import annotations

import datetime as dt
import statistics

from django.db.models import Exists, OuterRef, Q

from assessment.roll import count, on_roll_between, share
from schoolpl.evidence import Evidence

from .models import ACCESS_KINDS, PASSPORT_CURRENT_DAYS, Adjustment, AgencyInvolvement, PassportReview

SEN_WORDS = "pupils with SEN on roll in the period"


def _passport_figures(school, start: dt.date, end: dt.date) -> dict[str, int]:
    """One query: each pupil with SEN on roll in the period, with whether their passport was current at the
    period's end, reviewed (or written) in it, and had an ICT or access adjustment in force at its end."""
    reviews = PassportReview.objects.filter(passport__pupil=OuterRef("pk"), reviewed_on__lte=end)
    rows = list(
        on_roll_between(school, start, end)
        .filter(sen_provision__in=("K", "E"))
        .annotate(
            current=Exists(reviews.filter(reviewed_on__gte=end - dt.timedelta(days=PASSPORT_CURRENT_DAYS))),
            reviewed=Exists(reviews.filter(reviewed_on__gte=start)),
            access=Exists(
                Adjustment.objects.filter(
                    passport__pupil=OuterRef("pk"),
                    passport__written_on__lte=end,
                    kind__in=ACCESS_KINDS,
                    added_on__lte=end,
                ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=end))
            ),
        )
        .values_list("current", "reviewed", "access")
    )
    return {
        "sen": len(rows),
        "current": sum(r[0] for r in rows),
        "reviewed": sum(r[1] for r in rows),
        "access": sum(r[2] for r in rows),
    }


def _agency_figures(school, start: dt.date, end: dt.date) -> dict:
    """One query: involvements open at some time in the period for pupils on roll in it, as they stood at its end."""
    rows = list(
        AgencyInvolvement.objects.filter(
            school=school, referred_on__lte=end, pupil_id__in=on_roll_between(school, start, end).values("pk")
        )
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=start))
        .values_list("pupil_id", "kind", "referred_on", "first_contact_on")
    )
    waits = [
        (contact - referred).days
        for _, _, referred, contact in rows
        if referred >= start and contact is not None and contact <= end
    ]
    return {
        "involvements": len(rows),
        "pupils": len({r[0] for r in rows}),
        "new": sum(r[2] >= start for r in rows),
        "waits": waits,
        "joined_up": len(
            {r[0] for r in rows if r[1] in (AgencyInvolvement.Kind.EARLY_HELP, AgencyInvolvement.Kind.TAC)}
        ),
    }


def _median_words(waits: list[int], threshold: int) -> str:
    if not waits:
        return "no referral in the period had a first contact by its end"
    if len(waits) < threshold:
        return f"{count(len(waits), threshold)} referrals with a first contact: median hidden"
    median = statistics.median(waits)
    return f"median {median:g} days from referral to first contact ({len(waits)} referrals made in the period)"


def evidence(school, start: dt.date, end: dt.date) -> list[Evidence]:
    """Queries: pupils with SEN and their passports (1), multi-agency involvements (1)."""
    threshold = school.small_count_threshold
    p = _passport_figures(school, start, end)
    a = _agency_figures(school, start, end)
    involvements = (
        f"{count(a['involvements'], threshold)} involvements of other services with "
        f"{count(a['pupils'], threshold)} pupils; {count(a['new'], threshold)} referrals or assessments begun in "
        f"the period; {_median_words(a['waits'], threshold)}"
        if a["involvements"]
        else "no involvement of other services recorded in the period"
    )
    return [
        Evidence(
            "1b",
            "Pupils with SEN with a current pupil passport (what helps me and their adjustments)",
            share(p["current"], p["sen"], threshold, SEN_WORDS),
            f"Pupils on roll in the period with SEN support or an EHC plan whose passport was written or reviewed with "
            f"them in the {PASSPORT_CURRENT_DAYS} days (about a term) up to the period's end.",
        ),
        Evidence(
            "1b",
            "Pupils with SEN whose passport was reviewed with them in the period",
            share(p["reviewed"], p["sen"], threshold, SEN_WORDS),
            "Pupils on roll in the period with SEN support or an EHC plan whose passport was written or reviewed in "
            "the period.",
        ),
        Evidence(
            "6c",
            "Pupils with SEN whose passport gives them ICT, assistive technology or access arrangements",
            share(p["access"], p["sen"], threshold, SEN_WORDS),
            "Pupils on roll in the period with SEN support or an EHC plan whose passport had an ICT or assistive "
            "technology adjustment, or an access arrangement, in force at the period's end.",
        ),
        Evidence(
            "8d",
            "Access to other services (health, social care, educational psychology, speech and language, CAMHS)",
            involvements,
            "Early help assessments, teams around the child and referrals open at some time in the period for pupils "
            "on roll in it; counts of involvements and of distinct pupils; days to first contact for referrals made "
            "in the period and contacted by its end.",
        ),
        Evidence(
            "9b",
            "Pupils supported by an early help assessment (CAF) or a team around the child",
            f"{count(a['joined_up'], threshold)} pupils with an early help assessment or a team around the child open "
            "in the period",
            "Distinct pupils on roll in the period with an early help assessment or a team around the child open at "
            "some time in it.",
        ),
    ]
