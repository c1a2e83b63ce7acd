"""Pupil passports: the SENCO writes, edits and reviews a pupil's one-page "what helps me" with its
adjustments; every teacher of the pupil reads it (here, on the assessment grid and on the pupil profile)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pupils.models import Pupil
from schoolpl.access import get_object_for, school_view
from schoolpl.exports import table_response

from .. import selectors, support_forms, support_selectors, support_services
from ..models import Adjustment, Passport
from .common import EDIT, READ_ALL, READ_OWN, form_errors


def _pupil(request, pk) -> Pupil:
    return get_object_for(selectors.pupils_for(request.access), pk=pk)


def _sen_pupil(request, pk) -> Pupil:
    return get_object_for(support_selectors.sen_pupils_for(request.access), pk=pk)


@school_view(EDIT, READ_ALL, READ_OWN)
def passport_list(request: HttpRequest) -> HttpResponse:
    """Pupils with SEN support or an EHC plan (for a teacher, those they teach) and their passports."""
    today = selectors.today()
    rows = support_selectors.passport_rows(request.access, today)
    if request.GET.get("format") in {"csv", "xlsx"}:
        headers = ["Pupil", "Year", "SEN", "Passport", "Written", "Last reviewed", "Next review due", "Adjustments"]
        data = [
            [
                r.pupil.display_name,
                r.pupil.year_label,
                r.pupil.get_sen_provision_display(),
                r.status,
                r.passport.written_on if r.passport else None,
                r.passport.reviewed_on if r.passport else None,
                r.passport.next_review_on if r.passport else None,
                r.adjustments,
            ]
            for r in rows
        ]
        return table_response(request.GET["format"], "Pupil passports", headers, data)
    statuses = {"current": support_selectors.CURRENT, "overdue": support_selectors.DUE, "none": support_selectors.NONE}
    counts = {key: sum(r.status == status for r in rows) for key, status in statuses.items()}
    return render(
        request,
        "interventions/passport_list.html",
        {"rows": rows, "counts": counts, "today": today, "can_edit": request.access.can(EDIT)},
    )


@school_view(EDIT, READ_ALL, READ_OWN)
def passport_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    passport = support_selectors.passport_of(pupil)
    today = selectors.today()
    context = {
        "pupil": pupil,
        "passport": passport,
        "status": support_selectors.passport_status(passport, today),
        "today": today,
        "can_edit": request.access.can(EDIT) and pupil.has_sen,
        "adjustment_form": support_forms.AdjustmentForm(initial={"added_on": today}, prefix="adj"),
    }
    return render(request, "interventions/passport_detail.html", context)


@school_view(EDIT)
def passport_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the passport with the pupil, or rewrite it."""
    pupil = _sen_pupil(request, pk)
    existing = Passport.objects.filter(pupil=pupil).first()
    initial = {"written_on": selectors.today()} if existing is None else {}
    form = support_forms.PassportForm(request.POST or None, instance=existing, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            support_services.passport_save(
                school=request.access.school,
                pupil=pupil,
                written_on=data.pop("written_on"),
                next_review_on=data.pop("next_review_on"),
                by=request.user,
                **data,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Pupil passport saved.")
            return redirect("interventions:passport_detail", pk=pupil.pk)
    return render(request, "interventions/passport_form.html", {"form": form, "pupil": pupil, "existing": existing})


@school_view(EDIT)
def passport_review(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _sen_pupil(request, pk)
    passport = get_object_for(Passport.objects.filter(school=request.access.school), pupil=pupil)
    form = support_forms.PassportReviewForm(request.POST or None, initial={"reviewed_on": selectors.today()})
    if request.method == "POST" and form.is_valid():
        try:
            support_services.passport_review(passport=passport, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Review recorded.")
            return redirect("interventions:passport_detail", pk=pupil.pk)
    return render(
        request, "interventions/passport_review_form.html", {"form": form, "pupil": pupil, "passport": passport}
    )


@require_POST
@school_view(EDIT)
def adjustment_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _sen_pupil(request, pk)
    passport = get_object_for(Passport.objects.filter(school=request.access.school), pupil=pupil)
    form = support_forms.AdjustmentForm(request.POST, prefix="adj")
    if form.is_valid():
        try:
            support_services.adjustment_add(passport=passport, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Adjustment added.")
    else:
        messages.error(
            request, "The adjustment was not added: " + " ".join(e for es in form.errors.values() for e in es)
        )
    return redirect("interventions:passport_detail", pk=pupil.pk)


@require_POST
@school_view(EDIT)
def adjustment_end(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = get_object_for(
        Adjustment.objects.filter(
            passport__school=request.access.school, passport__pupil__in=selectors.pupils_for(request.access)
        ),
        pk=pk,
    )
    try:
        support_services.adjustment_end(adjustment=adjustment, ended_on=selectors.today(), by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Adjustment ended; it stays on the passport's history.")
    return redirect("interventions:passport_detail", pk=adjustment.passport.pupil_id)
