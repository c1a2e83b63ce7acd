"""The ``flags`` hook: why each pupil of a class is flagged in a subject at a window, for the assessment grid
(assessment sits below targets and reads this through the hook, never by import)."""

from __future__ import annotations

from collections.abc import Iterable

from . import explain, trajectory
from .models import ProgressStatus

OFF_TRAJECTORY = (trajectory.BEHIND, trajectory.STUCK, trajectory.WELL_BEHIND)


def flags_for(school, subject, window, pupil_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """{pupil_id: (status, sentence)} for the pupils behind, stuck or well behind in ``subject`` at ``window``,
    the sentence from :func:`targets.explain.explain_latest`. One query: the pupils' status rows in the
    subject up to the window, oldest first, with their window names."""
    series: dict[int, list[explain.StatusRow]] = {}
    names: dict[int, str] = {}
    rows = (
        ProgressStatus.objects.filter(
            school=school, subject=subject, pupil_id__in=list(pupil_ids), window__end_date__lte=window.end_date
        )
        .order_by("pupil_id", "window__end_date", "window_id")
        .values_list("pupil_id", "window__name", "since_window__name", *explain.StatusRow._fields)
    )
    for pupil_id, window_name, since_name, *row in rows:
        status_row = explain.StatusRow(*row)
        names.update({status_row.window_id: window_name, status_row.since_window_id: since_name})
        series.setdefault(pupil_id, []).append(status_row)
    scale = explain.scale_of(subject)
    return {
        pupil_id: (history[-1].status, explain.explain_latest(history, names, scale))
        for pupil_id, history in series.items()
        if history[-1].window_id == window.pk and history[-1].status in OFF_TRAJECTORY
    }
