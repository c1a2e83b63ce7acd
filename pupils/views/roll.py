"""Pupil pages: the list (with export), the profile, edits, leavers, teaching groups and imports.

Every view is scoped through ``Pupil.objects.visible_to`` / ``TeachingGroup.objects.visible_to``: a teacher
sees the pupils of their own groups, SENCOs, leaders and admins the whole school, a SIP no pupil at all.
FSM and pupil-premium status follows the access layer's one rule (``schoolpl.access.sees_fsm``).
"""

from __future__ import annotations

import base64
import binascii
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from schoolpl.access import FSM_FIELDS, get_object_for, school_view, sees_fsm
from schoolpl.exports import table_response
from schoolpl.history import history_page
from schoolpl.models import AcademicYear
from schoolpl.nav import panels
from schoolpl.roles import Cap
from schoolpl.spreadsheets import truncate

from . import codes, services
from .ctf import CtfError, parse_ctf
from .filters import PupilFilter
from .forms import ArchiveForm, CtfUploadForm, MappingForm, MoveForm, PupilForm, UploadForm
from .importing import FIELDS, ImportFileError, RowError, default_mapping, read_table, validate_rows
from .models import GroupMembership, Pupil, TeachingGroup

READ = (Cap.VIEW_PUPILS_ALL, Cap.VIEW_PUPILS_OWN)
PAGE_SIZE = 50
PREVIEW_ROWS = 20
PREVIEW_CELL_CHARS = 60
IMPORT_SESSION_KEY = "pupils_import_upload"
CTF_SESSION_KEY = "pupils_ctf_upload"


def _export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("export")
    return fmt if fmt in ("csv", "xlsx") else None


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


# --------------------------------------------------------------------------- the pupil list


def export_columns(access) -> list[str]:
    """Pupil fields in an export, in the import's order, so an export can be imported again."""
    hidden = set() if sees_fsm(access) else FSM_FIELDS
    return [f.name for f in FIELDS if f.name not in hidden]


def _export_value(name: str, value):
    if name == "year_group":
        return codes.year_group_code(value)
    if isinstance(value, bool):
        return _yes_no(value)
    return value


@school_view(*READ)
def pupil_list(request: HttpRequest) -> HttpResponse:
    access = request.access
    visible = Pupil.objects.visible_to(access)
    forms_available = visible.exclude(form="").order_by("form").values_list("form", flat=True).distinct()
    pupil_filter = PupilFilter(request.GET or None, queryset=visible, access=access, forms_available=forms_available)
    pupils = pupil_filter.qs
    fmt = _export_format(request)
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
        "query": _query_without(request, "page", "export"),
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


# --------------------------------------------------------------------------- teaching groups


def _years(access) -> list[AcademicYear]:
    return list(AcademicYear.objects.filter(school=access.school).order_by("-start_date"))


def _chosen_year(request: HttpRequest, years: list[AcademicYear]) -> AcademicYear | None:
    wanted = request.GET.get("year", "")
    chosen = next((y for y in years if str(y.pk) == wanted), None)
    if chosen is None:
        today = timezone.localdate()
        chosen = next((y for y in years if y.start_date <= today <= y.end_date), years[0] if years else None)
    return chosen


