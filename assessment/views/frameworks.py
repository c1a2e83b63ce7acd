"""Frameworks (subjects, focuses and their criteria statements, with a CSV import) and scales: the built-in
ones explained, the school's own, and the scale each subject is judged on."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from schoolpl.access import get_object_for, require, school_view
from schoolpl.roles import Cap

from .. import importing, scales, selectors, services
from ..forms import CriterionForm, CsvUploadForm, SchoolScaleForm, SubjectScaleForm, steps_text
from ..models import Criterion, Focus, SchoolScale, Subject
from .common import int_or_none

# --- frameworks and criteria ------------------------------------------------------------------


@school_view()
def frameworks(request: HttpRequest) -> HttpResponse:
    access = request.access
    subjects = Subject.objects.filter(school=access.school).prefetch_related("focuses__criteria").order_by("order")
    form = CsvUploadForm()
    if request.method == "POST":
        require(access, Cap.MANAGE_FRAMEWORKS)
        form = CsvUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                added = importing.criteria_import_csv(
                    school=access.school, text=form.cleaned_data["file"], replace=form.cleaned_data["replace"]
                )
            except ValidationError as exc:
                for message in exc.messages[:50]:
                    form.add_error(None, message)
            else:
                messages.success(request, f"{added} criteria statements imported.")
                return redirect("assessment:frameworks")
    return render(
        request,
        "assessment/frameworks.html",
        {
            "subjects": subjects,
            "form": form,
            "can_manage": access.can(Cap.MANAGE_FRAMEWORKS),
            "scales": list(scales.BUILTIN_SCALES.values()),
        },
    )


@school_view(Cap.MANAGE_FRAMEWORKS)
def focus_criteria(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    focus = get_object_for(Focus.objects.filter(subject__school=access.school).select_related("subject"), pk=pk)
    form = CriterionForm()
    if request.method == "POST":
        if "delete" in request.POST:
            criterion = get_object_for(Criterion.objects.filter(focus=focus), pk=int_or_none(request.POST["delete"]))
            criterion.delete()
            messages.success(request, "Statement removed.")
            return redirect("assessment:focus_criteria", pk=focus.pk)
        form = CriterionForm(request.POST)
        if form.is_valid():
            services.criterion_save(focus=focus, **form.cleaned_data)
            messages.success(request, "Statement added.")
            return redirect("assessment:focus_criteria", pk=focus.pk)
    return render(
        request, "assessment/focus_criteria.html", {"focus": focus, "criteria": focus.criteria.all(), "form": form}
    )


# --- scales: built-in and the school's own ------------------------------------------------------


def _scale_save(request, form: SchoolScaleForm, *, school_scales: list, editing) -> HttpResponse | None:
    """Save the school's own scale from a bound form: the redirect on success, None (errors on the form) if not."""
    if not form.is_valid():
        return None
    code = form.cleaned_data["code"]
    if editing is None and any(s.code == code for s in school_scales):
        form.add_error("code", f"The school already has a scale “{code}”: edit it instead.")
        return None
    try:
        services.school_scale_update(
            school=request.access.school, code=code, name=form.cleaned_data["name"], steps=form.cleaned_data["steps"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return None
    messages.success(request, f"Scale “{form.cleaned_data['name']}” saved.")
    return redirect("assessment:scales")


def _subject_scale_set(request, *, subjects: list, choices: list, names: dict) -> HttpResponse:
    """Judge a subject on another scale; the outcome is a message on the page it returns to."""
    form = SubjectScaleForm(request.POST, scale_choices=choices)
    if form.is_valid():
        subject = next((s for s in subjects if s.pk == form.cleaned_data["subject"]), None)
        if subject is None:
            raise Http404("Not found.")
        try:
            services.subject_scale_set(
                school=request.access.school, subject=subject, scale_code=form.cleaned_data["scale_code"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{subject.name} is now judged on {names[subject.scale_code]}.")
    else:
        messages.error(request, "Choose one of the scales listed.")
    return redirect("assessment:scales")


def _own_scales(school_scales: list, subjects: list) -> list[dict]:
    """The school's own scales with their explanation (none when a row no longer makes a valid scale)."""
    own = []
    for row in school_scales:
        try:
            scale = row.as_scale()
        except ValueError:
            scale = None
        own.append(
            {
                "row": row,
                "scale": scale,
                "explanation": selectors.scale_explanation(scale) if scale else "",
                "subjects": [s for s in subjects if s.scale_code == row.code],
            }
        )
    return own


def _builtin_scales(subjects: list) -> list[dict]:
    return [
        {
            "scale": s,
            "explanation": selectors.scale_explanation(s),
            "subjects": [x for x in subjects if x.scale_code == s.code],
        }
        for s in scales.BUILTIN_SCALES.values()
    ]


@require_http_methods(["GET", "POST"])
@school_view(Cap.MANAGE_FRAMEWORKS)
def scales_page(request: HttpRequest) -> HttpResponse:
    """Every built-in scale explained, the school's own scales (assessment without levels) with a form to add or
    change one, and the scale each subject is judged on."""
    access = request.access
    school_scales = list(SchoolScale.objects.filter(school=access.school).order_by("name", "code"))
    subjects = list(Subject.objects.filter(school=access.school).order_by("order", "name"))
    edit_id = int_or_none(request.POST.get("edit") if request.method == "POST" else request.GET.get("edit"))
    editing = next((s for s in school_scales if s.pk == edit_id), None)
    if edit_id and editing is None:
        raise Http404("Not found.")
    initial = {"code": editing.code, "name": editing.name, "steps": steps_text(editing.steps)} if editing else None
    scale_form = SchoolScaleForm(initial=initial, editing=editing is not None)
    choices = [
        ("Built-in scales", [(s.code, s.name) for s in scales.BUILTIN_SCALES.values()]),
        ("Your school's scales", [(s.code, s.name) for s in school_scales]),
    ]
    names = {code: name for _, group in choices for code, name in group}
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "subject":
            return _subject_scale_set(request, subjects=subjects, choices=choices, names=names)
        if action != "scale":
            return HttpResponse("Unknown action.", status=400)
        scale_form = SchoolScaleForm(request.POST, initial=initial, editing=editing is not None)
        if saved := _scale_save(request, scale_form, school_scales=school_scales, editing=editing):
            return saved
    return render(
        request,
        "assessment/scales.html",
        {
            "builtin": _builtin_scales(subjects),
            "own": _own_scales(school_scales, subjects),
            "subjects": [(s, names.get(s.scale_code, s.scale_code)) for s in subjects],
            "choices": choices,
            "scale_form": scale_form,
            "editing": editing,
        },
    )
