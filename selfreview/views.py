"""Self-review pages: the list of reviews, the annex grid (saving cell by cell), priorities, exports and the
printable report. Senior leaders, SIPs and admins edit (Cap.SELFREVIEW_EDIT); every member of staff reads."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schoolpl.access import get_object_for, school_view
from schoolpl.exports import table_response
from schoolpl.roles import Cap

from . import selectors, services, voice_panel
from .annex import ANNEX_TITLE, GUIDANCE_LEAD_IN, PHASES, RATING_SCALE
from .forms import PhaseDatesForm, RatingCellForm, ReviewCreateForm
from .models import AnnexItem

GRID = "selfreview/review_detail.html"


def _validation_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_GET
@school_view(Cap.SELFREVIEW_READ, Cap.SELFREVIEW_EDIT)
def review_list(request: HttpRequest) -> HttpResponse:
    reviews = selectors.reviews_for(request.access).prefetch_related("phases")
    context = {"reviews": reviews, "can_edit": request.access.can(Cap.SELFREVIEW_EDIT)}
    return render(request, "selfreview/review_list.html", context)


@require_http_methods(["GET", "POST"])
@school_view(Cap.SELFREVIEW_EDIT)
def review_create(request: HttpRequest) -> HttpResponse:
    form = ReviewCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_create(
                school=request.access.school,
                title=form.cleaned_data["title"],
                academic_year_label=form.cleaned_data["academic_year_label"],
                phase_dates=form.phase_dates(),
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Review started. Rate each item for phase 1; changes save as you go.")
            return redirect("selfreview:review_detail", pk=review.pk)
    return render(request, "selfreview/review_create.html", {"form": form})


def _grid_context(request: HttpRequest, review) -> dict:
    grid = selectors.review_grid(review)
    can_edit = request.access.can(Cap.SELFREVIEW_EDIT)
    return {
        "review": review,
        "can_edit": can_edit,
        "rating_scale": RATING_SCALE,
        "phase_numbers": PHASES,
        "annex_title": ANNEX_TITLE,
        "lead_in": GUIDANCE_LEAD_IN,
        **grid,
    }


@require_GET
@school_view(Cap.SELFREVIEW_READ, Cap.SELFREVIEW_EDIT)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.get_review_for(request.access, pk)
    context = _grid_context(request, review)
    context["voice"] = voice_panel.latest(review.school)
    if context["can_edit"]:
        context["dates_form"] = PhaseDatesForm(
            initial={
                **{f"phase_{p.phase}_date": p.date for p in context["phases"]},
                "action_weeks": review.action_weeks,
            }
        )
    return render(request, GRID, context)


@require_POST
@school_view(Cap.SELFREVIEW_EDIT)
def review_phases(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.get_review_for(request.access, pk)
    form = PhaseDatesForm(request.POST)
    if form.is_valid():
        try:
            services.phases_set_dates(review=review, dates=form.dates())
            if form.cleaned_data["action_weeks"] is not None:
                services.review_set_action_weeks(review=review, weeks=form.cleaned_data["action_weeks"])
        except ValidationError as exc:
            messages.error(request, f"Phase dates not saved: {_validation_text(exc)}")
        else:
            messages.success(request, "Phase dates saved.")
    else:
        messages.error(request, "Phase dates not saved: enter each date as a date.")
    return redirect("selfreview:review_detail", pk=review.pk)


def _cell_response(request, review, cell, *, conflict=None, mine=None, status=200) -> HttpResponse:
    context = {
        "review": review,
        "cell": cell,
        "conflict": conflict,
        "mine": mine,
        "can_edit": True,
        "rating_scale": RATING_SCALE,
    }
    response = render(request, f"{GRID}#cell_form", context, status=status)
    response["HX-Retarget"] = f"#cell-{cell.item.pk}-{cell.phase}"
    response["HX-Reswap"] = "outerHTML"
    return response


@require_POST
@school_view(Cap.SELFREVIEW_EDIT)
def rating_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one cell. htmx: on success only the cell's version and status change (so focus and typing in the
    neighbouring fields are left alone); on a conflict the cell is replaced by the colleague's value with
    "keep mine" and "use theirs"."""
    review = selectors.get_review_for(request.access, pk)
    form = RatingCellForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            errors = "; ".join(f"{e}" for errs in form.errors.values() for e in errs)
            return render(request, f"{GRID}#cell_status", {"status_id": _status_id(request), "error": errors})
        return HttpResponse("That rating could not be saved: " + form.errors.as_text(), status=400)
    data = form.cleaned_data
    try:
        result = services.rating_save(
            review=review,
            item=data["item"],
            phase=data["phase"],
            rating=data["rating"],
            notes=data["notes"],
            evidence_links=data["evidence_links"],
            expected_version=data["version"],
            by=request.user,
        )
    except ValidationError as exc:
        if request.htmx:
            return render(
                request, f"{GRID}#cell_status", {"status_id": _status_id(request), "error": _validation_text(exc)}
            )
        return HttpResponse("That rating could not be saved: " + _validation_text(exc), status=400)
    cell = selectors.Cell(data["item"], data["phase"], result.rating)
    if not request.htmx:
        if result.saved:
            messages.success(request, f"Saved {data['item'].code}, phase {data['phase']}.")
        else:
            messages.error(
                request, f"{data['item'].code}, phase {data['phase']} was changed by a colleague: not saved."
            )
        return redirect("selfreview:review_detail", pk=review.pk)
    if result.saved:
        return render(request, f"{GRID}#cell_saved", {"cell": cell})
    mine = {"rating": data["rating"], "notes": data["notes"], "evidence_links": data["evidence_links"]}
    return _cell_response(request, review, cell, conflict=result.rating, mine=mine)


