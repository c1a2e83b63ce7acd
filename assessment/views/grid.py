"""The class grid (one cell saved at a time over htmx, with optimistic concurrency) and its heat map."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from pupils.models import Pupil, TeachingGroup
from schoolpl.access import get_object_for, school_view
from schoolpl.discovery import app_modules
from schoolpl.exports import table_response
from schoolpl.models import AssessmentWindow

from .. import judgements, scales, selectors
from ..forms import CellForm
from ..models import Focus, FocusJudgement, Subject
from .cell import cell_html
from .common import READERS, RECORDERS, int_or_none, may_record

GRID_SUBJECTS = {"english", "maths", "science"}  # teaching subjects that have an assessment grid


def _pick(items: list, pk: int | None, default=None):
    return next((item for item in items if item.pk == pk), default)


def _pick_group(groups: list[TeachingGroup], group_id: int | None) -> TeachingGroup | None:
    group = _pick(groups, group_id, groups[0] if groups else None)
    if group_id and (group is None or group.pk != group_id):
        return None  # an id the user may not see: show nothing rather than another group
    return group


def _pick_window(windows: list[AssessmentWindow], window_id: int | None) -> AssessmentWindow | None:
    """The window asked for, or (when none was) the latest open one, or the latest."""
    open_windows = [w for w in windows if w.is_open]
    return _pick(windows, window_id) or ((open_windows or windows)[-1] if windows and not window_id else None)


def _choose(request: HttpRequest) -> dict:
    """The group, window and subject picked on the grid or heat map (defaults: first group, latest open
    window, first subject). Three queries."""
    access = request.access
    groups = [
        g
        for g in TeachingGroup.objects.visible_to(access)
        .select_related("academic_year")
        .order_by("-academic_year__start_date", "year_group", "subject", "name")
        if g.subject in GRID_SUBJECTS
    ]
    windows = list(AssessmentWindow.objects.filter(school=access.school).order_by("start_date"))
    subjects = selectors.subjects_with_focuses(access.school)
    group_id, window_id, subject_id = (int_or_none(request.GET.get(k)) for k in ("group", "window", "subject"))
    group = _pick_group(groups, group_id)
    window = _pick_window(windows, window_id)
    subject_choices = selectors.subjects_for_group(group, subjects) if group else []
    return {
        "groups": groups,
        "windows": windows,
        "subjects": subject_choices,
        "group": group,
        "window": window,
        "subject": _pick(subject_choices, subject_id, subject_choices[0] if subject_choices else None),
        "previous": selectors.previous_window(window, windows) if window else None,
    }


def _grid_export(fmt: str, chosen: dict, data) -> HttpResponse:
    headers = ["Pupil", *[f"{f.code} {f.name}" for f in data.focuses], "Overall", "Suggested overall"]
    rows = [[r.pupil.display_name, *[c.grade for c in r.cells], r.overall.grade, r.suggestion] for r in data.rows]
    name = f"grid-{chosen['group'].name}-{chosen['subject'].code}-{chosen['window'].name}"
    return table_response(fmt, name, headers, rows)


@school_view(*READERS)
def grid(request: HttpRequest) -> HttpResponse:
    chosen = _choose(request)
    context = dict(chosen)
    if chosen["group"] and chosen["window"] and chosen["subject"]:
        data = selectors.grid(
            group=chosen["group"], window=chosen["window"], subject=chosen["subject"], previous=chosen["previous"]
        )
        context["grid"] = data
        context["can_edit"] = can_edit = chosen["window"].is_open and may_record(request.access, chosen["group"])
        url = _cell_url(chosen["group"], chosen["window"], chosen["subject"])
        for row in data.rows:
            row.html = mark_safe("".join(  # noqa: S308 - cell_html escapes every value with format_html
                cell_html(url=url, window=chosen["window"], subject=chosen["subject"], pupil=row.pupil, cell=c,
                          can_edit=can_edit)
                for c in [*row.cells, row.overall]
            ))  # fmt: skip
        fmt = request.GET.get("format")
        if fmt in {"csv", "xlsx"}:
            return _grid_export(fmt, chosen, data)
        context["flags"] = _flags(request.access.school, chosen, data.rows)
        _notes(request.access.school, data.rows)
    return render(request, "assessment/grid.html", context)


def _flags(school, chosen: dict, rows) -> bool:
    """Set each row's ``flag`` ((status, why) or None) from the ``flags`` hook (targets: one query); whether
    any app provides flags."""
    providers = [m.flags_for for m in app_modules("flags")]
    found: dict[int, tuple[str, str]] = {}
    for provider in providers:
        found.update(provider(school, chosen["subject"], chosen["window"], [r.pupil.pk for r in rows]))
    for row in rows:
        row.flag = found.get(row.pupil.pk)
        row.flag_label = row.flag[1].split(":", 1)[0] if row.flag else ""  # "Behind: judged 3b …" → "Behind"
    return bool(providers)


def _notes(school, rows) -> None:
    """Set each row's ``notes`` ([(label, url)]) from the ``grid_notes`` hook (interventions' pupil passports:
    one query)."""
    found: dict[int, list[tuple[str, str]]] = {}
    for module in app_modules("grid_notes"):
        for pupil_id, note in module.notes_for(school, [r.pupil.pk for r in rows]).items():
            found.setdefault(pupil_id, []).append(note)
    for row in rows:
        row.notes = found.get(row.pupil.pk, [])


def _cell_url(group, window, subject) -> str:
    return reverse("assessment:grid_cell", args=[group.pk, window.pk, subject.pk])


def _cell_context(request, *, group, window, subject, focus, pupil, cell, result=None, error=""):
    html = cell_html(
        url=_cell_url(group, window, subject), window=window, subject=subject, pupil=pupil, cell=cell,
        can_edit=True, result=result, error=error,
    )  # fmt: skip
    return {"pupil": pupil, "cell_html": html}


def _cell_save(access, *, group, window, subject, focus, pupil, data) -> judgements.CellResult:
    teaches = may_record(access, group)
    if focus is None:
        return judgements.judgement_record(
            access=access, group=group, window=window, subject=subject, pupil_id=pupil.pk,
            grade=data["grade"], expected_version=data["version"], teaches=teaches,
        )  # fmt: skip
    return judgements.focus_judgement_record(
        access=access, group=group, window=window, focus=focus, pupil_id=pupil.pk,
        grade=data["grade"], expected_version=data["version"], teaches=teaches,
    )  # fmt: skip


def _suggestion(*, pupil, subject, window) -> str:
    """The overall grade suggested by the pupil's focus judgements now (sent out of band after a focus save)."""
    points = FocusJudgement.objects.filter(pupil=pupil, subject=subject, window=window).values_list("points", flat=True)
    scale = scales.BUILTIN_SCALES.get(subject.scale_code)
    suggested = scales.suggest_overall(list(points), scale) if scale else None
    return scale.label_for(suggested) if suggested is not None else ""


