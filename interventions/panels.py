"""Blocks for the pupil profile (provision history, impact, score cards, follow-ups) and, for a class teacher,
the home page (classroom follow-ups for pupils in their groups). Constant queries each."""

from __future__ import annotations

from schoolpl.nav import Panel
from schoolpl.roles import Cap

from . import selectors
from .models import FollowUp, ProvisionPupil, ScoreCard

READERS = (Cap.EDIT_INTERVENTIONS, Cap.READ_INTERVENTIONS_ALL, Cap.READ_INTERVENTIONS_OWN)


def pupil_panels(request, pupil, **kwargs) -> list[Panel]:
    """Queries: places (1) + impact (3), follow-ups (1), score cards (1) + ratings (1)."""
    access = request.access
    if access is None or not access.can(*READERS) or not access.sees_pupil_names:
        return []
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