@school_view(*READ)
def group_list(request: HttpRequest) -> HttpResponse:
    access = request.access
    years = _years(access)
    year = _chosen_year(request, years)
    today = timezone.localdate()
    current = Q(memberships__start_date__lte=today) & (
        Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today)
    )
    groups = (
        TeachingGroup.objects.visible_to(access)
        .filter(academic_year=year)
        .annotate(pupil_count=Count("memberships", filter=current, distinct=True))
        .prefetch_related("teacher_links__user")
        .order_by("year_group", "subject", "name")
    )
    subject = request.GET.get("subject", "")
    if subject in TeachingGroup.Subject.values:
        groups = groups.filter(subject=subject)
    groups = list(groups)
    for g in groups:
        g.teacher_names = ", ".join(link.user.display_name for link in g.teacher_links.all())
    fmt = _export_format(request)
    if fmt:
        rows = [
            [
                g.name,
                g.get_subject_display(),
                g.get_kind_display(),
                g.get_year_group_display() or "",
                g.teacher_names,
                g.pupil_count,
            ]
            for g in groups
        ]
        headers = ["Group", "Subject", "Kind", "Year group", "Teachers", "Pupils now"]
        return table_response(fmt, f"Teaching groups {year.name if year else ''}", headers, rows)
    context = {
        "groups": groups,
        "years": years,
        "year": year,
        "subjects": TeachingGroup.Subject.choices,
        "subject": subject,
        "query": _query_without(request, "export"),
    }
    return render(request, "pupils/group_list.html", context)


@school_view(*READ)
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    group = get_object_for(
        TeachingGroup.objects.visible_to(access)
        .select_related("academic_year")
        .prefetch_related("teacher_links__user"),
        pk=pk,
    )
    today = timezone.localdate()
    memberships = list(
        group.memberships.filter(pupil__in=Pupil.objects.visible_to(access))
        .select_related("pupil")
        .order_by("pupil__legal_surname", "pupil__legal_forename", "start_date")
    )
    current = [m for m in memberships if m.start_date <= today and (m.end_date is None or m.end_date >= today)]
    past = [m for m in memberships if m not in current]
    fmt = _export_format(request)
    if fmt:
        rows = [
            [m.pupil.upn, m.pupil.legal_surname, m.pupil.legal_forename, m.pupil.year_label, m.start_date, m.end_date]
            for m in memberships
        ]
        headers = ["UPN", "Legal surname", "Legal forename", "Year group", "Joined", "Left"]
        return table_response(fmt, f"{group.name} {group.get_subject_display()}", headers, rows)
    context = {
        "group": group,
        "current": current,
        "past": past,
        "can_manage": access.can(Cap.MANAGE_PUPILS),
        "query": _query_without(request, "export"),
    }
    return render(request, "pupils/group_detail.html", context)


