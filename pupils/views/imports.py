"""Importing pupils: a CSV/XLSX export from the MIS or a Common Transfer File, as upload → preview (every
problem, what would change) → commit, all or nothing, or cancel.

Between the upload and the commit the file is kept by ``schoolpl.uploads`` (on disk, private); the session
holds only its id, and the file is removed when the import is committed or cancelled, or a fresh import
page is opened.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from schoolpl import uploads
from schoolpl.access import school_view
from schoolpl.roles import Cap
from schoolpl.spreadsheets import truncate

from .. import services
from ..codes import parse_year_group, year_group_label
from ..ctf import CtfError, parse_ctf
from ..forms import CtfUploadForm, MappingForm, UploadForm
from ..importing import FIELDS, ImportFileError, RowError, default_mapping, read_table, validate_rows

PREVIEW_ROWS = 20
PREVIEW_CELL_CHARS = 60
IMPORT_SESSION_KEY = "pupils_import_upload"
CTF_SESSION_KEY = "pupils_ctf_upload"
EXPIRED = "The uploaded file has expired. Please upload it again."
CANCELLED = "The import is cancelled: nothing was imported."


def _keep(request: HttpRequest, key: str, upload) -> bytes:
    """Keep the uploaded file until the import is committed or cancelled (replacing any earlier one)."""
    _drop(request, key)
    data = upload.read()
    request.session[key] = uploads.store(user=request.user, school=request.access.school, name=upload.name, data=data)
    return data


def _kept(request: HttpRequest, key: str) -> uploads.Upload | None:
    """The file this user uploaded for ``key`` in this school; None (and the id forgotten) when it is gone."""
    found = uploads.load(request.session.get(key), user=request.user, school=request.access.school)
    if found is None:
        request.session.pop(key, None)
    return found


def _drop(request: HttpRequest, key: str) -> None:
    upload_id = request.session.pop(key, None)
    if upload_id:
        uploads.discard(upload_id, user=request.user, school=request.access.school)


def _cancel(request: HttpRequest, key: str, url_name: str) -> HttpResponse:
    _drop(request, key)
    messages.info(request, CANCELLED)
    return redirect(url_name)


def _year_shown(value):
    """A year group as the school says it ("Reception", "Year 6"), not the MIS's code ("0", "R"); a value that
    does not parse is shown as it is (its problem is listed beside it)."""
    try:
        return year_group_label(parse_year_group(value))
    except ValueError:
        return value


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
            if f.name == "year_group":
                value = _year_shown(value)
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
        _drop(request, IMPORT_SESSION_KEY)
        return render(request, "pupils/import.html", context)

    action = request.POST.get("action", "upload")
    if action == "cancel":
        return _cancel(request, IMPORT_SESSION_KEY, "pupils:import")
    mapping_data = None
    if action == "upload":
        upload_form = UploadForm(request.POST, request.FILES)
        context["upload_form"] = upload_form
        if not upload_form.is_valid():
            return render(request, "pupils/import.html", context)
        data = _keep(request, IMPORT_SESSION_KEY, upload_form.cleaned_data["file"])
        name = upload_form.cleaned_data["file"].name
    else:
        kept = _kept(request, IMPORT_SESSION_KEY)
        if kept is None:
            messages.error(request, EXPIRED)
            return redirect("pupils:import")
        name, data = kept.name, kept.data
        mapping_data = request.POST
    try:
        headers, rows = read_table(data, name)
    except ImportFileError as exc:
        _drop(request, IMPORT_SESSION_KEY)
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
            _drop(request, IMPORT_SESSION_KEY)
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
        _drop(request, CTF_SESSION_KEY)
        return render(request, "pupils/import_ctf.html", context)
    action = request.POST.get("action", "upload")
    if action == "cancel":
        return _cancel(request, CTF_SESSION_KEY, "pupils:import_ctf")
    if action == "upload":
        form = CtfUploadForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "pupils/import_ctf.html", context)
        data = _keep(request, CTF_SESSION_KEY, form.cleaned_data["file"])
    else:
        kept = _kept(request, CTF_SESSION_KEY)
        if kept is None:
            messages.error(request, EXPIRED)
            return redirect("pupils:import_ctf")
        data = kept.data
    confirmed = set(request.POST.getlist("confirm")) if action != "upload" else set()
    refused: list[str] = []
    try:
        ctf = parse_ctf(data)
        services.ctf_check_school(ctf=ctf, school=access.school)
        if action == "commit":
            outcome = services.pupil_import_ctf(school=access.school, ctf=ctf, by=request.user, confirmed=confirmed)
            _drop(request, CTF_SESSION_KEY)
            return render(request, "pupils/import_done.html", {"outcome": outcome, "ctf": ctf})
    except CtfError as exc:
        _drop(request, CTF_SESSION_KEY)
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
