"""Views for extended activities: the list, an activity and its register, setting one up, members, and the
aggregate summary a SIP opens from the self-review (annex feature 8). Thin: access → form → service → response."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessment.roll import academic_year_of, count, share
from schoolpl.access import get_object_for, school_view
from schoolpl.exports import table_response
from schoolpl.history import changed_by
from schoolpl.roles import Cap

from . import activities as svc
from .activity_forms import ActivityForm, MembersForm
from .models import Activity, ActivityMember

STAFF_PUPILS = (Cap.VIEW_PUPILS_OWN, Cap.VIEW_PUPILS_ALL)


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _activity(request, pk) -> Activity:
    return get_object_for(svc.visible_to(request.access).select_related("leader"), pk=pk)


@school_view(*STAFF_PUPILS)
def activities(request: HttpRequest) -> HttpResponse:
    show_past = request.GET.get("show") == "all"
    today = timezone.localdate()
    rows = list(svc.listing(request.access, current_on=None if show_past else today))
    if not show_past:
        rows = [a for a in rows if a.end_date >= today] or rows
    fmt = request.GET.get("format")
    if fmt:
        return table_response(
            fmt,
            "Clubs and activities",
            ["Activity", "Kind", "Run by", "First day", "Last day", "Parents or carers", "Community", "Members",
             "Sessions"],
            [
                [a.name, a.get_kind_display(), a.run_by, a.start_date, a.end_date, _yes(a.involves_parents),
                 _yes(a.involves_community), a.member_count, a.session_count]
                for a in rows
            ],
        )  # fmt: skip
    context = {"rows": rows, "show_past": show_past, "can_manage": svc.may_manage(request.access)}
    return render(request, "partnership/activities.html", context)


@school_view(*svc.MANAGE)
def activity_add(request: HttpRequest) -> HttpResponse:
    return _activity_form(request, Activity(school=request.access.school))


@school_view(*svc.MANAGE)
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _activity_form(request, _activity(request, pk))


def _activity_form(request, activity: Activity) -> HttpResponse:
    form = ActivityForm(request.POST or None, instance=activity, school=request.access.school)
    if request.method == "POST" and form.is_valid():
        try:
            saved = svc.activity_save(activity=form.save(commit=False), user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{saved.name} saved.")
            return redirect("partnership:activity", pk=saved.pk)
    return render(request, "partnership/activity_form.html", {"form": form, "activity": activity})


@require_POST
@school_view(*svc.MANAGE)
def activity_archive(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    activity.archived_at = timezone.now()
    changed_by(activity, request.user)
    activity.save(update_fields=["archived_at"])
    messages.success(request, f"{activity.name} archived: its register is kept.")
    return redirect("partnership:activities")


@school_view(*STAFF_PUPILS)
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    """An activity and its register (members × sessions); its leader (or a senior leader) takes it here."""
    activity = _activity(request, pk)
    register = svc.register(request.access, activity)
    fmt = request.GET.get("format")
    if fmt:
        marks = {True: "Present", False: "Absent", None: ""}
        return table_response(
            fmt,
            f"Register {activity.name}",
            ["Pupil", "Year", *[f"{s.held_on:%d/%m/%Y}" for s in register.sessions], "Sessions attended"],
            [
                [r["pupil"].display_name, r["pupil"].year_label, *[marks[c["mark"]] for c in r["cells"]], r["attended"]]
                for r in register.rows()
            ],
        )
    may_run = svc.may_run(request.access, activity)
    context = {
        "activity": activity,
        "rows": register.rows(),
        "sessions": register.sessions,
        "totals": register.totals(),
        "may_run": may_run,
        "can_manage": svc.may_manage(request.access),
        "partial": not may_run and not request.access.sees_all_pupils,
        "today": timezone.localdate(),
    }
    return render(request, "partnership/activity.html", context)


@require_POST
@school_view(*STAFF_PUPILS)
def activity_register(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    try:
        written = svc.register_save(access=request.access, activity=activity, data=request.POST, user=request.user)
    except ValidationError as exc:
        messages.error(request, "Nothing was saved. " + " ".join(exc.messages))
    else:
        messages.success(request, f"Register saved ({written} mark(s) changed).")
    return redirect("partnership:activity", pk=activity.pk)


@school_view(*STAFF_PUPILS)
def activity_members(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    if not svc.may_run(request.access, activity):
        raise PermissionDenied("Only the activity's leader, or a senior leader, changes its members.")
    form = MembersForm(request.POST or None, school=request.access.school)
    if request.method == "POST" and form.is_valid():
        joined = svc.members_add(
            activity=activity, pupils=form.cleaned_data["pupils"], joined_on=form.cleaned_data["joined_on"],
            user=request.user,
        )  # fmt: skip
        messages.success(request, f"{joined} pupil(s) joined {activity.name}.")
        return redirect("partnership:activity", pk=activity.pk)
    return render(request, "partnership/activity_members.html", {"form": form, "activity": activity})


@require_POST
@school_view(*STAFF_PUPILS)
def activity_member_leave(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_for(
        ActivityMember.objects.filter(activity__in=svc.visible_to(request.access)).select_related("activity"), pk=pk
    )
    if not svc.may_run(request.access, member.activity):
        raise PermissionDenied("Only the activity's leader, or a senior leader, changes its members.")
    svc.member_leave(member=member, left_on=timezone.localdate(), user=request.user)
    messages.success(request, "Marked as having left; their attendance is kept.")
    return redirect("partnership:activity", pk=member.activity_id)


def _period(request) -> tuple[dt.date, dt.date]:
    """``start`` and ``end`` from the query (ISO dates), by default this academic year to date."""
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = dt.date(academic_year_of(today), 9, 1)
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    return (start, end) if start <= end else (end, start)


@school_view(Cap.DASHBOARD_SCHOOL, Cap.SELFREVIEW_READ)
def activities_summary(request: HttpRequest) -> HttpResponse:
    """Figures only (a SIP opens it from the self-review): activities, sessions, and who attends by group."""
    school = request.access.school
    threshold = school.small_count_threshold
    start, end = _period(request)
    figures = svc.attendance_by_group(school, start, end)
    sessions = svc.session_figures(school, start, end)
    context = {
        "start": start,
        "end": end,
        "sessions": sessions,
        "parents": count(sessions["parents"], threshold),
        "community": count(sessions["community"], threshold),
        "overall": share(figures["attended"], figures["total"], threshold, "pupils on roll in the period"),
        "groups": svc.group_rows(figures, threshold, fsm=request.access.sees_fsm),
        "by_kind": svc.by_kind(school, start, end, threshold),
    }
    return render(request, "partnership/activities_summary.html", context)