@school_view(Cap.MANAGE_PUPILS)
def membership_move(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    membership = get_object_for(
        GroupMembership.objects.filter(group__school=access.school).select_related("group", "pupil"), pk=pk
    )
    form = MoveForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_membership_move(
                membership=membership,
                to_group=form.cleaned_data["to_group"],
                on=form.cleaned_data["on"],
                by=request.user,
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, f"{membership.pupil.display_name} moves to {form.cleaned_data['to_group'].name}.")
            return redirect("pupils:group", pk=membership.group_id)
    return render(request, "pupils/membership_move.html", {"membership": membership, "form": form})


# --------------------------------------------------------------------------- imports


def _stash(request: HttpRequest, key: str, upload) -> bytes:
    data = upload.read()
    request.session[key] = {"name": upload.name, "data": base64.b64encode(data).decode("ascii")}
    return data


def _unstash(request: HttpRequest, key: str) -> tuple[str, bytes] | None:
    stored = request.session.get(key)
    if not stored:
        return None
    try:
        return stored["name"], base64.b64decode(stored["data"])
    except (KeyError, TypeError, binascii.Error):
        request.session.pop(key, None)
        return None


def _preview_rows(rows, headers, mapping, errors: list[RowError]) -> tuple[list[str], list[dict]]:
    """The first rows of the file, in mapped columns, each cell marked when it has a problem."""
    columns = [f for f in FIELDS if mapping.get(f.name)]
    bad = {(e.row, e.column) for e in errors}
    preview = []
    for index, row in enumerate(rows[:PREVIEW_ROWS]):
        number = index + 2
        cells = []
        for f in columns:
            header = mapping[f.name]
            value = row.get(header)
            if isinstance(value, str):
                value = truncate(value, PREVIEW_CELL_CHARS)  # a cell may hold up to 1,000 characters
            cells.append({"value": "" if value is None else value, "bad": (number, header) in bad})
        preview.append({"number": number, "cells": cells, "bad": any(e.row == number for e in errors)})
    return [f.label for f in columns], preview


@school_view(Cap.MANAGE_PUPILS)
def import_pupils(request: HttpRequest) -> HttpResponse:
    """Upload → preview (mapping, first rows, every problem, what would change) → commit, all or nothing."""
    access = request.access
    upload_form = UploadForm()
    context: dict = {"upload_form": upload_form}
    if request.method != "POST":
        request.session.pop(IMPORT_SESSION_KEY, None)
        return render(request, "pupils/import.html", context)

    action = request.POST.get("action", "upload")
    mapping_data = None
    if action == "upload":
        upload_form = UploadForm(request.POST, request.FILES)
        context["upload_form"] = upload_form
        if not upload_form.is_valid():
            return render(request, "pupils/import.html", context)
        data = _stash(request, IMPORT_SESSION_KEY, upload_form.cleaned_data["file"])
        name = upload_form.cleaned_data["file"].name
    else:
        stashed = _unstash(request, IMPORT_SESSION_KEY)
        if stashed is None:
            messages.error(request, "The uploaded file has expired. Please upload it again.")
            return redirect("pupils:import")
        name, data = stashed
        mapping_data = request.POST
    try:
        headers, rows = read_table(data, name)
    except ImportFileError as exc:
        request.session.pop(IMPORT_SESSION_KEY, None)
        upload_form.add_error("file", str(exc))
        return render(request, "pupils/import.html", context)

    if mapping_data is None:
        mapping_form = MappingForm(headers=headers, initial=MappingForm.initial_for(default_mapping(headers)))
    else:
        mapping_form = MappingForm(mapping_data, headers=headers)
    mapping = mapping_form.mapping()
    result = validate_rows(rows, mapping, headers=headers, today=timezone.localdate())
    # "Yes, correct this record" ticks: each names one row's identity change exactly (services.conflict_key).
    confirmed = set(request.POST.getlist("confirm")) if mapping_data is not None else set()
    matching = {"columns": mapping, "confirmed": confirmed}
    plan = None
    errors = list(result.errors)
    if result.records:
        plan = services.pupil_import_plan(
            school=access.school, records=result.records, record_rows=result.record_rows, **matching
        )
        errors = sorted(errors + plan.errors, key=lambda e: e.row)

    if action == "commit" and not errors:
        try:
            outcome = services.pupil_import_commit(
                school=access.school,
                records=result.records,
                record_rows=result.record_rows,
                by=request.user,
                **matching,
            )
        except services.ImportCommitError as exc:
            errors = exc.errors
        else:
            request.session.pop(IMPORT_SESSION_KEY, None)
            return render(request, "pupils/import_done.html", {"outcome": outcome, "file_name": name})

    columns, preview = _preview_rows(rows, headers, mapping, errors)
    context.update(
        {
            "file_name": name,
            "row_count": sum(1 for r in rows if any(v not in (None, "") for v in r.values())),
            "mapping_form": mapping_form,
            "errors": errors,
            "columns": columns,
            "preview": preview,
            "plan": plan,
            "can_commit": not errors and bool(result.records),
        }
    )
    return render(request, "pupils/import.html", context)


@school_view(Cap.MANAGE_PUPILS)
def import_ctf(request: HttpRequest) -> HttpResponse:
    """Upload a CTF → preview its pupils and problems → import (basic details, SEN, contacts, key stage results)."""
    access = request.access
    form = CtfUploadForm()
    context: dict = {"form": form, "school": access.school}
    if request.method != "POST":
        request.session.pop(CTF_SESSION_KEY, None)
        return render(request, "pupils/import_ctf.html", context)
    action = request.POST.get("action", "upload")
    if action == "upload":
        form = CtfUploadForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "pupils/import_ctf.html", context)
        data = _stash(request, CTF_SESSION_KEY, form.cleaned_data["file"])
    else:
        stashed = _unstash(request, CTF_SESSION_KEY)
        if stashed is None:
            messages.error(request, "The uploaded file has expired. Please upload it again.")
            return redirect("pupils:import_ctf")
        data = stashed[1]
    confirmed = set(request.POST.getlist("confirm")) if action != "upload" else set()
    refused: list[str] = []
    try:
        ctf = parse_ctf(data)
        services.ctf_check_school(ctf=ctf, school=access.school)
        if action == "commit":
            outcome = services.pupil_import_ctf(school=access.school, ctf=ctf, by=request.user, confirmed=confirmed)
            request.session.pop(CTF_SESSION_KEY, None)
            return render(request, "pupils/import_done.html", {"outcome": outcome, "ctf": ctf})
    except CtfError as exc:
        request.session.pop(CTF_SESSION_KEY, None)
        form.add_error("file", f"Nothing was imported. {exc}")
        return render(request, "pupils/import_ctf.html", context)
    except services.ImportCommitError as exc:  # an unconfirmed identity conflict: nothing was written
        refused = [str(e) for e in exc.errors]
    rows = services.ctf_preview(ctf=ctf, school=access.school, confirmed=confirmed)
    context.update(
        {
            "ctf": ctf,
            "rows": rows,
            "refused": refused,
            "can_commit": any(r.action != "skip" for r in rows),
            "counts": {
                a: sum(1 for r in rows if r.action == a) for a in ("create", "update", "conflict", "unchanged", "skip")
            },
        }
    )
    return render(request, "pupils/import_ctf.html", context)


