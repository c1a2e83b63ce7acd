"""Provision: a programme run for pupils by staff over dates; planning it, its pupils joining and leaving, and
its session log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from schoolpl.access import get_object_for, school_view
from schoolpl.roles import Cap
from targets import chain

from .. import forms, selectors, services
from ..impact import summarise
from ..models import FollowUp, InterventionSession, ProvisionStaff
from .common import EDIT, READ_ALL, READ_OWN, form_errors, provision_for


@school_view(EDIT, READ_ALL, READ_OWN)
def provision_list(request: HttpRequest) -> HttpResponse:
    today = selectors.today()
    provisions = list(
        selectors.provisions_for(request.access)
        .select_related("programme")
        .prefetch_related(Prefetch("staff", queryset=ProvisionStaff.objects.select_related("user")))
    )
    sizes = selectors.group_sizes(p.pk for p in provisions)
    current = [p for p in provisions if p.end_date >= today]
    past = [p for p in provisions if p.end_date < today]
    return render(request, "interventions/provision_list.html", {"current": current, "past": past, "sizes": sizes})


@school_view(EDIT)
def provision_create(request: HttpRequest) -> HttpResponse:
    """Plan provision for one or several pupils (``?pupil=`` from the candidates list)."""
    access = request.access
    pupils_qs = selectors.pupils_for(access).on_roll()
    source = request.POST if request.method == "POST" else request.GET
    chosen = list(pupils_qs.filter(pk__in=[v for v in source.getlist("pupil") if v.isdigit()]))
    form = forms.ProvisionForm(request.POST or None, school=access.school, pupil_ids=[p.pk for p in chosen])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            provision = services.provision_plan(
                school=access.school,
                programme=data["programme"],
                name=data["name"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                pupils=chosen,
                staff=[(u, data["staff_role"]) for u in data["staff"]],
                targets=list(data["targets"]),
                notes=data["notes"],
                by=request.user,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"{provision.name} planned for {len(chosen)} pupils.")
            if warning := selectors.over_size_warning(provision.programme, len(chosen)):
                messages.warning(request, warning)
            return redirect("interventions:provision_detail", pk=provision.pk)
    others = pupils_qs.exclude(pk__in=[p.pk for p in chosen]).order_by("year_group", "legal_surname")
    return render(request, "interventions/provision_form.html", {"form": form, "chosen": chosen, "others": others})


def _sessions(provision, visible_ids: set[int]) -> list[InterventionSession]:
    """The provision's sessions, each with the attendance of the pupils the user may see counted."""
    sessions = list(
        InterventionSession.objects.filter(provision=provision).select_related("led_by").prefetch_related("attendance")
    )
    for session in sessions:
        marks = [a for a in session.attendance.all() if a.pupil_id in visible_ids]
        session.present_count = sum(1 for a in marks if a.present)
        session.marked_count = len(marks)
    return sessions


@school_view(EDIT, READ_ALL, READ_OWN)
def provision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    provision = provision_for(request, pk)
    places = list(
        selectors.places_for(access)
        .filter(provision=provision)
        .select_related("pupil", "provision__programme")
        .prefetch_related(Prefetch("follow_ups", queryset=FollowUp.objects.select_related("followed_up_by")))
        .order_by("pupil__legal_surname", "pupil__legal_forename")
    )
    visible_ids = {p.pupil_id for p in places}
    sessions = _sessions(provision, visible_ids)
    can_edit = access.can(EDIT)
    impacts = selectors.place_impacts(places)
    targets = list(provision.targets.all())
    context = {
        "provision": provision,
        "places": places,
        "impacts": impacts,
        "summary": summarise(i.result for i in impacts),
        "sessions": sessions,
        "staff": provision.staff.select_related("user"),
        "targets": targets,
        # The numbers its targets serve, for pupils the user may see: 3 queries (targets.chain.served_by)
        "served": chain.served_by(targets, selectors.pupils_for(access)) if access.sees_pupil_names else [],
        "can_edit": can_edit,
        "can_follow_up": access.can(EDIT, Cap.ADD_FOLLOW_UP),
        "add_form": forms.AddPupilForm(
            pupils=selectors.pupils_for(access).on_roll().exclude(pk__in=visible_ids),
            initial={"joined_on": selectors.today()},
        )
        if can_edit
        else None,
        "follow_up_form": forms.FollowUpForm(),
        "leave_form": forms.LeaveForm(initial={"left_on": selectors.today()}),
    }
    return render(request, "interventions/provision_detail.html", context)


