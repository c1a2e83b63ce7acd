"""Impact: entry and exit judgements recorded for a provision, a programme's evaluation pupil by pupil, the
impact of every programme in figures only, and the same across the trust's schools."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from schoolpl.access import get_object_for, school_view
from schoolpl.exports import table_response
from schoolpl.models import Membership
from schoolpl.roles import Cap, capabilities_for

from .. import forms, selectors, services
from ..impact import Disclosed, TrustRow, per_term, summarise, trust_rows
from ..models import ProvisionPupil
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
    school = request.access.school
    trust_link = school.trust_id is not None and any(
        s.trust_id == school.trust_id and s.pk != school.pk for s in request.access.schools
    )
    return render(request, "interventions/impact_summary.html", {"rows": rows, "trust_link": trust_link})


IMPACT_CAPS = frozenset({EDIT, READ_ALL, Cap.DASHBOARD_SCHOOL})


def _trust_schools(access) -> list:
    """The schools of the current school's trust (the current school alone if it is in none) where the user
    holds a role that reads programme impact, the current school first: the trust view's scope. One query."""
    trust_id, here = access.school.trust_id, access.school.pk
    candidates = [s for s in access.schools if s.pk == here or (trust_id is not None and s.trust_id == trust_id)]
    roles: dict[int, set] = {}
    for school_id, role in Membership.objects.filter(
        user=access.user, is_active=True, school_id__in=[s.pk for s in candidates]
    ).values_list("school_id", "role"):
        roles.setdefault(school_id, set()).add(role)
    chosen = [s for s in candidates if IMPACT_CAPS & capabilities_for(roles.get(s.pk, ()))]
    return sorted(chosen, key=lambda s: (s.pk != here, s.name))


TRUST_HEADERS = [
    "School",
    "Programme",
    "Wave",
    "Schools",
    "Pupils",
    "Measured",
    "Accelerated",
    "Accelerated (%)",
    "Mean ratio gain",
    "Cost per pupil (£)",
    "Cost per point above expected (£)",
]


def _trust_export_row(school: str, programme: str, row: TrustRow) -> list:
    d: Disclosed = row.shown
    return [
        school,
        programme,
        row.wave or "",
        row.schools,
        d.pupils,
        d.measured,
        d.accelerated,
        d.accelerated_pct,
        _r(d.mean_ratio_gain, 1),
        _r(d.cost_per_pupil),
        _r(d.cost_per_point_above_expected),
    ]


def _accelerated_chart(per_school: list[TrustRow]) -> dict:
    """Accelerated % per school (a bar left out where the figure is hidden)."""
    return {
        "type": "bar",
        "data": {
            "labels": [r.label for r in per_school],
            "datasets": [{"label": "Accelerated (%)", "data": [r.shown.accelerated_pct for r in per_school]}],
        },
        "options": {
            "scales": {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "% of measured pupils"}}},
            "plugins": {"legend": {"display": False}},
        },
    }


@school_view(EDIT, READ_ALL, Cap.DASHBOARD_SCHOOL)
def impact_trust(request: HttpRequest) -> HttpResponse:
    """Programme impact across the trust's schools the user reads impact in: each programme (pooled by wave
    and name) and each school, figures only, small counts hidden by each school's threshold (the strictest for
    a pool). Queries: memberships (1), places (1) and the four of ``selectors.place_impacts``, whatever the
    number of schools and pupils."""
    schools = _trust_schools(request.access)
    places = list(
        ProvisionPupil.objects.filter(provision__programme__school_id__in=[s.pk for s in schools]).select_related(
            "provision__programme"
        )
    )
    found = (
        (
            i.place.provision.programme.school_id,
            i.place.provision.programme.wave,
            i.place.provision.programme.name,
            i.result,
        )
        for i in selectors.place_impacts(places)
    )
    programmes, per_school = trust_rows(found, [(s.pk, s.name, s.small_count_threshold) for s in schools])
    if request.GET.get("format") in {"csv", "xlsx"}:
        data = [_trust_export_row("All schools", r.label, r) for r in programmes]
        data += [_trust_export_row(r.label, "All programmes", r) for r in per_school]
        return table_response(request.GET["format"], "Intervention impact across the trust", TRUST_HEADERS, data)
    context = {
        "schools": schools,
        "programmes": programmes,
        "per_school": per_school,
        "chart": _accelerated_chart(per_school),
        "hidden": [r.label for r in per_school if r.shown.accelerated_pct is None],
    }
    return render(request, "interventions/impact_trust.html", context)


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
