"""Assessment pages: the class grid (htmx cell saves), heat map, spiky profile, frameworks, transitional results
and day-to-day objectives. Thin views: access → form → service/selector → response."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods, require_POST

from pupils.models import GroupMembership, Pupil, TeachingGroup, TeachingGroupTeacher
from schoolpl.access import get_object_for, require, school_view
from schoolpl.exports import table_response
from schoolpl.models import AssessmentWindow
from schoolpl.roles import Cap

from . import scales, selectors, services
from .forms import (
    CellForm,
    CriterionForm,
    CsvUploadForm,
    ObjectiveForm,
    PupilAssessForm,
    SchoolScaleForm,
    SubjectScaleForm,
    TransitionalResultForm,
    TransitionCsvForm,
    steps_text,
)
from .models import (
    Criterion,
    CriterionRecord,
    Focus,
    FocusJudgement,
    Judgement,
    LearningObjective,
    SchoolScale,
    Subject,
    TransitionalResult,
)

RECORDERS = (Cap.RECORD_ASSESSMENT_OWN, Cap.RECORD_ASSESSMENT_ALL)
READERS = (Cap.RECORD_ASSESSMENT_OWN, Cap.RECORD_ASSESSMENT_ALL, Cap.VIEW_PUPILS_ALL)
PUPIL_READERS = (Cap.VIEW_PUPILS_OWN, Cap.VIEW_PUPILS_ALL)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _teaches(access, group: TeachingGroup) -> bool:
    """Whether the user may record for ``group`` (saves a query when the group list already says so)."""
    if access.can(Cap.RECORD_ASSESSMENT_ALL):
        return True
    if not access.can(Cap.RECORD_ASSESSMENT_OWN):
        return False
    if not access.sees_all_pupils:
        return True  # the group came from visible_to, which for this user means a group they teach
    return services.can_record_for(access, group)


def _choose(request: HttpRequest):
    """The group, window and subject picked on the grid or heat map (defaults: first group, latest open
    window, first subject). Three queries."""
    access = request.access
    groups = [
        g
        for g in TeachingGroup.objects.visible_to(access)
        .select_related("academic_year")
        .order_by("-academic_year__start_date", "year_group", "subject", "name")
        if g.subject in {"english", "maths", "science"}
    ]
    windows = list(AssessmentWindow.objects.filter(school=access.school).order_by("start_date"))
    subjects = selectors.subjects_with_focuses(access.school)
    group_id, window_id, subject_id = (_int(request.GET.get(k)) for k in ("group", "window", "subject"))
    group = next((g for g in groups if g.pk == group_id), groups[0] if groups else None)
    if group_id and (group is None or group.pk != group_id):
        group = None  # an id the user may not see: show nothing rather than another group
    open_windows = [w for w in windows if w.is_open]
    window = next((w for w in windows if w.pk == window_id), None) or (
        (open_windows or windows)[-1] if windows and not window_id else None
    )
    subject_choices = selectors.subjects_for_group(group, subjects) if group else []
    subject = next((s for s in subject_choices if s.pk == subject_id), subject_choices[0] if subject_choices else None)
    return {
        "groups": groups,
        "windows": windows,
        "subjects": subject_choices,
        "group": group,
        "window": window,
        "subject": subject,
        "previous": selectors.previous_window(window, windows) if window else None,
    }


@school_view(*READERS)
def grid(request: HttpRequest) -> HttpResponse:
    chosen = _choose(request)
    context = dict(chosen)
    if chosen["group"] and chosen["window"] and chosen["subject"]:
        data = selectors.grid(
            group=chosen["group"], window=chosen["window"], subject=chosen["subject"], previous=chosen["previous"]
        )
        context["grid"] = data
        context["can_edit"] = can_edit = chosen["window"].is_open and _teaches(request.access, chosen["group"])
        url = _cell_url(chosen["group"], chosen["window"], chosen["subject"])
        for row in data.rows:
            row.html = mark_safe("".join(  # noqa: S308 - cell_html escapes every value with format_html
                cell_html(url=url, window=chosen["window"], subject=chosen["subject"], pupil=row.pupil, cell=c,
                          can_edit=can_edit)
                for c in [*row.cells, row.overall]
            ))  # fmt: skip
        fmt = request.GET.get("format")
        if fmt in {"csv", "xlsx"}:
            headers = ["Pupil", *[f"{f.code} {f.name}" for f in data.focuses], "Overall", "Suggested overall"]
            rows = [
                [r.pupil.display_name, *[c.grade for c in r.cells], r.overall.grade, r.suggestion] for r in data.rows
            ]
            name = f"grid-{chosen['group'].name}-{chosen['subject'].code}-{chosen['window'].name}"
            return table_response(fmt, name, headers, rows)
    return render(request, "assessment/grid.html", context)


def cell_html(*, url: str, window, subject, pupil, cell, can_edit: bool, result=None, error: str = "") -> str:
    """One grid cell as HTML. Rendered in Python, not a template: a 34 × 9 grid has ~300 cells and this keeps
    the page well inside its 100 ms budget. The same function renders the htmx answer to a save."""
    focus = cell.focus
    key = f"{pupil.pk}-{focus.pk if focus else 'overall'}"
    what = f"{focus.code} {focus.name}" if focus else f"overall {subject.name}"
    previous = f'<span class="grid-prev" title="Last window">{escape(cell.previous)}</span>' if cell.previous else ""
    if not can_edit:
        return format_html(
            '<td id="cell-{}" class="grid-cell{}"><span>{}</span> {}</td>',
            key, "" if focus else " grid-overall", cell.grade or "–", previous,
        )  # fmt: skip
    state = ""
    if result is not None and result.status in {"saved", "cleared"}:
        state = " cell-saved"
    elif result is not None and result.conflict:
        state = " cell-conflict"
    elif error:
        state = " cell-error"
    vals = {"pupil": str(pupil.pk), "focus": str(focus.pk) if focus else "", "version": str(cell.version)}
    status = ""
    if result is not None and result.status in {"saved", "cleared"}:
        word = "Saved" if result.status == "saved" else "Cleared"
        status = format_html('<span aria-hidden="true">✓</span><span class="visually-hidden">{}</span>', word)
    message = ""
    if error:
        message = format_html(
            '<div class="grid-message text-danger" id="msg-{}" role="alert">{} Nothing was saved.</div>', key, error
        )
    elif result is not None and result.conflict:
        if result.pk:
            told = format_html(
                "{} changed this to <strong>{}</strong> at {}.",
                result.judged_by_name, result.grade, date_format(localtime(result.judged_at), "H:i, j M"),
            )  # fmt: skip
        else:
            told = "A colleague removed this judgement."
        mine = json.dumps(vals | {"version": str(result.version), "grade": result.attempted})
        theirs = json.dumps(vals | {"version": "0"})
        message = format_html(
            '<div class="grid-message" id="msg-{}" role="alert">{}<div class="d-flex gap-1 mt-1">'
            '<button type="button" class="btn btn-sm btn-outline-primary" hx-post="{}" hx-target="closest td" '
            'hx-swap="outerHTML" hx-vals="{}">Keep mine{}</button>'
            '<button type="button" class="btn btn-sm btn-outline-secondary" hx-get="{}" hx-target="closest td" '
            'hx-swap="outerHTML" hx-vals="{}">Use theirs</button></div></div>',
            key, told, url, mine, f" ({result.attempted})" if result.attempted else "", url, theirs,
        )  # fmt: skip
    # Plain string building with escape() on every text value: format_html per cell is several times slower.
    col = focus.pk if focus else "overall"
    focus_id = focus.pk if focus else ""
    described = f' aria-describedby="msg-{key}"' if message else ""
    return mark_safe(  # noqa: S308 - every interpolated text value is escaped here
        f'<td id="cell-{key}" class="grid-cell{"" if focus else " grid-overall"}{state}"><div class="grid-entry">'
        f'<input type="text" name="grade" value="{escape(cell.grade)}" size="4" maxlength="20" autocomplete="off" '
        f'spellcheck="false" class="form-control form-control-sm grid-input{" is-invalid" if error else ""}" '
        f'aria-label="{escape(f"{pupil.display_name}, {what}, {window.name}")}"{described} data-grid-col="{col}" '
        f'hx-post="{escape(url)}" hx-trigger="change" hx-target="closest td" hx-swap="outerHTML" '
        f'hx-vals="{{&quot;pupil&quot;: &quot;{pupil.pk}&quot;, &quot;focus&quot;: &quot;{focus_id}&quot;, '
        f'&quot;version&quot;: &quot;{int(cell.version)}&quot;}}">'
        f'{previous}<span class="grid-status" role="status">{status}</span>'
        f"</div>{message}</td>"
    )


def _cell_url(group, window, subject) -> str:
    return reverse("assessment:grid_cell", args=[group.pk, window.pk, subject.pk])


def _cell_context(request, *, group, window, subject, focus, pupil, cell, result=None, error=""):
    html = cell_html(
        url=_cell_url(group, window, subject), window=window, subject=subject, pupil=pupil, cell=cell,
        can_edit=True, result=result, error=error,
    )  # fmt: skip
    return {"pupil": pupil, "cell_html": html}


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
    teaches = _teaches(access, group_obj)
    try:
        if focus is None:
            result = services.judgement_record(
                access=access, group=group_obj, window=window_obj, subject=subject_obj, pupil_id=pupil.pk,
                grade=data["grade"], expected_version=data["version"], teaches=teaches,
            )  # fmt: skip
        else:
            result = services.focus_judgement_record(
                access=access, group=group_obj, window=window_obj, focus=focus, pupil_id=pupil.pk,
                grade=data["grade"], expected_version=data["version"], teaches=teaches,
            )  # fmt: skip
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
        points = FocusJudgement.objects.filter(pupil=pupil, subject=subject_obj, window=window_obj).values_list(
            "points", flat=True
        )
        scale = scales.BUILTIN_SCALES.get(subject_obj.scale_code)
        suggested = scales.suggest_overall(list(points), scale) if scale else None
        context["suggestion_oob"] = scale.label_for(suggested) if suggested is not None else ""
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


@school_view(*PUPIL_READERS)
def pupil_profile(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil's spiky profile: each focus judgement against the overall, per subject, for one window."""
    access = request.access
    pupil = get_object_for(Pupil.objects.visible_to(access), pk=pk)
    windows = list(AssessmentWindow.objects.filter(school=access.school).order_by("start_date"))
    judged = selectors.windows_with_judgements(pupil, windows)
    window_id = _int(request.GET.get("window"))
    window = next(
        (w for w in windows if w.pk == window_id), judged[-1] if judged else (windows[-1] if windows else None)
    )
    # The list offers the windows judged so far, the current one (being judged now) and the one shown.
    today = timezone.localdate()
    listed = [w for w in windows if w in judged or w == window or w.start_date <= today <= w.end_date]
    subjects = list(Subject.objects.filter(school=access.school).order_by("order"))
    profile = selectors.spiky_profile(pupil=pupil, window=window, subjects=subjects) if window else []
    for item in profile:
        overall = item["overall"].points if item["overall"] else None
        labels = [f"{f['focus'].code}" for f in item["focuses"]]
        item["chart_id"] = f"spiky-{item['subject'].code}"
        item["config"] = {
            "type": "bar",
            "data": {
                "labels": labels,
                "datasets": [
                    {
                        "type": "bar",
                        "label": "Focus judgement (points)",
                        "data": [f["judgement"].points if f["judgement"] else None for f in item["focuses"]],
                    },
                    {"type": "line", "label": "Overall (points)", "data": [overall] * len(labels), "pointRadius": 0},
                ],
            },  # fmt: skip
            "options": {"scales": {"y": {"title": {"display": True, "text": "Points"}}}},
        }
    return render(
        request,
        "assessment/pupil_profile.html",
        {
            "pupil": pupil,
            "windows": listed or windows,
            "window": window,
            "profile": profile,
            "can_assess": access.can(*READERS),
        },
    )


