"""The ``grid_notes`` hook: a "Passport" link beside each pupil of a class on the assessment grid who has a
pupil passport (assessment sits below interventions and reads this through the hook, never by import)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from .models import Passport


def notes_for(school, pupil_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """{pupil_id: ("Passport", url of the passport)} for the pupils with a passport. One query. The grid shows
    only pupils its viewer teaches (or, for whole-school roles, any pupil), and the passport page checks again."""
    found = Passport.objects.filter(school=school, pupil_id__in=list(pupil_ids)).values_list("pupil_id", flat=True)
    return {pupil_id: ("Passport", reverse("interventions:passport_detail", args=[pupil_id])) for pupil_id in found}
