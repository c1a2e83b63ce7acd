"""Item 2c, "adjusting teaching and intervention programmes in the light of tracking information": of the pupils
flagged (behind, well behind or stuck) in a period, the share the school acted on within its number of weeks,
and how long the first action took.

A pupil's flag date is the day the judgement behind the flag was recorded (the window's end when none is
found). An action is the first of: a numeric target set or changed, a pupil-level curricular target written, a
classroom follow-up note written after an intervention session, a place in provision started, a progress review
held — on or after the flag date and no later than the phase date (nor today). A pupil whose weeks had not run
out by then and who has no action yet is not counted either way: the figure is true on the phase's date.

This reads targets, interventions and the progress reviews (through the pupil's ``progress_reviews``, so that
it does not name the app being moved); the self-review may read every app. Seven queries whatever the number
of pupils.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.db.models.functions import TruncDate

from assessment.models import Judgement
from assessment.roll import count, on_roll_between, share
from interventions.models import FollowUp, ProvisionPupil
from pupils.models import Pupil
from schoolpl.evidence import Evidence
from targets.models import CurricularTarget, ProgressStatus, PupilTarget

OFF = (ProgressStatus.Status.BEHIND, ProgressStatus.Status.WELL_BEHIND, ProgressStatus.Status.STUCK)


@dataclass(frozen=True)
class Response:
    flagged: int  # pupils flagged in the period
    due: int  # of whom: acted on, or whose weeks had run out by the cutoff
    acted: int  # of the due: acted on within the weeks
    pending: int  # flagged too recently to judge, with no action yet
    days: list[int]  # days from flag to first action, of every pupil acted on by the cutoff
    windows: list[str]


def flags(school, start: dt.date, end: dt.date, cutoff: dt.date) -> tuple[dict[int, dt.date], list[str]]:
    """``{pupil_id: first flag date}`` for pupils on roll in the period flagged at a window ending in it (1 query)."""
    judged_at = Judgement.objects.filter(
        pupil=OuterRef("pupil_id"), subject=OuterRef("subject_id"), window=OuterRef("window_id")
    ).values("judged_at")[:1]
    rows = (
        ProgressStatus.objects.filter(
            school=school,
            status__in=OFF,
            window__end_date__gte=start,
            window__end_date__lte=min(end, cutoff),
            pupil_id__in=on_roll_between(school, start, end).values("pk"),
        )
        .annotate(judged=Subquery(judged_at))
        .values_list("pupil_id", "window__end_date", "judged", "window__name")
    )
    first: dict[int, dt.date] = {}
    windows: dict[str, dt.date] = {}
    for pupil_id, window_end, judged, name in rows:
        day = min(judged.date(), window_end) if judged else window_end
        first[pupil_id] = min(first.get(pupil_id, day), day)
        windows[name] = window_end
    return first, sorted(windows, key=lambda name: windows[name])


def action_dates(pupil_ids, since: dt.date, cutoff: dt.date) -> dict[int, list[dt.date]]:
    """Every dated action for these pupils between ``since`` and ``cutoff`` (5 queries)."""
    found: dict[int, list[dt.date]] = defaultdict(list)
    sources = [
        PupilTarget.history.filter(pupil_id__in=pupil_ids)
        .annotate(day=TruncDate("history_date"))
        .values_list("pupil_id", "day"),
        CurricularTarget.objects.filter(pupil_id__in=pupil_ids, level=CurricularTarget.Level.PUPIL)
        .annotate(day=TruncDate("created_at"))
        .values_list("pupil_id", "day"),
        FollowUp.objects.filter(place__pupil_id__in=pupil_ids).values_list("place__pupil_id", "recorded_on"),
        ProvisionPupil.objects.filter(pupil_id__in=pupil_ids).values_list("pupil_id", "joined_on"),
        Pupil.objects.filter(pk__in=pupil_ids, progress_reviews__isnull=False).values_list(
            "pk", "progress_reviews__held_on"
        ),
    ]
    for rows in sources:
        for pupil_id, day in rows:
            if day is not None and since <= day <= cutoff:
                found[pupil_id].append(day)
    return found


def response(school, start: dt.date, end: dt.date, cutoff: dt.date, weeks: int) -> Response:
    flagged, windows = flags(school, start, end, cutoff)
    if not flagged:
        return Response(0, 0, 0, 0, [], windows)
    actions = action_dates(list(flagged), min(flagged.values()), cutoff)
    limit = dt.timedelta(weeks=weeks)
    due = acted = pending = 0
    days = []
    for pupil_id, flagged_on in flagged.items():
        first = min((d for d in actions.get(pupil_id, []) if d >= flagged_on), default=None)
        if first is not None:
            days.append((first - flagged_on).days)
        if first is not None and first - flagged_on <= limit:
            due, acted = due + 1, acted + 1
        elif flagged_on + limit <= cutoff:
            due += 1
        else:
            pending += 1
    return Response(len(flagged), due, acted, pending, sorted(days), windows)


def evidence(school, start: dt.date, end: dt.date, *, cutoff: dt.date, weeks: int) -> list[Evidence]:
    found = response(school, start, end, cutoff, weeks)
    threshold = school.small_count_threshold
    when = " and ".join(found.windows) or "the period"
    words = (
        f"pupils flagged behind, well behind or stuck in {when} and acted on, or past {weeks} weeks, "
        f"by {cutoff:%-d %B %Y}"
    )
    value = (
        share(found.acted, found.due, threshold, words)
        if found.flagged
        else f"no pupils flagged behind, well behind or stuck in {when}"
    )
    if found.pending:
        value += f"; {count(found.pending, threshold)} flagged less than {weeks} weeks before, not yet counted"
    items = [
        Evidence(
            "2c",
            f"Flagged pupils acted on within {weeks} weeks",
            value,
            "An action is a numeric target set or changed, a pupil target written, a classroom follow-up note, a "
            "place in provision started or a progress review held, on or after the day the flag's judgement was "
            f"recorded and by {cutoff:%-d %B %Y}. The number of weeks is set on the review.",
            url_name="targets:dashboard",
        )
    ]
    if found.days:
        n = len(found.days)
        acted_on = f"{count(n, threshold)} flagged pupil{'s' if n != 1 else ''} acted on by {cutoff:%-d %B %Y}"
        median = statistics.median(found.days)
        items.append(
            Evidence(
                "2c",
                "Time from flag to first action",
                f"median {median:g} days, of {acted_on}" if n >= threshold else f"{acted_on}: figure hidden",
                "Days from the day the flag's judgement was recorded to the first action, for every flagged pupil "
                "with an action by the phase date (however long it took).",
            )
        )
    return items
