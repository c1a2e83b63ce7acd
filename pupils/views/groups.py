"""Teaching groups: the list for a year (with export), a group's members, and moving a pupil to another set."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from schoolpl.access import get_object_for, school_view
from schoolpl.exports import table_response
from schoolpl.models import AcademicYear
from schoolpl.roles import Cap

from .. import services
from ..forms import MoveForm
from ..models import GroupMembership, Pupil, TeachingGroup
from .common import READ, export_format, query_without


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
    fmt = export_format(request)
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
        "query": query_without(request, "export"),
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
    fmt = export_format(request)
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
        "query": query_without(request, "export"),
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
