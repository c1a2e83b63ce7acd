"""Programmes: the school's list of interventions (wave, subject, group size, length, cost)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from schoolpl.access import get_object_for, school_view

from .. import forms, selectors, services
from .common import EDIT, READ_ALL, READ_OWN, form_errors


@school_view(EDIT, READ_ALL, READ_OWN)
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = selectors.programmes_for(request.access).select_related("subject")
    context = {
        "programmes": programmes,
        "can_edit": request.access.can(EDIT),
        "can_read_all": selectors.sees_all_interventions(request.access),
    }
    return render(request, "interventions/programme_list.html", context)


@school_view(EDIT)
def programme_create(request: HttpRequest) -> HttpResponse:
    return _programme_form(request, None)


@school_view(EDIT)
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _programme_form(request, get_object_for(selectors.programmes_for(request.access), pk=pk))


def _programme_form(request, programme):
    school = request.access.school
    form = forms.ProgrammeForm(request.POST or None, instance=programme, school=school)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if programme is None:
                programme = services.programme_create(school=school, by=request.user, **fields)
            else:
                services.programme_update(programme=programme, by=request.user, **fields)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"{programme.name} saved.")
            return redirect("interventions:programme_list")
    return render(request, "interventions/programme_form.html", {"form": form, "programme": programme})
