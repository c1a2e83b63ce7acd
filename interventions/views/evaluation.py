"""Impact: entry and exit judgements recorded for a provision, a programme's evaluation pupil by pupil, and the
impact of every programme in figures only."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from schoolpl.access import get_object_for, school_view
from schoolpl.exports import table_response
from schoolpl.roles import Cap

from .. import forms, selectors, services
from ..impact import per_term, summarise
from .common import EDIT, READ_ALL, provision_for


@school_view(EDIT, READ_ALL)
def programme_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_for(selectors.programmes_for(request.access).select_related("subject"), pk=pk)
    places = list(
        selectors.places_for(request.access)
        .filter(provision__programme=programme)
        .select_related("pupil", "provision__programme")
        .order_by("-provision__start_date", "pupil__legal_surname")
    )
    impacts = selectors.place_impacts(places)
    summary = summarise(i.result for i in impacts)
    chart = _impact_chart(impacts)
    return render(
        request,
        "interventions/programme_evaluation.html",
        {"programme": programme, "impacts": impacts, "summary": summary, "chart": chart},
    )


def _impact_chart(impacts) -> dict:
    measured = [i for i in impacts if i.result.measured]
    return {
        "type": "bar",
        "data": {
            "labels": [f"Pupil {n}" for n, _ in enumerate(measured, 1)],
            "datasets": [
                {
                    "label": "Points a term before",
                    "data": [round(per_term(i.result.rate_before) or 0, 2) for i in measured],
                },
                {"label": "Points a term during", "data": [round(per_term(i.result.rate_during), 2) for i in measured]},
                {
                    "label": "Points a term expected",
                    "data": [round(per_term(i.result.expected_rate), 2) for i in measured],
                },
            ],
        },
        "options": {"scales": {"y": {"title": {"display": True, "text": "points per term"}}}},
    }


IMPACT_HEADERS = [
    "Programme",
    "Wave",
    "Pupils",
    "Measured",
    "Accelerated",
    "Accelerated (%)",
    "Points a term before",
    "Points a term during",
    "Points a term expected",
    "Mean ratio gain",
    "Ratio gain band",
    "Total cost (£)",
    "Cost per pupil (£)",
    "Cost per point gained (£)",
    "Cost per point above expected (£)",
]


def _r(value, places: int = 2):
    return None if value is None else round(value, places)


def _impact_row(p, s) -> list:
    return [
        p.name,
        p.wave,
        s.pupils,
        s.measured,
        s.accelerated,
        None if s.accelerated_share is None else round(s.accelerated_share * 100),
        _r(s.term_rate_before),
        _r(s.term_rate_during),
        _r(s.term_rate_expected),
        _r(s.mean_ratio_gain, 1),
        s.ratio_band or "",
        _r(s.total_cost),
        _r(s.cost_per_pupil),
        _r(s.cost_per_point),
        _r(s.cost_per_point_above_expected),
    ]


@school_view(EDIT, READ_ALL, Cap.DASHBOARD_SCHOOL)
def impact_summary(request: HttpRequest) -> HttpResponse:
    """Programme impact in figures only (no names): what a SIP may read."""
    rows = sorted(selectors.programme_impacts(request.access.school).values(), key=lambda r: (r[0].wave, r[0].name))
    rows = [(p, s) for p, s in rows if s.pupils]
    if request.GET.get("format") in {"csv", "xlsx"}:
        data = [_impact_row(p, s) for p, s in rows]
        return table_response(request.GET["format"], "Intervention impact", IMPACT_HEADERS, data)
    return render(request, "interventions/impact_summary.html", {"rows": rows})


def _impact_initial(place, found) -> dict:
    return {
        "entry_points": found.entry.points if found.entry else None,
        "entry_on": found.entry.date if found.entry else None,
        "exit_points": found.exit.points if found.exit else None,
        "exit_on": found.exit.date if found.exit else None,
        "entry_age_months": place.entry_age_months,
        "exit_age_months": place.exit_age_months,
    }


def _impact_save(place, form, by) -> None:
    """Record the entry and exit judgements, and the reading or spelling ages, that the form changed."""
    for kind in ("entry", "exit"):
        points, on = form.cleaned_data[f"{kind}_points"], form.cleaned_data[f"{kind}_on"]
        changed = {f"{kind}_points", f"{kind}_on"} & set(form.changed_data)
        if points is not None and changed:
            services.impact_judgement_record(place=place, kind=kind, points=points, judged_on=on, by=by)
    if {"entry_age_months", "exit_age_months"} & set(form.changed_data):
        services.place_ages_record(
            place=place,
            entry_age_months=form.cleaned_data["entry_age_months"],
            exit_age_months=form.cleaned_data["exit_age_months"],
        )


@school_view(EDIT)
def impact_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Entry and exit judgements for every pupil in a provision, recorded for it."""
    provision = provision_for(request, pk, write=True)
    places = list(provision.places.select_related("pupil", "provision__programme").order_by("pupil__legal_surname"))
    impacts = {i.place.pk: i for i in selectors.place_impacts(places)}
    rows = [
        (
            place,
            forms.ImpactForm(
                request.POST or None, prefix=f"p{place.pk}", initial=_impact_initial(place, impacts[place.pk].result)
            ),
        )
        for place in places
    ]
    if request.method == "POST" and all(f.is_valid() for _, f in rows):
        for place, form in rows:
            _impact_save(place, form, request.user)
        messages.success(request, "Entry and exit judgements saved.")
        return redirect("interventions:provision_detail", pk=provision.pk)
    return render(request, "interventions/impact_form.html", {"provision": provision, "rows": rows})
