"""Extended activities (annex feature 8): who sees which activity, the register (members × sessions) read and
saved in a constant number of queries, and the attendance figures by group that the summary page and the
self-review's evidence share (aggregates: small counts hidden by ``assessment.roll.share``).

Who does what: leaders and admins (the whole-school editing roles) set activities up and may take any register;
the member of staff who leads an activity manages its members and takes its register; other staff see the
activities their own pupils attend, with only those pupils named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assessment.roll import count, on_roll_between, share
from pupils.models import Pupil
from schoolpl.access import SchoolAccess, scoped_to_school
from schoolpl.history import changed_by
from schoolpl.roles import Cap

from .models import Activity, ActivityAttendance, ActivityMember, ActivitySession

#: The whole-school editing roles (leaders and admins) set activities up.
MANAGE = (Cap.EDIT_TARGETS_ALL, Cap.MANAGE_SCHOOL)

#: The groups whose attendance is set against the rest's (annex 8b): (key, who, filter on Pupil).
GROUPS = (
    ("fsm", "pupils eligible for free school meals", Q(fsm=True)),
    ("sen", "pupils with SEN (SEN support or an EHC plan)", Q(sen_provision__in=("K", "E"))),
    ("eal", "pupils with English as an additional language", Q(eal=True)),
    ("cla", "looked-after pupils", Q(looked_after=True)),
)


def may_manage(access: SchoolAccess) -> bool:
    return access.can(*MANAGE)


def may_run(access: SchoolAccess, activity: Activity) -> bool:
    """Manages the activity's members and takes its register: its leader, or a leader or admin."""
    return may_manage(access) or activity.leader_id == access.user.pk


def visible_to(access: SchoolAccess) -> QuerySet[Activity]:
    """Every activity of the school for those who see every pupil; for other staff, those they lead and those
    any of their own pupils belong to."""
    activities = scoped_to_school(Activity.objects.all(), access)
    if access.sees_all_pupils or may_manage(access):
        return activities
    mine = ActivityMember.objects.filter(activity=OuterRef("pk"), pupil__in=Pupil.objects.visible_to(access))
    return activities.filter(Q(leader=access.user) | Exists(mine))


def member_pupils(access: SchoolAccess, activity: Activity) -> QuerySet[Pupil]:
    """The pupils named on the activity's pages: all its members for those who run it (or see every pupil),
    otherwise only the viewer's own pupils among them."""
    base = Pupil.objects.in_school(access.school) if may_run(access, activity) else Pupil.objects.visible_to(access)
    return base.filter(activity_memberships__activity=activity)


def listing(access: SchoolAccess, *, current_on: dt.date | None = None) -> QuerySet[Activity]:
    """The activity list with its counts (one query)."""
    activities = visible_to(access).filter(archived_at__isnull=True).select_related("leader")
    if current_on is not None:
        activities = activities.filter(start_date__lte=current_on, end_date__gte=current_on)
    return activities.annotate(
        member_count=Count("members", filter=Q(members__left_on__isnull=True), distinct=True),
        session_count=Count("sessions", distinct=True),
    )


# --- the register -----------------------------------------------------------------------------------------


@dataclass
class Register:
    """Members (rows) × sessions (columns): ``marks[(session_id, pupil_id)]`` is True (present), False
    (absent) or missing (not yet taken)."""

    activity: Activity
    pupils: list[Pupil]
    sessions: list[ActivitySession]
    marks: dict[tuple[int, int], bool]

    def rows(self) -> list[dict]:
        return [
            {
                "pupil": p,
                "cells": [{"session": s, "mark": self.marks.get((s.pk, p.pk))} for s in self.sessions],
                "attended": sum(1 for s in self.sessions if self.marks.get((s.pk, p.pk))),
            }
            for p in self.pupils
        ]

    def totals(self) -> list[int]:
        return [sum(1 for p in self.pupils if self.marks.get((s.pk, p.pk))) for s in self.sessions]


def register(access: SchoolAccess, activity: Activity) -> Register:
    """The register as the viewer may see it: three queries, whatever its size."""
    pupils = list(member_pupils(access, activity).order_by("year_group", "legal_surname", "legal_forename", "pk"))
    sessions = list(activity.sessions.order_by("held_on", "pk"))
    marks = {
        (session_id, pupil_id): present
        for session_id, pupil_id, present in ActivityAttendance.objects.filter(
            session__activity=activity, pupil__in=[p.pk for p in pupils]
        ).values_list("session_id", "pupil_id", "present")
    }
    return Register(activity, pupils, sessions, marks)


def _count(value: str, label: str) -> int:
    try:
        number = int(value or 0)
    except ValueError:
        raise ValidationError(f"{label}: give a whole number.") from None
    if not 0 <= number <= 500:
        raise ValidationError(f"{label}: give a number from 0 to 500.")
    return number


