"""The provision map: every pupil's provision by wave for an assessment window, with hours and cost."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from schoolpl.access import school_view
from schoolpl.exports import table_response
from schoolpl.models import AssessmentWindow

from .. import forms, selectors
from .common import EDIT, READ_ALL

MAP_HEADERS = ["Pupil", "Year", "Primary need", "Wave 1", "Wave 2", "Wave 3", "Hours", "Cost (£)"]


def _map_period(request, form):
    school = request.access.school
    window = form.cleaned_data.get("window") if form.is_valid() else None
    if window is None:
        today = selectors.today()
        window = (
            AssessmentWindow.objects.filter(school=school, start_date__lte=today).order_by("-start_date").first()
            or AssessmentWindow.objects.filter(school=school).order_by("start_date").first()
        )
    return window


def _map_for(request):
    form = forms.MapFilterForm(request.GET or None, school=request.access.school)
    window = _map_period(request, form)
    data = form.cleaned_data if form.is_valid() else {}
    result = None
    if window is not None:
        result = selectors.provision_map(
            request.access.school,
            window.start_date,
            window.end_date,
            need=data.get("need") or "",
            area=data.get("area") or "",
            group=data.get("group"),
            wave=data.get("wave"),
        )
    return form, window, result


def map_rows(result) -> list[list]:
    rows = [
        [
            r.pupil.display_name,
            r.pupil.year_label,
            r.pupil.primary_need,
            "; ".join(r.by_wave[1]),
            "; ".join(r.by_wave[2]),
            "; ".join(r.by_wave[3]),
            round(r.hours, 1),
            round(r.cost, 2),
        ]
        for r in result.rows
    ]
    rows.append(["Total", "", "", "", "", "", round(result.total_hours, 1), round(result.total_cost, 2)])
    return rows


@school_view(EDIT, READ_ALL)
def provision_map(request: HttpRequest) -> HttpResponse:
    form, window, result = _map_for(request)
    printable = bool(request.GET.get("print"))
    template = "interventions/provision_map_print.html" if printable else "interventions/provision_map.html"
    query = request.GET.copy()
    query.pop("print", None)
    return render(request, template, {"form": form, "window": window, "result": result, "query": query.urlencode()})


@school_view(EDIT, READ_ALL)
def provision_map_export(request: HttpRequest, fmt: str) -> HttpResponse:
    form, window, result = _map_for(request)
    name = f"Provision map {window.name}" if window else "Provision map"
    return table_response(fmt, name, MAP_HEADERS, map_rows(result) if result else [])
