"""Annex evidence from interventions (aggregates only: a SIP reads these).

4a linking intervention learning into mainstream lessons → classroom follow-ups recorded and acted on;
4b individual tuition → pupils in wave 3 provision; 4c evaluating impact → places with measured impact."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from schoolpl.evidence import Evidence

from . import impact, selectors
from .models import FollowUp, ProvisionPupil


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}% ({part} of {whole})" if whole else "none yet"


def evidence(school, start: date, end: date) -> list[Evidence]:
    """Queries: follow-ups (1), wave 3 pupils (1), ended places (1) + impact (3)."""
    follow = FollowUp.objects.filter(
        place__provision__school=school, recorded_on__gte=start, recorded_on__lte=end
    ).aggregate(total=Count("pk"), acted=Count("pk", filter=Q(followed_up_on__isnull=False)))
    wave3 = (
        ProvisionPupil.objects.filter(
            provision__school=school,
            provision__programme__wave=3,
            provision__start_date__lte=end,
            provision__end_date__gte=start,
        )
        .values("pupil_id")
        .distinct()
        .count()
    )
    ended = list(
        ProvisionPupil.objects.filter(provision__school=school)
        .filter(
            Q(left_on__gte=start, left_on__lte=end)
            | Q(left_on__isnull=True, provision__end_date__gte=start, provision__end_date__lte=end)
        )
        .select_related("provision__programme")
    )
    summary = impact.summarise(i.result for i in selectors.place_impacts(ended))
    items = [
        Evidence(
            "4a",
            "Intervention learning followed up in class",
            f"{follow['total']} follow-up{'s' if follow['total'] != 1 else ''} recorded; "
            f"{_pct(follow['acted'], follow['total'])} built on in class",
            "Follow-up notes written for class teachers in the period, and how many the teacher marked as "
            "followed up in class.",
        ),
        Evidence(
            "4b",
            "Pupils receiving wave 3 (one-to-one or highly personalised) provision",
            str(wave3),
            "Distinct pupils with a place in wave 3 provision running at any time in the period.",
            url_name="interventions:impact_summary",
        ),
        Evidence(
            "4c",
            "Intervention places with measured impact",
            f"{_pct(summary.measured, summary.pupils)} measured; "
            f"{_pct(summary.accelerated, summary.measured)} accelerated"
            + (f"; £{summary.cost_per_point:.2f} per point gained" if summary.cost_per_point is not None else ""),
            "Places ending in the period with entry and exit judgements; accelerated means the pupil's rate of "
            "progress during the provision met or beat the school's expected rate (not merely any gain).",
            url_name="interventions:impact_summary",
        ),
    ]
    return items
