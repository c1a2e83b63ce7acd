"""Annex evidence from interventions (aggregates only: a SIP reads these).

4a linking intervention learning into mainstream lessons → classroom follow-ups recorded and acted on;
4b individual tuition → pupils in wave 3 provision; 4c evaluating impact → places with measured impact; 1b, 6c,
8d and 9b (pupil passports and multi-agency work) from ``interventions.evidence_support``."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from assessment.roll import count, on_roll_between, share
from schoolpl.evidence import Evidence

from . import impact, selectors
from .evidence_support import evidence as support_evidence
from .models import FollowUp, ProvisionPupil


def evidence(school, start: date, end: date) -> list[Evidence]:
    """Queries: follow-ups (1), wave 3 pupils (1), ended places (1) + impact (3), passports and multi-agency (2)."""
    threshold = school.small_count_threshold
    follow = FollowUp.objects.filter(
        place__provision__school=school, recorded_on__gte=start, recorded_on__lte=end
    ).aggregate(total=Count("pk"), acted=Count("pk", filter=Q(followed_up_on__lte=end)))
    wave3 = (
        ProvisionPupil.objects.filter(
            provision__school=school,
            provision__programme__wave=3,
            provision__start_date__lte=end,
            provision__end_date__gte=start,
            joined_on__lte=end,
            pupil_id__in=on_roll_between(school, start, end).values("pk"),
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=start))
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
    followed = (
        f"{follow['total']} follow-up note{'s' if follow['total'] != 1 else ''} written in the period; "
        f"{share(follow['acted'], follow['total'], threshold, 'follow-up notes')} built on in class by its end"
        if follow["total"]
        else "no follow-up notes written in the period"
    )
    measured = (
        f"{share(summary.measured, summary.pupils, threshold, 'places ending in the period')} measured; "
        f"{share(summary.accelerated, summary.measured, threshold, 'measured places')} accelerated"
        + (f"; £{summary.cost_per_point:.2f} per point gained" if summary.cost_per_point is not None else "")
        if summary.pupils
        else "no places in provision ended in the period"
    )
    items = [
        Evidence(
            "4a",
            "Intervention learning followed up in class",
            followed,
            "Follow-up notes written for class teachers in the period, and how many the teacher marked as "
            "followed up in class by the end of the period. Counts of notes, not of pupils.",
        ),
        Evidence(
            "4b",
            "Pupils receiving wave 3 (one-to-one or highly personalised) provision",
            f"{count(wave3, threshold)} pupils in wave 3 provision in the period",
            "Distinct pupils on roll with a place in wave 3 provision at any time in the period.",
            url_name="interventions:impact_summary",
        ),
        Evidence(
            "4c",
            "Intervention places with measured impact",
            measured,
            "Places ending in the period with entry and exit judgements; accelerated means the pupil's rate of "
            "progress during the provision met or beat the school's expected rate (not merely any gain).",
            url_name="interventions:impact_summary",
        ),
    ]
    return items + support_evidence(school, start, end)
