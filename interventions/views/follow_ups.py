"""Classroom follow-up: what a pupil learned in an intervention, passed to the class teacher, and how the
teacher followed it up in class."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from schoolpl.access import get_object_for, school_view
from schoolpl.roles import Cap

from .. import forms, selectors, services
from .common import EDIT


@require_POST
@school_view(EDIT, Cap.ADD_FOLLOW_UP)
def follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_object_for(selectors.places_for(request.access), pk=pk)
    form = forms.FollowUpForm(request.POST)
    if form.is_valid():
        services.follow_up_create(
            place=place, learned=form.cleaned_data["learned"], recorded_on=selectors.today(), by=request.user
        )
        messages.success(request, "Follow-up recorded for the class teacher.")
    else:
        messages.error(request, "Say what the pupil learned.")
    return redirect("interventions:provision_detail", pk=place.provision_id)


@require_POST
@school_view(EDIT, Cap.ADD_FOLLOW_UP)
def follow_up_class(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_for(selectors.follow_ups_for(request.access), pk=pk)
    form = forms.ClassroomNoteForm(request.POST)
    if form.is_valid():
        services.follow_up_record_class(
            follow_up=follow_up, note=form.cleaned_data["note"], on=selectors.today(), by=request.user
        )
        messages.success(request, "Classroom follow-up recorded.")
    else:
        messages.error(request, "Say how you followed it up in class.")
    target = request.POST.get("next", "")
    if target == "pupil":
        return redirect("interventions:pupil_needs", pk=follow_up.place.pupil_id)
    return redirect("home")