# --- one pupil's assessment in a subject for a window -----------------------------------------


def _record_group(access, pupil: Pupil, subject: Subject) -> TeachingGroup | None:
    """The pupil's current group in the subject's teaching subject that the user may record for (leaders: any
    such group; teachers: one they teach), or None. One query."""
    if not access.can(*RECORDERS):
        return None
    groups = (
        TeachingGroup.objects.filter(school=access.school, subject=subject.group_subject)
        .filter(Exists(GroupMembership.objects.current().filter(group=OuterRef("pk"), pupil=pupil)))
        .annotate(teaches=Exists(TeachingGroupTeacher.objects.filter(group=OuterRef("pk"), user=access.user)))
        .order_by("-teaches", "name")
    )
    if not access.can(Cap.RECORD_ASSESSMENT_ALL):
        groups = groups.filter(teaches=True)
    return groups.first()


def _read_only_reason(access, *, pupil, subject, window, group) -> str:
    if not window.is_open:
        return f"{window.name} is closed, so these judgements can no longer be changed."
    if not access.can(*RECORDERS):
        return "You can read this page; only the pupil's teachers and senior leaders record judgements."
    if group is None and access.can(Cap.RECORD_ASSESSMENT_ALL):
        return f"{pupil.display_name} is not currently in a teaching group assessed in {subject.name}."
    if group is None:
        return f"You do not teach {pupil.display_name} in {subject.name}, so you can read but not record."
    if pupil.archived_at is not None:
        return f"{pupil.display_name} is no longer on roll."
    return ""


