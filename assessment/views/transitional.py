"""Transitional (end of key stage) results: from Common Transfer Files, a CSV file or entered by hand."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from pupils.models import Pupil
from schoolpl.access import school_view
from schoolpl.exports import table_response
from schoolpl.roles import Cap

from .. import importing
from ..forms import TransitionalResultForm, TransitionCsvForm
from ..models import Subject, TransitionalResult

EXPORT_HEADERS = ["Pupil", "Key stage", "Year", "Subject", "Method", "Result", "Points", "Scale", "Source"]


def _report(request, report: importing.TransitionImport) -> None:
    messages.success(request, f"{report.created} results added and {report.updated} updated.")
    if report.unmapped:
        messages.warning(
            request,
            f"{len(report.unmapped)} results have no points and were kept as written, e.g. "
            + " ".join(report.unmapped[:3]),
        )
    if report.own_scale:
        messages.info(
            request,
            f"{len(report.own_scale)} results are post-2014 results with points on their own scale "
            f"({importing.OWN_SCALE_NOTE}), e.g. " + " ".join(report.own_scale[:3]),
        )
    if report.skipped:
        messages.info(request, f"{len(report.skipped)} results were for subjects or methods not assessed here.")


def _post(request, action: str | None, upload: TransitionCsvForm, entry: TransitionalResultForm) -> bool:
    """Carry out ``action`` (ctf, csv or entry) with its messages; False when a form was not valid."""
    access = request.access
    if action == "ctf":
        _report(request, importing.transitional_results_from_ctf(school=access.school, user=access.user))
        return True
    if action == "csv" and upload.is_valid():
        report = importing.transitional_results_import_csv(
            school=access.school, text=upload.cleaned_data["file"], user=access.user
        )
        _report(request, report)
        return True
    if action == "entry" and entry.is_valid():
        row, _ = importing.transitional_result_save(
            school=access.school, source=TransitionalResult.Source.MANUAL, user=access.user, **entry.cleaned_data
        )
        messages.success(request, f"Result saved: {_saved(row)}")
        return True
    return False


def _saved(row: TransitionalResult) -> str:
    """What a saved result became: its points and scale, a post-2014 result's note, or why it has no points."""
    if row.points is None:
        why = importing.result_scale_points(row.subject, row.key_stage, row.year, row.method, row.grade)[2]
        return f"{row.grade}, without points ({why})."
    text = f"{row.grade}, {row.points:g} points on the {row.scale_name or row.subject.name} scale"
    return f"{text} ({importing.OWN_SCALE_NOTE})." if row.off_subject_line else f"{text}."


@school_view(Cap.RECORD_ASSESSMENT_ALL, Cap.MANAGE_PUPILS)
def transitional(request: HttpRequest) -> HttpResponse:
    access = request.access
    pupils = Pupil.objects.visible_to(access).on_roll()
    subjects = Subject.objects.filter(school=access.school)
    upload, entry = TransitionCsvForm(), TransitionalResultForm(pupils=pupils, subjects=subjects)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "csv":
            upload = TransitionCsvForm(request.POST, request.FILES)
        elif action == "entry":
            entry = TransitionalResultForm(request.POST, pupils=pupils, subjects=subjects)
        try:
            if _post(request, action, upload, entry):
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
        rows = [
            [r.pupil.display_name, r.key_stage, r.year, r.subject.name, r.get_method_display(), r.grade, r.points,
             r.scale_name or r.scale, r.get_source_display()]
            for r in results
        ]  # fmt: skip
        return table_response(fmt, "transitional-results", EXPORT_HEADERS, rows)
    return render(
        request,
        "assessment/transitional.html",
        {
            "results": results[:500],
            "total": results.count(),
            "upload": upload,
            "entry": entry,
            "own_scale_note": importing.OWN_SCALE_NOTE,
        },
    )
