"""Annex evidence from targets (aggregates only; a SIP reads these):
2b/2c — pupils off trajectory in the latest window; 2d — active pupil targets agreed with the pupil."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from schoolpl import disclosure
from schoolpl.evidence import Evidence
from schoolpl.models import AssessmentWindow

from .models import CurricularTarget, ProgressStatus

OFF = ("behind", "stuck", "well_behind")


def _pct(part: int, whole: int, threshold: int) -> str:
    """ "20% (36 of 180)"; a SIP reads these, so a count under the school's threshold is "<5" and no share
    of it is given (nor a share whose rest is that small: "all but one" names a child too)."""
    if not whole:
        return "no data yet"
    if disclosure.share_hidden(part, whole, threshold):
        small = disclosure.small(threshold)
        if whole < threshold:
            return f"{small} pupils in all: figures hidden"
        if part < threshold:
            return f"{small} of {whole}"
        return f"all but {small} of {whole}"
    return f"{round(100 * part / whole)}% ({part} of {whole})"


def evidence(school, start: date, end: date) -> list[Evidence]:
    window = (
        AssessmentWindow.objects.filter(school=school, end_date__lte=end).order_by("-end_date", "-pk").first()
    )  # 1 query
    items = []
    if window is not None:
        figures = ProgressStatus.objects.filter(
            school=school, window=window, pupil__archived_at__isnull=True
        ).aggregate(
            pupils=Count("pupil", distinct=True),
            off=Count("pupil", distinct=True, filter=Q(status__in=OFF)),
            stuck=Count("pupil", distinct=True, filter=Q(status="stuck")),
        )  # 1 query
        for code in ("2b", "2c"):
            items.append(
                Evidence(
                    item_code=code,
                    label=f"Pupils off trajectory in {window.name}",
                    value=_pct(figures["off"], figures["pupils"], school.small_count_threshold),
                    method="Pupils whose judgement in the latest window is behind, stuck or well behind the line from "
                    "their baseline to their target in at least one subject, of pupils with a trajectory.",
                    url_name=None,
                )
            )
        items.append(
            Evidence(
                item_code="2c",
                label=f"Pupils stuck in {window.name}",
                value=_pct(figures["stuck"], figures["pupils"], school.small_count_threshold),
                method="Pupils with no measurable progress over the last two assessment windows in a subject.",
            )
        )
    agreed = CurricularTarget.objects.filter(
        school=school, level=CurricularTarget.Level.PUPIL, status=CurricularTarget.Status.ACTIVE
    ).aggregate(total=Count("pk"), agreed=Count("pk", filter=Q(agreed_with_pupil=True)))  # 1 query
    items.append(
        Evidence(
            item_code="2d",
            label="Active pupil targets agreed with the pupil",
            value=_pct(agreed["agreed"], agreed["total"], school.small_count_threshold),
            method="Active curricular targets at pupil level marked as agreed with the pupil, "
            "of all active pupil targets.",
            url_name="targets:curricular_list",
        )
    )
    return items