def _result_message(request, what: str, result: services.CellResult) -> None:
    if result.conflict:
        if result.pk:
            told = (
                f"{result.judged_by_name} changed {what} to {result.grade} at "
                f"{date_format(localtime(result.judged_at), 'H:i, j M')} while you were looking."
            )
        else:
            told = f"A colleague removed the judgement for {what} while you were looking."
        messages.warning(
            request,
            f"{told} Your change{f' ({result.attempted})' if result.attempted else ''} was not saved. "
            "The page now shows theirs: choose again and save to keep yours.",
        )
    elif result.status == "saved":
        messages.success(request, f"{what[:1].upper()}{what[1:]} saved{f': {result.grade}' if result.grade else ''}.")
    elif result.status == "cleared":
        messages.success(request, f"The judgement for {what} was removed.")
    else:
        messages.info(request, f"Nothing changed for {what}.")


@require_http_methods(["GET", "POST"])
@school_view(*READERS)
def pupil_assess(request: HttpRequest, pupil: int, subject: int, window: int) -> HttpResponse:
    """A pupil's periodic assessment in one subject for one window: a judgement and the criteria met for each
    focus, and the overall judgement beside the suggestion from the focuses (the teacher decides)."""
    access = request.access
    pupil_obj = get_object_for(Pupil.objects.visible_to(access), pk=pupil)
    subject_obj = get_object_for(Subject.objects.filter(school=access.school), pk=subject)
    windows = list(AssessmentWindow.objects.filter(school=access.school).order_by("start_date"))
    window_obj = next((w for w in windows if w.pk == window), None)
    if window_obj is None:
        raise Http404("Not found.")
    group = _record_group(access, pupil_obj, subject_obj)
    reason = _read_only_reason(access, pupil=pupil_obj, subject=subject_obj, window=window_obj, group=group)
    here = reverse("assessment:pupil_assess", args=[pupil_obj.pk, subject_obj.pk, window_obj.pk])
    if request.method == "POST":
        require(access, *RECORDERS)
        form = PupilAssessForm(request.POST)
        if not form.is_valid():
            return HttpResponse("That form could not be read; reload the page.", status=400)
        data = form.cleaned_data
        if reason:
            messages.error(request, f"{reason} Nothing was saved.")
            return redirect(here)
        try:
            if data["focus"]:
                focus = get_object_for(
                    Focus.objects.filter(subject=subject_obj).select_related("subject"), pk=data["focus"]
                )
                what, anchor = f"{focus.code} {focus.name}", f"#focus-{focus.pk}"
                result = services.focus_assessment_save(
                    access=access, group=group, window=window_obj, focus=focus, pupil_id=pupil_obj.pk,
                    grade=data["grade"], criterion_ids=data["criteria"], expected_version=data["version"],
                    teaches=True,
                )  # fmt: skip
            else:
                what, anchor = f"the overall judgement in {subject_obj.name}", "#overall"
                current = Judgement.objects.filter(pupil=pupil_obj, subject=subject_obj, window=window_obj).first()
                if current is not None and (current.version, current.grade) == (data["version"], data["grade"]):
                    result = services.CellResult(status="unchanged")
                else:
                    result = services.judgement_record(
                        access=access, group=group, window=window_obj, subject=subject_obj, pupil_id=pupil_obj.pk,
                        grade=data["grade"], expected_version=data["version"], teaches=True,
                    )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, f"{' '.join(exc.messages)} Nothing was saved.")
            return redirect(here)
        _result_message(request, what, result)
        return redirect(here + anchor)
    try:
        scale = services.scale_for(subject_obj)
    except services.CellRefused as exc:
        raise PermissionDenied(" ".join(exc.messages)) from exc
    data = selectors.pupil_assessment(pupil=pupil_obj, subject=subject_obj, window=window_obj, scale=scale)
    grid_url = ""
    if group is not None:
        grid_url = f"{reverse('assessment:grid')}?group={group.pk}&window={window_obj.pk}&subject={subject_obj.pk}"
    return render(
        request,
        "assessment/pupil_assess.html",
        {
            "pupil": pupil_obj,
            "subject": subject_obj,
            "window": window_obj,
            "windows": windows,
            "scale": scale,
            "labels": scale.labels(),
            "data": data,
            "can_edit": not reason,
            "reason": reason,
            "group": group,
            "grid_url": grid_url,
        },
    )


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
                added = services.criteria_import_csv(
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
            criterion = get_object_for(Criterion.objects.filter(focus=focus), pk=_int(request.POST["delete"]))
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


@require_http_methods(["GET", "POST"])
@school_view(Cap.MANAGE_FRAMEWORKS)
def scales_page(request: HttpRequest) -> HttpResponse:
    """Every built-in scale explained, the school's own scales (assessment without levels) with a form to add or
    change one, and the scale each subject is judged on."""
    access = request.access
    school_scales = list(SchoolScale.objects.filter(school=access.school).order_by("name", "code"))
    subjects = list(Subject.objects.filter(school=access.school).order_by("order", "name"))
    edit_id = _int(request.POST.get("edit") if request.method == "POST" else request.GET.get("edit"))
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
        if action == "scale":
            scale_form = SchoolScaleForm(request.POST, initial=initial, editing=editing is not None)
            if scale_form.is_valid():
                code = scale_form.cleaned_data["code"]
                if editing is None and any(s.code == code for s in school_scales):
                    scale_form.add_error("code", f"The school already has a scale “{code}”: edit it instead.")
                else:
                    try:
                        services.school_scale_update(
                            school=access.school, code=code, name=scale_form.cleaned_data["name"],
                            steps=scale_form.cleaned_data["steps"],
                        )  # fmt: skip
                    except ValidationError as exc:
                        for message in exc.messages:
                            scale_form.add_error(None, message)
                    else:
                        messages.success(request, f"Scale “{scale_form.cleaned_data['name']}” saved.")
                        return redirect("assessment:scales")
        elif action == "subject":
            form = SubjectScaleForm(request.POST, scale_choices=choices)
            if form.is_valid():
                subject = next((s for s in subjects if s.pk == form.cleaned_data["subject"]), None)
                if subject is None:
                    raise Http404("Not found.")
                try:
                    services.subject_scale_set(
                        school=access.school, subject=subject, scale_code=form.cleaned_data["scale_code"]
                    )
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    messages.success(request, f"{subject.name} is now judged on {names[subject.scale_code]}.")
            else:
                messages.error(request, "Choose one of the scales listed.")
            return redirect("assessment:scales")
        else:
            return HttpResponse("Unknown action.", status=400)
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
    return render(
        request,
        "assessment/scales.html",
        {
            "builtin": [
                {
                    "scale": s,
                    "explanation": selectors.scale_explanation(s),
                    "subjects": [x for x in subjects if x.scale_code == s.code],
                }
                for s in scales.BUILTIN_SCALES.values()
            ],  # fmt: skip
            "own": own,
            "subjects": [(s, names.get(s.scale_code, s.scale_code)) for s in subjects],
            "choices": choices,
            "scale_form": scale_form,
            "editing": editing,
        },
    )


# --- transitional results ---------------------------------------------------------------------


@school_view(Cap.RECORD_ASSESSMENT_ALL, Cap.MANAGE_PUPILS)
def transitional(request: HttpRequest) -> HttpResponse:
    access = request.access
    pupils = Pupil.objects.visible_to(access).on_roll()
    subjects = Subject.objects.filter(school=access.school)
    upload, entry = TransitionCsvForm(), TransitionalResultForm(pupils=pupils, subjects=subjects)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "ctf":
                report = services.transitional_results_from_ctf(school=access.school, user=access.user)
                _report(request, report)
                return redirect("assessment:transitional")
            if action == "csv":
                upload = TransitionCsvForm(request.POST, request.FILES)
                if upload.is_valid():
                    report = services.transitional_results_import_csv(
                        school=access.school, text=upload.cleaned_data["file"], user=access.user
                    )
                    _report(request, report)
                    return redirect("assessment:transitional")
            if action == "entry":
                entry = TransitionalResultForm(request.POST, pupils=pupils, subjects=subjects)
                if entry.is_valid():
                    row, _ = services.transitional_result_save(
                        school=access.school, source=TransitionalResult.Source.MANUAL, user=access.user,
                        **entry.cleaned_data,
                    )  # fmt: skip
                    note = "" if row.points is not None else " It is not on the subject's scale, so it has no points."
                    messages.success(request, f"Result saved.{note}")
                    return redirect("assessment:transitional")
        except ValidationError as exc:
            target = upload if action == "csv" else entry
            for message in exc.messages[:50]:
                target.add_error(None, message)
    results = (
        TransitionalResult.objects.filter(school=access.school, pupil__in=pupils)
        .select_related("pupil", "subject")
        .order_by("pupil__legal_surname", "pupil__legal_forename", "key_stage", "subject__order")
    )
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        headers = ["Pupil", "Key stage", "Year", "Subject", "Method", "Result", "Points", "Source"]
        rows = [
            [r.pupil.display_name, r.key_stage, r.year, r.subject.name, r.get_method_display(), r.grade, r.points,
             r.get_source_display()]
            for r in results
        ]  # fmt: skip
        return table_response(fmt, "transitional-results", headers, rows)
    return render(
        request,
        "assessment/transitional.html",
        {"results": results[:500], "total": results.count(), "upload": upload, "entry": entry},
    )


def _report(request, report: services.TransitionImport) -> None:
    messages.success(request, f"{report.created} results added and {report.updated} updated.")
    if report.unmapped:
        messages.warning(
            request,
            f"{len(report.unmapped)} results are not on the subject's scale and were kept without points, e.g. "
            + "; ".join(report.unmapped[:3]),
        )
    if report.skipped:
        messages.info(request, f"{len(report.skipped)} results were for subjects or methods not assessed here.")


# --- day-to-day assessment --------------------------------------------------------------------


@school_view(*READERS)
def objectives(request: HttpRequest, group: int) -> HttpResponse:
    access = request.access
    group_obj = get_object_for(TeachingGroup.objects.visible_to(access), pk=group)
    focuses = Focus.objects.filter(
        subject__school=access.school, subject__group_subject=group_obj.subject
    ).select_related("subject")
    can_edit = _teaches(access, group_obj)
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


@school_view(*READERS)
def objective_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Quick record: pupils × success criteria, a 1–3 rating by the pupil, a peer or the teacher."""
    access = request.access
    objective = get_object_for(
        LearningObjective.objects.filter(group__in=TeachingGroup.objects.visible_to(access)).select_related("group"),
        pk=pk,
    )
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
            "can_edit": _teaches(access, objective.group),
        },
    )


@require_POST
@school_view(*RECORDERS)
def objective_record_save(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    objective = get_object_for(
        LearningObjective.objects.filter(group__in=TeachingGroup.objects.visible_to(access)).select_related("group"),
        pk=pk,
    )
    pupil = get_object_for(Pupil.objects.visible_to(access), pk=_int(request.POST.get("pupil")))
    criterion = get_object_for(objective.success_criteria.all(), pk=_int(request.POST.get("criterion")))
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
