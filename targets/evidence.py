"""Annex evidence from targets (aggregates only; a SIP reads these), true for the period asked about:
2a — numeric targets translated into curricular targets (pupils on roll with a numeric target, of whom one or
more numeric targets has a curricular target serving it); 2b — pupils off trajectory, and stuck, at the window
that ended in the period, of the pupils on roll then with a trajectory; 2d — pupil targets live in the period
agreed with the pupil. (2c, what was done about the pupils flagged, reads interventions and progress reviews
too: ``selfreview.response``.)"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from assessment.roll import on_roll_between, share
from schoolpl.evidence import Evidence
from schoolpl.models import AssessmentWindow

from .models import CurricularTarget, ProgressStatus, PupilTarget, TargetReview

OFF = ("behind", "stuck", "well_behind")


def _trajectory(school, window: AssessmentWindow, start: date, end: date) -> list[Evidence]:
    on_roll = on_roll_between(school, start, end).values("pk")
    figures = ProgressStatus.objects.filter(school=school, window=window, pupil_id__in=on_roll).aggregate(
        pupils=Count("pupil", distinct=True),
        off=Count("pupil", distinct=True, filter=Q(status__in=OFF)),
        stuck=Count("pupil", distinct=True, filter=Q(status="stuck")),
    )  # 1 query
    words = f"pupils on roll with a trajectory in {window.name}"
    threshold = school.small_count_threshold
    return [
        Evidence(
            item_code="2b",
            label=f"Pupils off trajectory in {window.name}",
            value=share(figures["off"], figures["pupils"], threshold, words),
            method="Pupils whose judgement in the window is behind, stuck or well behind the line from their "
            "baseline to their target in at least one subject, of the pupils on roll then with a trajectory.",
            url_name="targets:dashboard",
        ),
        Evidence(
            item_code="2b",
            label=f"Pupils stuck in {window.name}",
            value=share(figures["stuck"], figures["pupils"], threshold, words),
            method="Pupils with no measurable progress over the last assessment windows in a subject, of the pupils "
            "on roll then with a trajectory.",
            url_name="targets:dashboard",
        ),
    ]


def _translated(school, start: date, end: date) -> Evidence:
    """2a: of the pupils on roll in the period with a numeric target (proposed or active now, or replaced in or
    after the period), those with at least one numeric target served by a curricular target set in the period
    or still active (a pupil target naming it, ``serves``, or a group target of theirs in its subject, as
    ``targets.chain`` reads the chain). One query."""
    timely = Q(created_at__date__lte=end) & (Q(created_at__date__gte=start) | Q(status=CurricularTarget.Status.ACTIVE))
    own = CurricularTarget.objects.filter(timely, level=CurricularTarget.Level.PUPIL, serves=OuterRef("pk"))
    grouped = CurricularTarget.objects.filter(
        timely,
        level=CurricularTarget.Level.GROUP,
        group_pupils=OuterRef("pupil_id"),
        subject_id=OuterRef("subject_id"),
    )
    live = Q(status__in=(PupilTarget.Status.PROPOSED, PupilTarget.Status.ACTIVE)) | Q(
        status=PupilTarget.Status.REPLACED, set_at__date__gte=start
    )
    on_roll = on_roll_between(school, start, end).values("pk")
    figures = PupilTarget.objects.filter(live, school=school, pupil_id__in=on_roll).aggregate(
        pupils=Count("pupil", distinct=True),
        served=Count("pupil", distinct=True, filter=Q(Exists(own)) | Q(Exists(grouped))),
    )  # 1 query
    return Evidence(
        item_code="2a",
        label="Numeric targets translated into curricular targets",
        value=share(
            figures["served"],
            figures["pupils"],
            school.small_count_threshold,
            "pupils on roll with a numeric target in a subject",
        ),
        method="Pupils with at least one numeric (NC level) target that a curricular target serves — their own "
        "target linked to it, or a group target of theirs in its subject — set in the period or still active, of "
        "the pupils on roll in the period with a numeric target.",
    )


def _agreed(school, start: date, end: date) -> Evidence:
    """Pupil targets live at some time in the period: set on or before its end, and still active or reviewed
    (closed) on or after its start; for pupils on roll then."""
    reviewed_since = TargetReview.objects.filter(target=OuterRef("pk"), reviewed_on__gte=start)
    live = CurricularTarget.objects.filter(
        school=school,
        level=CurricularTarget.Level.PUPIL,
        created_at__date__lte=end,
        pupil_id__in=on_roll_between(school, start, end).values("pk"),
    ).filter(Q(status=CurricularTarget.Status.ACTIVE) | Q(Exists(reviewed_since)))
    agreed = live.aggregate(total=Count("pk"), agreed=Count("pk", filter=Q(agreed_with_pupil=True)))  # 1 query
    return Evidence(
        item_code="2d",
        label="Pupil targets agreed with the pupil",
        value=share(
            agreed["agreed"], agreed["total"], school.small_count_threshold, "pupil targets live in the period"
        ),
        method="Curricular targets at pupil level set by the end of the period and still open at its start, marked "
        "as agreed with the pupil, of all such targets of pupils on roll then.",
    )


def evidence(school, start: date, end: date) -> list[Evidence]:
    """Queries: window (1) + trajectories (1) + numeric targets served (1) + pupil targets (1)."""
    window = (
        AssessmentWindow.objects.filter(
            school=school, end_date__gte=start, end_date__lte=min(end, timezone.localdate())
        )
        .order_by("-end_date", "-pk")
        .first()
    )  # 1 query
    items = _trajectory(school, window, start, end) if window is not None else []
    return [*items, _translated(school, start, end), _agreed(school, start, end)]
