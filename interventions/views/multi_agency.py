"""Multi-agency work: early help assessments (CAF), teams around the child and referrals to other services,
with dates and outcomes. The SENCO records them; senior leaders read them; nobody else sees them by name (a
SIP reads counts on the self-review)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from pupils.models import Pupil
from schoolpl.access import get_object_for, school_view
from schoolpl.exports import table_response

from .. import selectors, support_forms, support_selectors, support_services
from ..models import AgencyInvolvement
from .common import EDIT, READ_ALL, form_errors

HEADERS = [
    "Pupil",
    "Year",
    "Kind",
    "Service",
    "Referred or started",
    "First contact or meeting",
    "Days to first contact",
    "Closed",
    "Lead professional",
    "Why",
    "Outcome",
]


def _row(i: AgencyInvolvement) -> list:
    return [
        i.pupil.display_name,
        i.pupil.year_label,
        i.get_kind_display(),
        i.get_service_display(),
        i.referred_on,
        i.first_contact_on,
        i.days_to_contact,
        i.closed_on,
        i.lead_professional,
        i.reason,
        i.outcome,
    ]


def _pupil(request, pk) -> Pupil:
    return get_object_for(selectors.pupils_for(request.access), pk=pk)


@school_view(EDIT, READ_ALL)
def agency_list(request: HttpRequest) -> HttpResponse:
    """Every involvement, open ones first; filter by open/closed and service. One query."""
    involvements = support_selectors.involvements_for(request.access).select_related("pupil")
    state = request.GET.get("state", "")
    if state == "open":
        involvements = involvements.filter(closed_on__isnull=True)
    elif state == "closed":
        involvements = involvements.filter(closed_on__isnull=False)
    service = request.GET.get("service", "")
    if service in AgencyInvolvement.Service.values:
        involvements = involvements.filter(service=service)
    involvements = list(involvements.order_by("closed_on", "-referred_on", "pk"))
    if request.GET.get("format") in {"csv", "xlsx"}:
        return table_response(request.GET["format"], "Multi-agency work", HEADERS, [_row(i) for i in involvements])
    query = "&".join(f"{k}={v}" for k, v in (("state", state), ("service", service)) if v)
    return render(
        request,
        "interventions/agency_list.html",
        {
            "involvements": involvements,
            "state": state,
            "service": service,
            "services": AgencyInvolvement.Service.choices,
            "query": query,
            "can_edit": request.access.can(EDIT),
        },
    )


@school_view(EDIT, READ_ALL)
def agency_pupil(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    involvements = support_selectors.involvements_for(request.access).filter(pupil=pupil).select_related("recorded_by")
    return render(
        request,
        "interventions/agency_pupil.html",
        {"pupil": pupil, "involvements": involvements, "can_edit": request.access.can(EDIT)},
    )


def _save(request, pupil, involvement=None) -> HttpResponse:
    form = support_forms.InvolvementForm(request.POST or None, instance=involvement)
    if request.method == "POST" and form.is_valid():
        try:
            support_services.involvement_save(
                school=request.access.school, pupil=pupil, involvement=involvement, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Multi-agency record saved.")
            return redirect("interventions:agency_pupil", pk=pupil.pk)
    return render(request, "interventions/agency_form.html", {"form": form, "pupil": pupil, "involvement": involvement})


@school_view(EDIT)
def agency_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _save(request, _pupil(request, pk))


@school_view(EDIT)
def agency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    involvement = get_object_for(support_selectors.involvements_for(request.access).select_related("pupil"), pk=pk)
    return _save(request, involvement.pupil, involvement)