def _status_id(request) -> str:
    return f"st-{request.POST.get('item', '')}-{request.POST.get('phase', '')}"


@require_GET
@school_view(Cap.SELFREVIEW_EDIT)
def rating_cell(request: HttpRequest, pk: int) -> HttpResponse:
    """The current state of one cell ("use theirs" after a conflict)."""
    review = selectors.get_review_for(request.access, pk)
    item = get_object_for(AnnexItem.objects.all(), pk=request.GET.get("item"))
    try:
        phase = int(request.GET.get("phase", ""))
    except ValueError:
        phase = 0
    if phase not in PHASES:
        return HttpResponse("Unknown phase.", status=400)
    return _cell_response(request, review, selectors.cell_for(review, item, phase))


@require_GET
@school_view(Cap.SELFREVIEW_READ, Cap.SELFREVIEW_EDIT)
def review_priorities(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.get_review_for(request.access, pk)
    context = {"review": review, "phases": selectors.phases_of(review), **selectors.priorities_summary(review)}
    return render(request, "selfreview/priorities.html", context)


@require_GET
@school_view(Cap.SELFREVIEW_READ, Cap.SELFREVIEW_EDIT)
def review_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    review = selectors.get_review_for(request.access, pk)
    headers, rows = selectors.export_rows(review)
    return table_response(fmt, f"Self-review {review.academic_year_label.replace('/', '-')} ratings", headers, rows)


def _report_context(request, review) -> dict:
    return {
        **_grid_context(request, review),
        **selectors.priorities_summary(review),
        "school": review.school,
    }


@require_GET
@school_view(Cap.SELFREVIEW_READ, Cap.SELFREVIEW_EDIT)
def review_report(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.get_review_for(request.access, pk)
    return render(request, "selfreview/report.html", _report_context(request, review))


@require_GET
@school_view(Cap.SELFREVIEW_READ, Cap.SELFREVIEW_EDIT)
def review_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from .pdf import render_pdf

    review = selectors.get_review_for(request.access, pk)
    pdf = render_pdf("selfreview/report_pdf.html", _report_context(request, review), request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="self-review-{review.pk}.pdf"'
    return response
