"""Day-to-day assessment: learning objectives with success criteria, and a quick record of how each pupil got on
(a 1–3 rating by the pupil, a peer or the teacher)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pupils.models import Pupil, TeachingGroup
from schoolpl.access import get_object_for, require, school_view
from schoolpl.roles import Cap

from .. import selectors, services
from ..forms import ObjectiveForm
from ..models import CriterionRecord, Focus, LearningObjective
from .common import READERS, RECORDERS, int_or_none, may_record


@school_view(*READERS)
def objectives(request: HttpRequest, group: int) -> HttpResponse:
    access = request.access
    group_obj = get_object_for(TeachingGroup.objects.visible_to(access), pk=group)
    focuses = Focus.objects.filter(
        subject__school=access.school, subject__group_subject=group_obj.subject
    ).select_related("subject")
    can_edit = may_record(access, group_obj)
    form = ObjectiveForm(focuses=focuses)
    if request.method == "POST":
        if not can_edit:
            require(access, Cap.RECORD_ASSESSMENT_ALL)
        form = ObjectiveForm(request.POST, focuses=focuses)
        if form.is_valid():
            objective = services.objective_create(access=access, group=group_obj, **form.cleaned_data)
            messages.success(request, "Objective added. Record how pupils got on below.")
            return redirect("assessment:objective_record", pk=objective.pk)
    items = LearningObjective.objects.filter(group=group_obj).prefetch_related("success_criteria")
    return render(
        request,
        "assessment/objectives.html",
        {"group": group_obj, "objectives": items, "form": form, "can_edit": can_edit},
    )


def _objective(access, pk: int) -> LearningObjective:
    return get_object_for(
        LearningObjective.objects.filter(group__in=TeachingGroup.objects.visible_to(access)).select_related("group"),
        pk=pk,
    )


@school_view(*READERS)
def objective_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Quick record: pupils × success criteria, a 1–3 rating by the pupil, a peer or the teacher."""
    access = request.access
    objective = _objective(access, pk)
    by = request.GET.get("by") if request.GET.get("by") in CriterionRecord.By.values else "self"
    criteria = list(objective.success_criteria.all())
    pupils = list(selectors.group_pupils(objective.group))
    ratings = {
        (r.pupil_id, r.criterion_id): r.rating for r in CriterionRecord.objects.filter(criterion__in=criteria, by=by)
    }
    rows = [{"pupil": p, "cells": [(c, ratings.get((p.pk, c.pk))) for c in criteria]} for p in pupils]
    return render(
        request,
        "assessment/objective_record.html",
        {
            "objective": objective,
            "criteria": criteria,
            "rows": rows,
            "by": by,
            "by_choices": CriterionRecord.By.choices,
            "can_edit": may_record(access, objective.group),
        },
    )


@require_POST
@school_view(*RECORDERS)
def objective_record_save(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    objective = _objective(access, pk)
    pupil = get_object_for(Pupil.objects.visible_to(access), pk=int_or_none(request.POST.get("pupil")))
    criterion = get_object_for(objective.success_criteria.all(), pk=int_or_none(request.POST.get("criterion")))
    by = request.POST.get("by", "")
    error = ""
    try:
        services.criterion_record_save(
            access=access, objective=objective, criterion_id=criterion.pk, pupil_id=pupil.pk, by=by,
            rating=request.POST.get("rating"),
        )  # fmt: skip
    except ValidationError as exc:
        error = " ".join(exc.messages)
    rating = CriterionRecord.objects.filter(criterion=criterion, pupil=pupil, by=by).values_list("rating", flat=True)
    return render(
        request,
        "assessment/objective_record.html#rating",
        {
            "objective": objective,
            "pupil": pupil,
            "criterion": criterion,
            "rating": rating.first(),
            "by": by,
            "error": error,
            "saved": not error,
            "can_edit": True,
        },
    )
