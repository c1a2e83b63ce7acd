"""Candidates for intervention: pupils flagged behind or stuck, below age-related expectations or referred."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from schoolpl.access import school_view
from schoolpl.exports import table_response

from .. import selectors
from ..filters import CandidateFilter
from .common import EDIT, READ_ALL

CANDIDATES_PAGE = 50


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
    context = {
        "filter": chosen,
        "page": Paginator(found, CANDIDATES_PAGE).get_page(request.GET.get("page")),
        "query": _query_without(request, "page", "format"),
        "filtered": bool(_query_without(request, "page", "format")),
        "can_plan": access.can(EDIT),
    }
    return render(request, "interventions/candidates.html", context)
