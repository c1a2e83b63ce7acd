"""What the dashboards show beside a flagged pupil: their current wave 2/3 provision, if any."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from .models import Provision, ProvisionPupil


def provision_for(school, pupil_ids, on: dt.date | None = None) -> dict[int, str]:
    """``{pupil_id: "Wave 2: Reading catch-up"}`` for pupils with wave 2/3 provision running on ``on`` (today);
    the highest wave wins, then the latest start. One query."""
    on = on or timezone.localdate()
    rows = (
        ProvisionPupil.objects.filter(
            provision__school=school,
            pupil_id__in=list(pupil_ids),
            provision__programme__wave__in=(2, 3),
            provision__start_date__lte=on,
            provision__end_date__gte=on,
            joined_on__lte=on,
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=on))
        .order_by("pupil_id", "-provision__programme__wave", "-provision__start_date")
        .values_list("pupil_id", "provision__programme__wave", "provision__programme__name")
    )
    found: dict[int, str] = {}
    for pupil_id, wave, name in rows:
        found.setdefault(pupil_id, f"Wave {wave}: {name}")
    return found


def provisions_serving(school, target_ids) -> dict[int, list[str]]:
    """``{curricular_target_id: ["Wave 2: Reading catch-up", …]}``: the provision linked to each curricular
    target (``Provision.targets``), latest first, for the chain from a pupil's number to their words
    (``targets.chain``). One query."""
    rows = (
        Provision.targets.through.objects.filter(provision__school=school, curriculartarget_id__in=list(target_ids))
        .order_by("curriculartarget_id", "-provision__start_date", "provision__name")
        .values_list("curriculartarget_id", "provision__programme__wave", "provision__programme__name")
    )
    found: dict[int, list[str]] = {}
    for target_id, wave, name in rows:
        label = f"Wave {wave}: {name}"
        labels = found.setdefault(target_id, [])
        if label not in labels:
            labels.append(label)
    return found