@school_view(EDIT)
def provision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    provision = provision_for(request, pk, write=True)
    staff = list(provision.staff.all())
    initial = {
        "programme": provision.programme,
        "name": provision.name,
        "start_date": provision.start_date,
        "end_date": provision.end_date,
        "staff": [s.user_id for s in staff],
        "staff_role": staff[0].role if staff else ProvisionStaff.Role.TA,
        "targets": list(provision.targets.all()),
        "notes": provision.notes,
    }
    form = forms.ProvisionForm(
        request.POST or None,
        initial=initial,
        school=request.access.school,
        pupil_ids=list(provision.places.values_list("pupil_id", flat=True)),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.provision_update(
                provision=provision,
                programme=data["programme"],
                name=data["name"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                notes=data["notes"],
                staff=[(u, data["staff_role"]) for u in data["staff"]],
                targets=list(data["targets"]),
                by=request.user,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Provision saved.")
            return redirect("interventions:provision_detail", pk=provision.pk)
    return render(request, "interventions/provision_edit.html", {"form": form, "provision": provision})


@require_POST
@school_view(EDIT)
def provision_add_pupil(request: HttpRequest, pk: int) -> HttpResponse:
    provision = provision_for(request, pk, write=True)
    form = forms.AddPupilForm(request.POST, pupils=selectors.pupils_for(request.access).on_roll())
    if form.is_valid():
        try:
            services.provision_add_pupil(
                provision=provision,
                pupil=form.cleaned_data["pupil"],
                joined_on=form.cleaned_data["joined_on"],
                by=request.user,
            )
            messages.success(request, f"{form.cleaned_data['pupil'].display_name} joined the provision.")
            current = provision.places.filter(left_on__isnull=True).count()
            if warning := selectors.over_size_warning(provision.programme, current):
                messages.warning(request, warning)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Choose a pupil and the date they join.")
    return redirect("interventions:provision_detail", pk=provision.pk)


@require_POST
@school_view(EDIT)
def place_leave(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_object_for(selectors.places_for(request.access).select_related("pupil"), pk=pk)
    form = forms.LeaveForm(request.POST)
    if form.is_valid():
        try:
            services.provision_pupil_leave(
                place=place,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
            messages.success(request, f"{place.pupil.display_name} has left the provision.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Give the date the pupil left.")
    return redirect("interventions:provision_detail", pk=place.provision_id)


@school_view(EDIT)
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    provision = provision_for(request, pk, write=True)
    places = list(provision.places.select_related("pupil").order_by("pupil__legal_surname"))
    default = selectors.session_default_date(provision)
    form = forms.SessionForm(
        request.POST or None,
        places=places,
        initial={
            "date": default,
            "minutes": provision.programme.session_minutes,
            "present": [
                str(p.pupil_id)
                for p in places
                if p.joined_on <= default and (p.left_on is None or p.left_on >= default)
            ],
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.session_log(
                provision=provision,
                date=data["date"],
                stage=data["stage"],
                minutes=data["minutes"],
                notes=data["notes"],
                present_pupil_ids=[int(v) for v in data["present"]],
                by=request.user,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Session logged.")
            return redirect("interventions:provision_detail", pk=provision.pk)
    return render(request, "interventions/session_form.html", {"form": form, "provision": provision})
