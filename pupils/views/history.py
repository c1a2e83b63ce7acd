"""The audit trail of a pupil or a teaching group: every change to their records, who made it and when."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from schoolpl.access import get_object_for, school_view
from schoolpl.exports import table_response
from schoolpl.history import history_page
from schoolpl.roles import Cap

from ..models import Pupil, TeachingGroup
from .common import export_format, query_without

# Senior leaders, the SENCO and admins: the whole trail of a pupil or a group. Not a class teacher (whose
# profile keeps "judged by"), never a SIP, who sees no names (DESIGN §4).
HISTORY_READ = (Cap.VIEW_PUPILS_ALL,)
HISTORY_HEADERS = ["When", "Changed by", "Pupil", "Record", "Change", "What changed"]


def _local(when):
    """School time to the second, without a zone, for a spreadsheet cell."""
    return timezone.localtime(when).replace(tzinfo=None, microsecond=0)


def _changes_page(request: HttpRequest, *, pupils, group, title: str, context: dict) -> HttpResponse:
    page = history_page(request.access, pupils=pupils, group=group, page_number=request.GET.get("page"))
    fmt = export_format(request)
    if fmt:  # the page's table, as shown
        rows = (
            [_local(e.when), e.who, e.pupil.display_name if e.pupil else "", e.what, e.action, e.summary]
            for e in page.object_list
        )
        return table_response(fmt, re.sub(r"[\\/?*\[\]:]", "-", title), HISTORY_HEADERS, rows)
    context.update(
        {"page": page, "title": title, "show_pupil": group is not None, "query": query_without(request, "export")}
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