@require_http_methods(["GET", "POST"])
@school_view(*RECORDERS)
def grid_cell(request: HttpRequest, group: int, window: int, subject: int) -> HttpResponse:
    """Save one cell (POST) or show it as it is now (GET: "use theirs"). Always answers with the cell."""
    access = request.access
    group_obj = get_object_for(TeachingGroup.objects.visible_to(access), pk=group)
    window_obj = get_object_for(AssessmentWindow.objects.filter(school=access.school), pk=window)
    subject_obj = get_object_for(Subject.objects.filter(school=access.school), pk=subject)
    form = CellForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return HttpResponse("That cell could not be read; reload the page.", status=400)
    data = form.cleaned_data
    focus = None
    if data["focus"]:
        focus = get_object_for(Focus.objects.filter(subject=subject_obj).select_related("subject"), pk=data["focus"])
    pupil = get_object_for(Pupil.objects.visible_to(access), pk=data["pupil"])
    ctx = {"group": group_obj, "window": window_obj, "subject": subject_obj, "focus": focus, "pupil": pupil}
    if request.method == "GET":
        cell = selectors.cell_state(pupil_id=pupil.pk, subject=subject_obj, window=window_obj, focus=focus)
        return render(request, "assessment/grid.html#cell", _cell_context(request, cell=cell, **ctx))
    try:
        result = _cell_save(access, data=data, **ctx)
    except ValidationError as exc:
        cell = selectors.Cell(pupil.pk, focus, grade=data["grade"], version=data["version"])
        return render(
            request, "assessment/grid.html#cell", _cell_context(request, cell=cell, error=" ".join(exc.messages), **ctx)
        )
    if result.conflict:
        cell = selectors.Cell(pupil.pk, focus, grade=result.attempted, version=result.version)
    else:
        cell = selectors.Cell(pupil.pk, focus, result.pk, result.grade, result.points, result.version)
    context = _cell_context(request, cell=cell, result=result, **ctx)
    if focus is not None and not result.conflict:
        context["suggestion_oob"] = _suggestion(pupil=pupil, subject=subject_obj, window=window_obj)
        context["send_suggestion"] = True
    return render(request, "assessment/grid.html#cell", context)


@school_view(*READERS)
def heat_map(request: HttpRequest) -> HttpResponse:
    chosen = _choose(request)
    context = dict(chosen, bands=selectors.BANDS)
    if chosen["group"] and chosen["window"] and chosen["subject"]:
        data = selectors.grid(
            group=chosen["group"], window=chosen["window"], subject=chosen["subject"], previous=chosen["previous"]
        )
        context["heat"] = selectors.heat_map(data)
        context["pupils"] = [r.pupil for r in data.rows]
        context["weaknesses"] = selectors.weaknesses_from_grid(data)
        context["grid"] = data
    return render(request, "assessment/heat_map.html", context)
