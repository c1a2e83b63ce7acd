"""The self-review's own annex evidence, from figures that read more than one app (aggregates only; a SIP
reads these): 2c what was done about flagged pupils (``selfreview.response``), 1c–1e, 5b, 5c, 6a, 6b and 6d
from lesson observations and learning walks (``selfreview.walks_evidence``), 5a progress of pupils taught in
sets and in classes against the school, 7b progress and provision for SEN, EAL and gifted and talented pupils
against the rest.

Discovered like every ``<app>/evidence.py``. 2c also needs the phase's date and the review's number of weeks,
which the registry's ``evidence(school, start, end)`` does not carry: ``selectors.evidence_by_phase`` sets them
in ``PHASE`` while it collects (outside the grid, the cutoff is today and the weeks the default)."""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from assessment.roll import on_roll_between, roll_at, share
from interventions.models import ProvisionPupil
from pupils.models import GroupMembership, TeachingGroup
from schoolpl.evidence import Evidence
from schoolpl.models import AssessmentWindow
from targets.models import ProgressStatus

from . import response, walks_evidence
from .models import DEFAULT_ACTION_WEEKS

ON_TRACK = (ProgressStatus.Status.AHEAD, ProgressStatus.Status.ON_TRACK)


@dataclass(frozen=True)
class Phase:
    cutoff: dt.date  # the phase date, or today if earlier
    weeks: int


PHASE: ContextVar[Phase | None] = ContextVar("selfreview_evidence_phase", default=None)

# 7b's groups: (label, the pupils' words, a test on a roll row)
GROUPS = (
    ("SEN", "pupils with SEN", lambda row: row["sen_provision"] in ("K", "E")),
    ("EAL", "pupils with EAL", lambda row: row["eal"]),
    ("Gifted and talented", "gifted and talented pupils", lambda row: row["gifted"]),
)


def _window(school, start: dt.date, end: dt.date, today: dt.date) -> AssessmentWindow | None:
    """The assessment window that ended last in the period (and by today): 1 query."""
    ended = AssessmentWindow.objects.filter(school=school, end_date__gte=start, end_date__lte=min(end, today))
    return ended.order_by("-end_date", "-pk").first()


def _sets(school, window: AssessmentWindow, start: dt.date, end: dt.date) -> list[Evidence]:
    """5a: trajectories (pupil × subject) on track or ahead, taught in a set in that subject during the window
    against those taught in a class, and the whole school (1 query)."""
    in_set = GroupMembership.objects.filter(
        pupil=OuterRef("pupil_id"),
        group__kind=TeachingGroup.Kind.SET,
        group__subject=OuterRef("subject__group_subject"),
        start_date__lte=window.end_date,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=window.start_date))
    rows = (
        ProgressStatus.objects.filter(
            school=school, window=window, pupil_id__in=on_roll_between(school, start, end).values("pk")
        )
        .annotate(in_set=Exists(in_set))
        .aggregate(
            total=Count("pk"),
            on_track=Count("pk", filter=Q(status__in=ON_TRACK)),
            sets=Count("pk", filter=Q(in_set=True)),
            sets_on_track=Count("pk", filter=Q(in_set=True, status__in=ON_TRACK)),
        )
    )
    threshold = school.small_count_threshold
    in_sets = share(rows["sets_on_track"], rows["sets"], threshold, "trajectories taught in a set")
    school_wide = share(rows["on_track"], rows["total"], threshold, f"pupils' subject trajectories in {window.name}")
    classes, classes_on = rows["total"] - rows["sets"], rows["on_track"] - rows["sets_on_track"]
    method = (
        "Trajectories (one per pupil on roll and subject) on track or ahead at the window; a pupil counts as set "
        "in a subject when they were in a set of that subject at any time in the window, else as taught in a class."
    )
    return [
        Evidence(
            "5a",
            f"Progress of pupils taught in sets, {window.name}",
            f"on track or ahead: {in_sets}; whole school {school_wide}",
            method,
            url_name="targets:dashboard",
        ),
        Evidence(
            "5a",
            f"Progress of pupils taught in classes, {window.name}",
            f"on track or ahead: {share(classes_on, classes, threshold, 'trajectories taught in a class')}"
            f"; whole school {school_wide}",
            method,
            url_name="targets:dashboard",
        ),
    ]


def _groups(school, window: AssessmentWindow | None, start: dt.date, end: dt.date, today: dt.date) -> list[Evidence]:
    """7b: for SEN, EAL and gifted and talented pupils against the rest: on track or ahead in every subject at
    the window (of pupils with a trajectory), and in provision in the period (of pupils on roll) (1 query)."""
    statuses = ProgressStatus.objects.filter(pupil=OuterRef("pk"), window=window)
    placed = ProvisionPupil.objects.filter(
        pupil=OuterRef("pk"), joined_on__lte=end, provision__start_date__lte=end, provision__end_date__gte=start
    ).filter(Q(left_on__isnull=True) | Q(left_on__gte=start))
    flags = {"placed": Exists(placed)}
    if window is not None:
        flags |= {"tracked": Exists(statuses), "off": Exists(statuses.exclude(status__in=ON_TRACK))}
    rows = roll_at(school, start, end, today, fields=("sen_provision", "eal", "gifted"), **flags)
    threshold = school.small_count_threshold
    items = []
    for label, words, member in GROUPS:
        parts = []
        for who, group in (
            (words, [r for r in rows if member(r)]),
            ("other pupils", [r for r in rows if not member(r)]),
        ):
            tracked = [r for r in group if r.get("tracked")]
            progress = share(sum(not r["off"] for r in tracked), len(tracked), threshold, f"{who} with a trajectory")
            provision = share(sum(r["placed"] for r in group), len(group), threshold, f"{who} on roll")
            parts.append((progress, provision))
        (mine_p, mine_v), (rest_p, rest_v) = parts
        value = f"in provision: {mine_v}, against {rest_v}"
        if window is not None:
            value = f"on track or ahead in every subject in {window.name}: {mine_p}, against {rest_p}; " + value
        items.append(
            Evidence(
                "7b",
                f"{label} pupils against the rest",
                value,
                "Pupils on roll in the period: on track or ahead means no subject behind, well behind or stuck at "
                "the window; in provision means a place in intervention provision running at some time in the "
                "period.",
                url_name="targets:dashboard" if window is not None else None,
            )
        )
    return items


def evidence(school, start: dt.date, end: dt.date) -> list[Evidence]:
    """Queries: window (1) + 2c (7) + 5a (1) + 7b (1) + observations (1)."""
    today = timezone.localdate()
    phase = PHASE.get() or Phase(min(end, today), DEFAULT_ACTION_WEEKS)
    window = _window(school, start, end, today)
    items = response.evidence(school, start, end, cutoff=min(phase.cutoff, today), weeks=phase.weeks)
    if window is not None:
        items += _sets(school, window, start, end)
    return items + _groups(school, window, start, end, today) + walks_evidence.evidence(school, start, end)
