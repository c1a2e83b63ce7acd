"""Blocks for the pupil profile (provision history, impact, score cards, follow-ups) and, for a class teacher,
the home page (classroom follow-ups for pupils in their groups). Constant queries each."""

from __future__ import annotations

from schoolpl.nav import Panel
from schoolpl.roles import Cap

from . import selectors, support_selectors
from .models import AgencyInvolvement, FollowUp, Passport, ProvisionPupil, ScoreCard

READERS = (Cap.EDIT_INTERVENTIONS, Cap.READ_INTERVENTIONS_ALL, Cap.READ_INTERVENTIONS_OWN)


def pupil_panels(request, pupil, **kwargs) -> list[Panel]:
    """The pupil passport (for every reader), multi-agency work (SENCO and leaders) and interventions."""
    access = request.access
    if access is None or not access.can(*READERS) or not access.sees_pupil_names:
        return []
    return [*_passport_panel(access, pupil), *_agency_panel(access, pupil), *_interventions_panel(access, pupil)]


def _passport_panel(access, pupil) -> list[Panel]:
    """Queries: passport (1) + adjustments in force (1)."""
    passport = Passport.objects.filter(pupil=pupil, school=access.school).first()
    if passport is None:
        return []
    passport.live_adjustments = list(passport.adjustments.filter(ended_on__isnull=True).order_by("kind", "pk"))
    status = support_selectors.passport_status(passport, selectors.today())
    context = {"pupil_id": pupil.pk, "passport": passport, "status": status}
    return [Panel("Pupil passport: what helps me", "interventions/_passport_panel.html", context, order=35)]


def _agency_panel(access, pupil) -> list[Panel]:
    """For the SENCO, leaders and admins. Query: 1."""
    if not support_selectors.sees_agency_work(access):
        return []
    involvements = list(AgencyInvolvement.objects.filter(pupil=pupil, school=access.school))
    if not involvements:
        return []
    context = {
        "pupil_id": pupil.pk,
        "total": len(involvements),
        "open": [i for i in involvements if i.closed_on is None],
    }
    return [Panel("Multi-agency work", "interventions/_agency_panel.html", context, order=45)]


def _interventions_panel(access, pupil) -> list[Panel]:
    """Queries: places (1) + impact (3), follow-ups (1), score cards (1) + ratings (1)."""
    places = list(
        ProvisionPupil.objects.filter(pupil=pupil, provision__school=access.school)
        .select_related("provision__programme")
        .order_by("-joined_on")
    )
    cards = list(ScoreCard.objects.filter(pupil=pupil, school=access.school).order_by("taken_on", "pk"))
    views = selectors.card_views([cards[0], cards[-1]] if cards else [])
    context = {
        "pupil_id": pupil.pk,
        "impacts": selectors.place_impacts(places),
        "follow_ups": list(
            FollowUp.objects.filter(place__pupil=pupil, place__provision__school=access.school).select_related(
                "place__pupil", "place__provision__programme", "followed_up_by"
            )[:10]
        ),
        "can_follow_up": access.can(Cap.EDIT_INTERVENTIONS, Cap.ADD_FOLLOW_UP),
        "card_count": len(cards),
        "latest_card_date": cards[-1].taken_on if cards else None,
        "latest_average": views[-1].average if views else None,
        "change": (
            round(views[-1].average - views[0].average, 2)
            if len(cards) > 1 and None not in (views[0].average, views[-1].average)
            else None
        ),
    }
    if not places and not cards:
        return []
    return [Panel("Interventions and needs", "interventions/_pupil_panel.html", context, order=40)]


def home_panels(request, **kwargs) -> list[Panel]:
    """For a class teacher: follow-ups for pupils in their groups still to be built on in class. Query: 1."""
    access = request.access
    if access is None or access.sees_all_pupils or not access.can(Cap.ADD_FOLLOW_UP):
        return []
    follow_ups = list(selectors.follow_ups_for(access, pending_only=True)[:20])
    if not follow_ups:
        return []
    return [
        Panel(
            "Classroom follow-up from interventions",
            "interventions/_home_follow_ups.html",
            {"follow_ups": follow_ups},
            order=20,
        )
    ]
