"""The pupil list (with export), the profile, edits and leavers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from schoolpl.access import FSM_FIELDS, get_object_for, school_view, sees_fsm
from schoolpl.exports import table_response
from schoolpl.nav import panels
from schoolpl.roles import Cap

from .. import codes, services
from ..filters import PupilFilter
from ..forms import ArchiveForm, PupilForm
from ..importing import FIELDS
from ..models import Pupil, TeachingGroup
from .common import READ, export_format, query_without

PAGE_SIZE = 50


def export_columns(access) -> list[str]:
    """Pupil fields in an export, in the import's order, so an export can be imported again."""
    hidden = set() if sees_fsm(access) else FSM_FIELDS
    return [f.name for f in FIELDS if f.name not in hidden]


def _export_value(name: str, value):
    if name == "year_group":
        return codes.year_group_code(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


@school_view(*READ)
def pupil_list(request: HttpRequest) -> HttpResponse:
    access = request.access
    visible = Pupil.objects.visible_to(access)
    forms_available = visible.exclude(form="").order_by("form").values_list("form", flat=True).distinct()
    pupil_filter = PupilFilter(request.GET or None, queryset=visible, access=access, forms_available=forms_available)
    pupils = pupil_filter.qs
    fmt = export_format(request)
    if fmt:
        columns = export_columns(access)
        labels = {f.name: f.label for f in FIELDS}
        rows = (
            [_export_value(c, row[c]) for c in columns] for row in pupils.values(*columns).iterator(chunk_size=2000)
        )
        return table_response(fmt, "Pupils", [labels[c] for c in columns], rows)
    page = Paginator(pupils, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": pupil_filter,
        "page": page,
        "show_fsm": sees_fsm(access),
        "query": query_without(request, "page", "export"),
        "can_manage": access.can(Cap.MANAGE_PUPILS),
    }
    return render(request, "pupils/pupil_list.html", context)


# --------------------------------------------------------------------------- the profile

HISTORY_LIMIT = 50


def _history(pupil: Pupil, hide: frozenset[str]) -> list[dict]:
    """Who changed what and when, newest first (at most ``HISTORY_LIMIT`` entries)."""
    records = list(
        pupil.history.select_related("history_user").order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1]
    )
    entries = []
    for index, record in enumerate(records[:HISTORY_LIMIT]):
        older = records[index + 1] if index + 1 < len(records) else None
        if record.history_type == "+" or older is None:
            changes = [] if record.history_type == "+" else None
        else:
            delta = record.diff_against(older, excluded_fields=["school", "created_at", *hide])
            changes = [
                (services.field_label(c.field), services.show_value(c.old), services.show_value(c.new))
                for c in delta.changes
            ]
            if not changes and not record.history_change_reason:
                continue
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user.display_name if record.history_user else "System",
                "kind": {"+": "Created", "~": "Changed", "-": "Deleted"}[record.history_type],
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
    return entries


@school_view(*READ)
def pupil_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    pupil = get_object_for(Pupil.objects.visible_to(access), pk=pk)
    memberships = list(
        pupil.group_memberships.select_related("group", "group__academic_year")
        .prefetch_related("group__teacher_links__user")
        .order_by("-group__academic_year__start_date", "group__subject", "-start_date")
    )
    visible_groups = set(
        TeachingGroup.objects.visible_to(access).filter(memberships__pupil=pupil).values_list("pk", flat=True)
    )
    today = timezone.localdate()
    for m in memberships:
        m.is_current = m.start_date <= today and (m.end_date is None or m.end_date >= today)
        m.can_open = m.group_id in visible_groups
    hide = frozenset() if sees_fsm(access) else FSM_FIELDS
    context = {
        "pupil": pupil,
        "current": [m for m in memberships if m.is_current],
        "past": [m for m in memberships if not m.is_current],
        "contacts": list(pupil.contacts.all()),
        "history": _history(pupil, hide),
        "panels": panels("pupil_panels", request, pupil=pupil),
        "show_fsm": sees_fsm(access),
        "can_manage": access.can(Cap.MANAGE_PUPILS),
        "today": today,
    }
    return render(request, "pupils/pupil_detail.html", context)


@school_view(Cap.MANAGE_PUPILS)
def pupil_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_object_for(Pupil.objects.visible_to(request.access), pk=pk)
    name = pupil.display_name  # the form updates the instance while validating
    form = PupilForm(request.POST or None, instance=pupil)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.pupil_update(pupil=pupil, by=request.user, **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{pupil.display_name}'s record is saved.")
            return redirect("pupils:detail", pk=pupil.pk)
    return render(request, "pupils/pupil_edit.html", {"pupil": pupil, "name": name, "form": form})


@school_view(Cap.MANAGE_PUPILS)
def pupil_archive(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_object_for(Pupil.objects.visible_to(request.access), pk=pk)
    form = ArchiveForm(request.POST or None)
    if pupil.is_archived:
        messages.info(request, f"{pupil.display_name} is already archived as a leaver.")
        return redirect("pupils:detail", pk=pupil.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.pupil_archive(pupil=pupil, by=request.user, leaving_date=form.cleaned_data["leaving_date"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{pupil.display_name} is archived as a leaver. Their history is kept.")
            return redirect("pupils:detail", pk=pupil.pk)
    return render(request, "pupils/pupil_archive.html", {"pupil": pupil, "form": form})


@require_POST
@school_view(Cap.MANAGE_PUPILS)
def pupil_restore(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_object_for(Pupil.objects.visible_to(request.access), pk=pk)
    if pupil.is_archived:
        services.pupil_restore(pupil=pupil, by=request.user)
        messages.success(request, f"{pupil.display_name} is back on roll.")
    return redirect("pupils:detail", pk=pupil.pk)