def _new_session(activity: Activity, data, session_dates: set[dt.date], user) -> ActivitySession | None:
    raw = (data.get("new_date") or "").strip()
    if not raw:
        return None
    try:
        held_on = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError("The new session's date is not a date.") from None
    if not activity.start_date <= held_on <= activity.end_date:
        raise ValidationError(
            f"The new session's date is outside the activity's dates "
            f"({activity.start_date:%-d %b %Y} to {activity.end_date:%-d %b %Y})."
        )
    if held_on in session_dates:
        raise ValidationError(f"There is already a session on {held_on:%-d %b %Y}.")
    return ActivitySession(
        activity=activity,
        held_on=held_on,
        parents_attending=_count(data.get("new_parents"), "Parents and carers at the new session"),
        community_attending=_count(data.get("new_community"), "Community members at the new session"),
        recorded_by=user,
    )


def register_save(*, access: SchoolAccess, activity: Activity, data, user) -> int:
    """Save the whole register form at once, or nothing (any bad value → ``ValidationError``, no change).

    ``data`` (a QueryDict): for each session column shown, ``session-<id>``; a ticked ``mark-<session>-<pupil>``
    for each pupil present (an unticked box is absent); ``parents-<session>`` and ``community-<session>``
    counts; optionally ``new_date`` (a new session), ``new-<pupil>`` ticks, ``new_parents`` and
    ``new_community``. Returns the number of marks written. A constant number of queries.
    """
    if not may_run(access, activity):
        raise PermissionDenied("Only the activity's leader, or a senior leader, takes its register.")
    members = set(activity.members.values_list("pupil_id", flat=True))
    sessions = {s.pk: s for s in activity.sessions.all()}
    shown = {_int(key.removeprefix("session-")) for key in data if key.startswith("session-")}
    unknown = shown - set(sessions)
    if None in shown or unknown:
        raise ValidationError("The register names a session that is not this activity's. Reload the page.")
    ticked = _ticks(data, "mark-", 2)
    if any(s not in shown or p not in members for s, p in ticked):
        raise ValidationError("The register marks a pupil who is not a member, or a session not shown.")
    for pk in shown:
        sessions[pk].parents_attending = _count(data.get(f"parents-{pk}"), f"Parents on {sessions[pk].held_on}")
        sessions[pk].community_attending = _count(data.get(f"community-{pk}"), f"Community on {sessions[pk].held_on}")
    new = _new_session(activity, data, {s.held_on for s in sessions.values()}, user)
    new_ticks = {p for (p,) in _ticks(data, "new-", 1)}
    if new_ticks - members:
        raise ValidationError("The new session marks a pupil who is not a member.")
    wanted = {(s, p): (s, p) in ticked for s in shown for p in members}
    with transaction.atomic():
        if new is not None:
            changed_by(new, user)
            new.save()
            wanted |= {(new.pk, p): p in new_ticks for p in members}
        if shown:
            bulk_update_with_history(
                [sessions[pk] for pk in shown],
                ActivitySession,
                ["parents_attending", "community_attending"],
                default_user=user,
            )
        return _write_marks(wanted, user)


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _ticks(data, prefix: str, parts: int) -> set[tuple[int, ...]]:
    found = set()
    for key in data:
        if key.startswith(prefix):
            numbers = tuple(_int(x) for x in key.removeprefix(prefix).split("-"))
            if len(numbers) != parts or None in numbers:
                raise ValidationError("The register form was not understood. Reload the page.")
            found.add(numbers)
    return found


def _write_marks(wanted: dict[tuple[int, int], bool], user) -> int:
    """Create the missing marks and change those that differ: a constant number of queries."""
    session_ids = {s for s, _ in wanted}
    existing = {(a.session_id, a.pupil_id): a for a in ActivityAttendance.objects.filter(session_id__in=session_ids)}
    create, update = [], []
    for (session_id, pupil_id), present in wanted.items():
        mark = existing.get((session_id, pupil_id))
        if mark is None:
            create.append(ActivityAttendance(session_id=session_id, pupil_id=pupil_id, present=present))
        elif mark.present != present:
            mark.present = present
            update.append(mark)
    if create:
        bulk_create_with_history(create, ActivityAttendance, default_user=user)
    if update:
        bulk_update_with_history(update, ActivityAttendance, ["present"], default_user=user)
    return len(create) + len(update)


