"""Candidates for intervention: pupils flagged behind or stuck, below age-related expectations or referred."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from schoolpl.access import school_view
from schoolpl.exports import table_response
from targets import explain
from targets.models import ProgressStatus

from .. import selectors
from ..filters import CandidateFilter
from .common import EDIT, READ_ALL

CANDIDATES_PAGE = 50
_FIELDS = ("pupil_id", "subject__name", "subject__scale_code", "window__name", "since_window__name")


def _explain_page(candidates) -> None:
    """Give each candidate on the page ``why`` (a sentence per subject it is listed for, flagged or below ARE
    while on pace, from :mod:`targets.explain`) and ``other`` (its remaining reasons). One query: the status
    rows of the page's pupils, oldest first, with their window names."""
    by_pupil = {c.pupil.pk: c for c in candidates}
    series: dict[tuple[int, str], list[explain.StatusRow]] = {}
    names: dict[int, str] = {}
    scales: dict[str, str] = {}
    rows = (
        ProgressStatus.objects.filter(pupil_id__in=list(by_pupil))
        .order_by("pupil_id", "subject__order", "subject__name", "window__end_date", "window_id")
        .values_list(*_FIELDS, *explain.StatusRow._fields)
    )
    for pupil_id, subject, scale_code, window, since, *row in rows:
        status_row = explain.StatusRow(*row)
        names.update({status_row.window_id: window, status_row.since_window_id: since})
        scales[subject] = scale_code
        series.setdefault((pupil_id, subject), []).append(status_row)
    for c in candidates:
        listed = [s for s, _ in c.statuses] + [r.split(":", 1)[0] for r in c.below_are]
        c.other = c.reasons[len(c.statuses) :]
        c.why = [
            f"{s}: {explain.explain_latest(series[(c.pupil.pk, s)], names, explain.scale_of(scales[s]))}"
            for s in dict.fromkeys(listed)
            if (c.pupil.pk, s) in series
        ]


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@school_view(EDIT, READ_ALL)
def candidates(request: HttpRequest) -> HttpResponse:
    access = request.access
    chosen = CandidateFilter(request.GET or None, queryset=selectors.pupils_for(access), access=access)
    found = [
        c
        for c in selectors.candidates(
            access, pupils=chosen.qs, below_are=chosen.below_are, subject=chosen.chosen_subject
        )
        if chosen.keep(c)
    ]
    if request.GET.get("format") in {"csv", "xlsx"}:
        headers = ["Pupil", "Year", "Reasons"]
        rows = [[c.pupil.display_name, c.pupil.year_label, "; ".join(c.reasons)] for c in found]
        return table_response(request.GET["format"], "Intervention candidates", headers, rows)
    page = Paginator(found, CANDIDATES_PAGE).get_page(request.GET.get("page"))
    _explain_page(page.object_list)
    context = {
        "filter": chosen,
        "page": page,
        "query": _query_without(request, "page", "format"),
        "filtered": bool(_query_without(request, "page", "format")),
        "can_plan": access.can(EDIT),
    }
    return render(request, "interventions/candidates.html", context)