# --------------------------------------------------------------------------- history (the audit trail)

# Senior leaders, the SENCO and admins: the whole trail of a pupil or a group. Not a class teacher (whose
# profile keeps "judged by"), never a SIP, who sees no names (DESIGN §4).
HISTORY_READ = (Cap.VIEW_PUPILS_ALL,)
HISTORY_HEADERS = ["When", "Changed by", "Pupil", "Record", "Change", "What changed"]


def _local(when):
    """School time to the second, without a zone, for a spreadsheet cell."""
    return timezone.localtime(when).replace(tzinfo=None, microsecond=0)


def _changes_page(request: HttpRequest, *, pupils, group, title: str, context: dict) -> HttpResponse:
    page = history_page(request.access, pupils=pupils, group=group, page_number=request.GET.get("page"))
    fmt = _export_format(request)
    if fmt:  # the page's table, as shown
        rows = (
            [_local(e.when), e.who, e.pupil.display_name if e.pupil else "", e.what, e.action, e.summary]
            for e in page.object_list
        )
        return table_response(fmt, re.sub(r"[\\/?*\[\]:]", "-", title), HISTORY_HEADERS, rows)
    context.update(
        {"page": page, "title": title, "show_pupil": group is not None, "query": _query_without(request, "export")}
    )
    return render(request, "pupils/history.html", context)


@school_view(*HISTORY_READ)
def pupil_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change to a pupil's judgements, targets, interventions and reviews: who, when, before → after."""
    pupil = get_object_for(Pupil.objects.visible_to(request.access), pk=pk)
    return _changes_page(
        request,
        pupils=Pupil.objects.filter(pk=pupil.pk),
        group=None,
        title=f"History of {pupil.display_name}",
        context={"pupil": pupil},
    )


@school_view(*HISTORY_READ)
def group_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The same for everyone who has been in a teaching group, in the group's subject."""
    access = request.access
    group = get_object_for(TeachingGroup.objects.visible_to(access).select_related("academic_year"), pk=pk)
    pupils = Pupil.objects.visible_to(access).filter(group_memberships__group=group)
    return _changes_page(
        request,
        pupils=pupils,
        group=group,
        title=f"History of {group.name} {group.get_subject_display()}",
        context={"group": group},
    )