def members_add(*, activity: Activity, pupils, joined_on: dt.date, user) -> int:
    """Add pupils (of the activity's school) to it; a pupil who had left rejoins. Returns how many joined."""
    existing = {m.pupil_id: m for m in activity.members.all()}
    create = [
        ActivityMember(activity=activity, pupil=p, joined_on=joined_on)
        for p in pupils
        if p.school_id == activity.school_id and p.pk not in existing
    ]
    rejoin = [existing[p.pk] for p in pupils if p.pk in existing and existing[p.pk].left_on is not None]
    for member in rejoin:
        member.left_on = None
    with transaction.atomic():
        if create:
            bulk_create_with_history(create, ActivityMember, default_user=user)
        if rejoin:
            bulk_update_with_history(rejoin, ActivityMember, ["left_on"], default_user=user)
    return len(create) + len(rejoin)


def member_leave(*, member: ActivityMember, left_on: dt.date, user) -> None:
    """A pupil leaves the activity: kept on its list (their attendance is history), marked as left."""
    member.left_on = left_on
    changed_by(member, user)
    member.save(update_fields=["left_on"])


def activity_save(*, activity: Activity, user) -> Activity:
    changed_by(activity, user)
    activity.full_clean()
    activity.save()
    return activity


# --- figures (the summary page and the self-review's evidence) ------------------------------------------


def held_between(school, start: dt.date, end: dt.date) -> QuerySet[ActivitySession]:
    return ActivitySession.objects.filter(activity__school=school, held_on__gte=start, held_on__lte=end)


def attendance_by_group(school, start: dt.date, end: dt.date) -> dict:
    """Pupils on roll in the period and those present at one session or more in it: overall and for each of
    ``GROUPS`` against the rest. One query."""
    attended = ActivityAttendance.objects.filter(
        pupil=OuterRef("pk"), present=True, session__held_on__gte=start, session__held_on__lte=end
    )
    went = Q(Exists(attended.filter(session__activity__school=school)))
    counts = {"total": Count("pk"), "attended": Count("pk", filter=went)}
    for key, _, condition in GROUPS:
        counts[f"{key}_total"] = Count("pk", filter=condition)
        counts[f"{key}_attended"] = Count("pk", filter=condition & went)
    return on_roll_between(school, start, end).aggregate(**counts)


def group_rows(figures: dict, threshold: int, *, fsm: bool) -> list[dict]:
    """Each group's share against the rest's, in words, with the gap in percentage points when both shares
    are shown. The FSM row only with ``fsm`` (``SchoolAccess.sees_fsm``: never for a class teacher the school
    keeps it from)."""
    rows = []
    for key, label, _ in GROUPS:
        if key == "fsm" and not fsm:
            continue
        part, whole = figures[f"{key}_attended"], figures[f"{key}_total"]
        rest_part, rest_whole = figures["attended"] - part, figures["total"] - whole
        group_words = share(part, whole, threshold, "pupils in the group on roll")
        rest_words = share(rest_part, rest_whole, threshold, "other pupils on roll")
        gap = None
        if "%" in group_words and "%" in rest_words:
            gap = round(100 * part / whole) - round(100 * rest_part / rest_whole)
        rows.append({"key": key, "label": label[0].upper() + label[1:], "who": label, "group": group_words,
                     "rest": rest_words, "gap": gap})  # fmt: skip
    return rows


def session_figures(school, start: dt.date, end: dt.date) -> dict:
    """Activities running and sessions held in the period, and those involving parents or the community. Two
    queries."""
    offered = Activity.objects.filter(school=school, start_date__lte=end, end_date__gte=start).aggregate(
        offered=Count("pk"),
        with_parents=Count("pk", filter=Q(involves_parents=True) | Q(involves_community=True)),
    )
    involving = Q(activity__involves_parents=True) | Q(activity__involves_community=True)
    held = held_between(school, start, end).aggregate(
        sessions=Count("pk"),
        activities_held=Count("activity", distinct=True),
        involving=Count("pk", filter=involving),
        parents=Sum("parents_attending", default=0),
        community=Sum("community_attending", default=0),
    )
    return offered | held


def by_kind(school, start: dt.date, end: dt.date, threshold: int) -> list[dict]:
    """For each kind of activity held in the period: activities, sessions and pupils present at least once
    (small counts hidden). One query."""
    rows = (
        held_between(school, start, end)
        .values("activity__kind")
        .annotate(
            activities=Count("activity", distinct=True),
            sessions=Count("pk", distinct=True),
            pupils=Count("attendance__pupil", filter=Q(attendance__present=True), distinct=True),
        )
        .order_by("activity__kind")
    )
    labels = dict(Activity.Kind.choices)
    return [
        {
            "kind": labels.get(r["activity__kind"], r["activity__kind"]),
            "activities": r["activities"],
            "sessions": r["sessions"],
            "pupils": count(r["pupils"], threshold),
        }
        for r in rows
    ]
