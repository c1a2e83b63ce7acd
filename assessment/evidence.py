"""Annex evidence from assessment data: aggregates only (a SIP reads these). 3c APP coverage at the period's
window; 3a objectives with success criteria; 3b self- and peer-assessment."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.utils import timezone

from pupils.models import TeachingGroup
from schoolpl.evidence import Evidence
from schoolpl.models import AssessmentWindow

from . import selectors
from .models import CriterionRecord, LearningObjective
from .roll import share, years_words


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else ('es' if word.endswith('s') else 's')}"


def _app_coverage(school, window: AssessmentWindow, today: dt.date) -> Evidence:
    judged, total, years = selectors.judged_share(school=school, window=window, today=today)
    words = f"pupils on roll in {years_words(years)} in {window.name}"
    return Evidence(
        item_code="3c",
        label=f"Pupils with a periodic assessment in {window.name}",
        value=share(judged, total, school.small_count_threshold, words),
        method=(
            f"Pupils on roll during {window.name} who were in Year 1 or above then (their year group at the window, "
            "not today's), with at least one overall judgement recorded in that window."
        ),
        url_name=None,  # the grid names pupils; no aggregate page of coverage yet
    )


def _objectives(school, start: dt.date, end: dt.date) -> list[Evidence]:
    """3a: learning objectives taught in the period with success criteria, and the classes using them;
    3b: self- and peer-assessments against those criteria (4 queries)."""
    taught = LearningObjective.objects.filter(school=school, taught_on__gte=start, taught_on__lte=end)
    with_criteria = taught.filter(success_criteria__isnull=False).distinct()
    groups = with_criteria.values("group_id").distinct().count()
    objectives = with_criteria.count()
    all_groups = TeachingGroup.objects.filter(
        school=school, academic_year__start_date__lte=end, academic_year__end_date__gte=start
    ).count()
    records = CriterionRecord.objects.filter(
        criterion__objective__school=school,
        criterion__objective__taught_on__gte=start,
        criterion__objective__taught_on__lte=end,
        recorded_at__date__lte=end,
    )
    by = {row["by"]: row["n"] for row in records.values("by").annotate(n=Count("pk")).order_by()}
    self_peer = by.get(CriterionRecord.By.SELF, 0) + by.get(CriterionRecord.By.PEER, 0)
    all_records = self_peer + by.get(CriterionRecord.By.TEACHER, 0)
    return [
        Evidence(
            "3a",
            "Learning objectives with success criteria taught in the period",
            f"{_plural(objectives, 'objective')} with success criteria, taught in {groups} of the "
            f"{_plural(all_groups, 'class')} and sets of the year",
            "Learning objectives dated in the period that have at least one success criterion, and how many of the "
            "school's teaching groups (classes and sets) of the academic year they were taught to.",
        ),
        Evidence(
            "3b",
            "Self- and peer-assessments against success criteria in the period",
            f"{_plural(by.get(CriterionRecord.By.SELF, 0), 'self-assessment')} and "
            f"{_plural(by.get(CriterionRecord.By.PEER, 0), 'peer assessment')}; "
            f"{share(self_peer, all_records, school.small_count_threshold, 'ratings recorded')} made by pupils",
            "Ratings against the success criteria of objectives taught in the period, by the pupil themself or a "
            "peer, of all ratings recorded (teachers' included). Counts of ratings, not of pupils.",
        ),
    ]


def evidence(school, start: dt.date, end: dt.date) -> list[Evidence]:
    """Queries: window (1) + roll with judgements (1) + objectives and groups (3) + ratings (1)."""
    today = timezone.localdate()
    items = []
    window = (
        AssessmentWindow.objects.filter(school=school, end_date__lte=min(end, today), end_date__gte=start)
        .order_by("-end_date", "-pk")
        .first()
    )
    if window is not None:
        items.append(_app_coverage(school, window, today))
    return items + _objectives(school, start, end)
