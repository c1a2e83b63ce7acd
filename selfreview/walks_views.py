"""Lesson observations and learning walks: the list (filters, CSV/XLSX), one observation with its changes,
recording and editing (senior leaders and admins), and the summary by focus that every reader of the
self-review, a SIP included, may open. Who sees which observation: ``selfreview.walks``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_http_methods

from schoolpl.access import get_object_for, school_view
from schoolpl.exports import table_response
from schoolpl.roles import Cap

from . import walks
from .forms import ObservationFilterForm, ObservationForm
from .models import Focus

PER_PAGE = 50
#: Staff who work with pupils read observations (their own, or all); a SIP reads only the summary.
READERS = (Cap.VIEW_PUPILS_ALL, Cap.VIEW_PUPILS_OWN)


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@require_GET
@school_view(*READERS)
def observation_list(request: HttpRequest) -> HttpResponse:
    access = request.access
    form = ObservationFilterForm(request.GET or None, staff=walks.staff_of(access.school))
    if not access.sees_all_pupils:
        del form.fields["teacher"]  # a teacher reads observations of herself and her classes only
    observations = walks.observations_for(access)
    if form.is_valid():
        observations = walks.filtered(observations, form.cleaned_data)
    observations = walks.with_details(observations)
    if request.GET.get("format") in {"csv", "xlsx"}:
        rows = walks.export_rows(observations)
        return table_response(request.GET["format"], "Lesson observations", walks.EXPORT_HEADERS, rows)
    page = Paginator(observations, PER_PAGE).get_page(request.GET.get("page"))
    query = _query_without(request, "page", "format")
    context = {
        "form": form,
        "page": page,
        "query": query,
        "filtered": bool(query),
        "can_record": walks.can_record(access),
        "sees_all": access.sees_all_pupils,
        "focuses": list(Focus),
    }
    return render(request, "selfreview/observation_list.html", context)


@require_GET
@school_view(*READERS)
def observation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    observation = get_object_for(walks.with_details(walks.observations_for(access)), pk=pk)
    changes = observation.history.select_related("history_user").order_by("-history_date")[:20]
    context = {"observation": observation, "can_record": walks.can_record(access), "changes": changes}
    return render(request, "selfreview/observation_detail.html", context)


@require_http_methods(["GET", "POST"])
@school_view(Cap.SELFREVIEW_EDIT)
def observation_create(request: HttpRequest) -> HttpResponse:
    walks.require_record(request.access)
    return _observation_form(request, None)


@require_http_methods(["GET", "POST"])
@school_view(Cap.SELFREVIEW_EDIT)
def observation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    walks.require_record(request.access)
    return _observation_form(request, get_object_for(walks.observations_for(request.access), pk=pk))


def _observation_form(request: HttpRequest, observation) -> HttpResponse:
    school = request.access.school
    initial = {"observer": request.user.pk} if observation is None else None
    form = ObservationForm(
        request.POST or None,
        instance=observation,
        initial=initial,
        school=school,
        staff=walks.staff_of(school),
        groups=walks.groups_of(school),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = walks.observation_save(
                school=school,
                by=request.user,
                observation=observation,
                focuses=form.focuses(),
                **form.observation_fields(),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, f"{saved.get_kind_display()} on {saved.date:%-d %B %Y} saved.")
            return redirect("selfreview:observation_detail", pk=saved.pk)
    return render(request, "selfreview/observation_form.html", {"form": form, "observation": observation})


def _period(request: HttpRequest):
    """The period asked for, by default this school year to date (1 Sep – today)."""
    start, end = walks.default_period()
    start = parse_date(request.GET.get("start") or "") or start
    end = parse_date(request.GET.get("end") or "") or end
    return (start, end) if start <= end else (end, start)


@require_GET
@school_view(Cap.SELFREVIEW_READ)
def observation_summary(request: HttpRequest) -> HttpResponse:
    """Counts by focus for a period (``?start=&end=``, by default this school year): no names, so a SIP opens it
    from the annex evidence."""
    access = request.access
    try:
        start, end = _period(request)
    except ValueError:  # a date such as 2026-02-30
        start, end = walks.default_period()
    context = {
        **walks.summary(access.school, start, end),
        "start": start,
        "end": end,
        "sees_list": access.can(*READERS),
    }
    return render(request, "selfreview/observation_summary.html", context)
