"""The academic year rollover: every pupil moves up a year, the school's top year leave (archived, never
deleted), last year's teaching groups close and this year's are made from them, and the new year and its
assessment windows are set up.

``plan`` says what would happen (every number the preview shows) and gives it a fingerprint; ``run`` does it
in one transaction, refusing when the fingerprint no longer matches (the roll changed since the preview) or
when the school has already rolled into that year. Every step is set-based — a constant number of queries
whatever the number of pupils — and writes the audit history (django-simple-history rows) in the same
statements' manner: one ``INSERT … SELECT`` per table.

What is not touched, because it carries across by itself: numeric targets (``targets.PupilTarget``) run from a
baseline date to a target date, not by academic year, so trajectories and progress statuses read them
unchanged in the new year; class-level curricular targets stay with last year's groups as their history.
Tutor assignments run over dates too: only leavers' end.

Groups next year: a copy of each of last year's groups (same name, subject, kind and year group; the teachers
carried or left blank). Pupils follow their group up: the members of the n-th group (by name) of a year and
subject join the copy of the n-th group of the year above in that subject; a group with no year group keeps its
own members. Pupils with no such group next year are counted as unplaced, for staff to place by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone

from schoolpl.models import AcademicYear, AssessmentWindow, School, User

from . import codes
from .models import GroupMembership, Pupil, RolloverRun, TeachingGroup, TeachingGroupTeacher, TutorAssignment

#: A rollover from a year may run from this many days before the year's last day (the summer term).
EARLIEST_DAYS_BEFORE_END = 92
REASON = "Academic year rollover"
Progress = Callable[[int, str], None]


class RolloverRefused(Exception):
    """The rollover cannot run (already done, too early, or the roll changed since the preview)."""


@dataclass(frozen=True)
class Move:
    from_label: str
    to_label: str
    count: int


@dataclass(frozen=True)
class Leaver:
    pk: int
    name: str
    upn: str
    year_label: str
    form: str


@dataclass
class NewGroup:
    """A group to create next year, copied from ``source`` (one of last year's)."""

    source_id: int
    name: str
    subject: str
    subject_label: str
    kind: str
    year_group: int | None
    teacher_ids: tuple[int, ...]
    feeder_id: int | None = None  # last year's group whose members join this one
    feeder_name: str = ""
    joining: int = 0
    teacher_names: str = ""


@dataclass
class Plan:
    school: School
    from_year: AcademicYear
    to_year: AcademicYear | None  # the next year when it already exists
    to_year_name: str
    to_start: dt.date
    to_end: dt.date
    top_year: int
    earliest: dt.date
    moves: list[Move] = field(default_factory=list)
    leavers: list[Leaver] = field(default_factory=list)
    groups: list[NewGroup] = field(default_factory=list)
    closing_groups: int = 0
    closing_memberships: int = 0
    unplaced: int = 0
    windows: list[tuple[str, dt.date, dt.date]] = field(default_factory=list)
    done: RolloverRun | None = None
    fingerprint: str = ""

    @property
    def moving(self) -> int:
        return sum(m.count for m in self.moves)

    @property
    def joining(self) -> int:
        return sum(g.joining for g in self.groups)

    def refusal(self, today: dt.date) -> str:
        """Why the rollover cannot run now ("" when it can)."""
        if self.done is not None:
            return f"The school has already moved up into {self.to_year_name}; a rollover runs once a year."
        if today < self.earliest:
            return (
                f"The rollover from {self.from_year.name} can be run from {self.earliest:%d/%m/%Y}, in the summer "
                "term, so that it cannot be run twice by mistake."
            )
        return ""


# --------------------------------------------------------------------------- the calendar


def current_year(school: School, today: dt.date) -> AcademicYear | None:
    """The year pupils are in now: the latest year with teaching groups that has not been rolled over from
    (else the latest year begun by ``today``)."""
    rolled = RolloverRun.objects.filter(school=school, status=RolloverRun.Status.DONE).values("from_year")
    years = AcademicYear.objects.filter(school=school).exclude(pk__in=rolled)
    with_groups = years.filter(groups__isnull=False).order_by("-start_date").first()
    return with_groups or years.filter(start_date__lte=today).order_by("-start_date").first()


def year_name(start: dt.date) -> str:
    return f"{start.year}/{(start.year + 1) % 100:02d}"


def _next_year_dates(year: AcademicYear) -> tuple[dt.date, dt.date]:
    def shift(day: dt.date) -> dt.date:
        return day.replace(year=day.year + 1) if (day.month, day.day) != (2, 29) else dt.date(day.year + 1, 2, 28)

    return shift(year.start_date), shift(year.end_date)


def shift_name(name: str) -> str:
    """A window's name a year on: "Autumn 2025" → "Autumn 2026", "2025/26 Spring" → "2026/27 Spring"."""
    name = re.sub(r"\b(\d{4})/(\d{2})\b", lambda m: f"{int(m[1]) + 1}/{(int(m[2]) + 1) % 100:02d}", name)
    return re.sub(r"\b((?:19|20)\d{2})\b(?!/)", lambda m: str(int(m[1]) + 1), name)


def top_year(school: School, year_groups: set[int]) -> int:
    """The year that leaves: Year 6 in a primary; Year 13 in a school with a sixth form, else Year 11; in a
    special school, the highest year on roll."""
    if school.phase == School.Phase.PRIMARY:
        return 6
    if school.phase == School.Phase.SPECIAL:
        return max(year_groups, default=13)
    return 13 if year_groups & {12, 13} else 11


# --------------------------------------------------------------------------- planning


def plan(school: School, from_year: AcademicYear, today: dt.date | None = None) -> Plan:
    """What the rollover from ``from_year`` would do, with its fingerprint (a constant number of queries)."""
    today = today or timezone.localdate()
    to_start, to_end = _next_year_dates(from_year)
    to_year = (
        AcademicYear.objects.filter(school=school, start_date__gt=from_year.start_date).order_by("start_date").first()
    )
    if to_year is not None:
        to_start, to_end = to_year.start_date, to_year.end_date
    name = to_year.name if to_year else year_name(to_start)
    pupils = list(
        Pupil.objects.filter(school=school, archived_at__isnull=True)
        .order_by("year_group", "legal_surname", "legal_forename", "pk")
        .values_list(
            "pk",
            "year_group",
            "legal_forename",
            "legal_surname",
            "preferred_forename",
            "preferred_surname",
            "upn",
            "form",
        )  # fmt: skip
    )
    top = top_year(school, {p[1] for p in pupils})
    result = Plan(
        school=school,
        from_year=from_year,
        to_year=to_year,
        to_year_name=name,
        to_start=to_start,
        to_end=to_end,
        top_year=top,
        earliest=from_year.end_date - dt.timedelta(days=EARLIEST_DAYS_BEFORE_END),
        done=RolloverRun.objects.filter(Q(to_year_name=name) | Q(from_year=from_year), school=school)
        .filter(status=RolloverRun.Status.DONE)
        .first(),
    )
    counts = Counter(p[1] for p in pupils if p[1] < top)
    result.moves = [
        Move(codes.year_group_label(y), codes.year_group_label(y + 1), n) for y, n in sorted(counts.items())
    ]
    result.leavers = [
        Leaver(pk, f"{pf or lf} {ps or ls}", upn, codes.year_group_label(y), form)
        for pk, y, lf, ls, pf, ps, upn, form in pupils
        if y >= top
    ]
    leaver_ids = {leaver.pk for leaver in result.leavers}
    members = _open_memberships(from_year)
    result.closing_memberships = len(members)
    result.groups = _group_plan(from_year, members, leaver_ids)
    result.closing_groups = len(result.groups)
    result.unplaced = len({p for _, p in members if p not in leaver_ids}) - result.joining
    result.windows = _window_plan(school, from_year, to_year, to_start)
    result.fingerprint = _fingerprint(result, pupils, members)
    return result


def _open_memberships(from_year: AcademicYear) -> list[tuple[int, int]]:
    """(group, pupil) of the memberships of ``from_year``'s groups still open on its last day."""
    return sorted(
        GroupMembership.objects.filter(group__academic_year=from_year, start_date__lte=from_year.end_date)
        .exclude(end_date__lt=from_year.end_date)
        .filter(pupil__archived_at__isnull=True)
        .values_list("group_id", "pupil_id")
    )


def _group_plan(from_year: AcademicYear, members: list[tuple[int, int]], leaver_ids: set[int]) -> list[NewGroup]:
    groups = list(TeachingGroup.objects.filter(academic_year=from_year).order_by("year_group", "subject", "name", "pk"))
    links = TeachingGroupTeacher.objects.filter(group__academic_year=from_year).select_related("user")
    teachers: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for link in links.order_by("-is_main", "user__last_name", "pk"):
        teachers[link.group_id].append(link.user_id)
        names[link.user_id] = link.user.display_name
    staying = Counter(g for g, p in members if p not in leaver_ids)
    ranked: dict[tuple[int | None, str], list[TeachingGroup]] = defaultdict(list)
    for group in groups:
        ranked[(group.year_group, group.subject)].append(group)
    plans = {}
    for group in groups:
        plans[group.pk] = NewGroup(
            group.pk, group.name, group.subject, group.get_subject_display(), group.kind, group.year_group,
            tuple(teachers[group.pk]), teacher_names=", ".join(names[u] for u in teachers[group.pk]),
        )  # fmt: skip
    for (year_group, subject), feeders in ranked.items():
        above = feeders if year_group is None else ranked.get((year_group + 1, subject), [])
        for feeder, target in zip(feeders, above, strict=False):
            new = plans[target.pk]
            new.feeder_id, new.feeder_name, new.joining = feeder.pk, feeder.name, staying[feeder.pk]
    return list(plans.values())


def _window_plan(
    school: School, from_year: AcademicYear, to_year: AcademicYear | None, to_start: dt.date
) -> list[tuple[str, dt.date, dt.date]]:
    """The new year's windows: last year's, a year on, unless the new year already has some."""
    if to_year is not None and to_year.windows.exists():
        return []
    taken = set(AssessmentWindow.objects.filter(school=school).values_list("name", flat=True))
    shift = to_start - from_year.start_date
    windows = []
    for window in from_year.windows.order_by("start_date"):
        name = shift_name(window.name)
        if name in taken:
            name = f"{window.name} ({year_name(to_start)})"
        taken.add(name)
        windows.append((name, window.start_date + shift, window.end_date + shift))
    return windows


def _fingerprint(result: Plan, pupils: list, members: list) -> str:
    data = {
        "from": result.from_year.pk,
        "to": [result.to_year_name, str(result.to_start), str(result.to_end)],
        "pupils": [(p[0], p[1]) for p in pupils],
        "members": members,
        "groups": [(g.source_id, g.name, g.subject, g.year_group, g.teacher_ids) for g in result.groups],
        "windows": [(n, str(s), str(e)) for n, s, e in result.windows],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# --------------------------------------------------------------------------- starting and running


@transaction.atomic
def start(
    *, school: School, from_year: AcademicYear, fingerprint: str, by: User, carry_teachers: bool, create_groups: bool
) -> RolloverRun:
    """Queue the rollover the user confirmed; refused if the preview is stale or the year already done."""
    from schoolpl.outbox import enqueue

    current = plan(school, from_year)
    _check(current, fingerprint)
    if (
        RolloverRun.objects.filter(school=school, to_year_name=current.to_year_name)
        .exclude(status=RolloverRun.Status.FAILED)
        .exists()
    ):
        raise RolloverRefused(f"A rollover into {current.to_year_name} has already been started.")
    run_row = RolloverRun.objects.create(
        school=school,
        from_year=from_year,
        to_year_name=current.to_year_name,
        fingerprint=fingerprint,
        carry_teachers=carry_teachers,
        create_groups=create_groups,
        started_by=by,
    )
    enqueue("pupils.tasks.roll_over", school_id=school.pk, run_id=run_row.pk)
    return run_row


def _check(current: Plan, fingerprint: str) -> None:
    reason = current.refusal(timezone.localdate())
    if reason:
        raise RolloverRefused(reason)
    if current.fingerprint != fingerprint:
        raise RolloverRefused(
            "The roll or the groups have changed since the preview was made. Look at the new preview and confirm again."
        )


def progress_key(run_id: int) -> str:
    return f"pupils:rollover:{run_id}:progress"


def run(
    school: School,
    from_year: AcademicYear,
    to_year_name: str,
    plan_fingerprint: str,
    by: User | None,
    *,
    carry_teachers: bool = True,
    create_groups: bool = True,
    progress: Progress | None = None,
    record: RolloverRun | None = None,
) -> dict:
    """Do the rollover in one transaction: everything or nothing. Returns the summary (the counts done);
    ``record``, the run's row, is marked done in the same transaction."""
    say = progress or (lambda percent, step: None)
    with transaction.atomic():
        # Serialise rollovers of a school: a second one waits here, then finds the first done.
        School.objects.select_for_update().filter(pk=school.pk).first()
        current = plan(school, from_year)
        if current.to_year_name != to_year_name:
            raise RolloverRefused(f"The year after {from_year.name} is {current.to_year_name}, not {to_year_name}.")
        _check(current, plan_fingerprint)
        say(10, "Checked the plan")
        summary = _apply(current, by, carry_teachers=carry_teachers, create_groups=create_groups, say=say)
        if record is not None:
            RolloverRun.objects.filter(pk=record.pk).update(
                status=RolloverRun.Status.DONE,
                to_year_id=summary["to_year"],
                summary=summary,
                progress=100,
                finished_at=timezone.now(),
            )
    analyze()
    say(100, "Finished")
    return summary


def _apply(current: Plan, by: User | None, *, carry_teachers: bool, create_groups: bool, say: Progress) -> dict:
    """The rollover's writes, in order (inside ``run``'s transaction)."""
    now = timezone.now()
    audit = _Audit(now, by)
    to_year = current.to_year or AcademicYear.objects.create(
        school=current.school, name=current.to_year_name, start_date=current.to_start, end_date=current.to_end
    )
    AssessmentWindow.objects.bulk_create(
        AssessmentWindow(school=current.school, academic_year=to_year, name=n, start_date=s, end_date=e)
        for n, s, e in current.windows
    )
    say(20, "Set up the new year and its assessment windows")
    end = current.from_year.end_date
    leavers = Pupil.objects.filter(pk__in=[leaver.pk for leaver in current.leavers])
    left = leavers.update(archived_at=now, leaving_date=end, updated_at=now)
    audit.record(Pupil, leavers)
    ended_tutors = TutorAssignment.objects.filter(pupil__in=leavers).exclude(end_date__lt=end)
    tutors_ids = list(ended_tutors.values_list("pk", flat=True))
    TutorAssignment.objects.filter(pk__in=tutors_ids).update(end_date=_not_before_start(end))
    audit.record(TutorAssignment, TutorAssignment.objects.filter(pk__in=tutors_ids))
    say(35, "Archived the leavers")
    movers = Pupil.objects.filter(school=current.school, archived_at__isnull=True, year_group__lt=current.top_year)
    moved = movers.update(year_group=F("year_group") + 1, updated_at=now)
    audit.record(Pupil, Pupil.objects.filter(school=current.school, archived_at__isnull=True))
    say(50, "Moved every pupil up a year")
    closing = GroupMembership.objects.filter(group__academic_year=current.from_year).exclude(end_date__lte=end)
    closing_ids = list(closing.values_list("pk", flat=True))
    GroupMembership.objects.filter(pk__in=closing_ids).update(end_date=_not_before_start(end))
    audit.record(GroupMembership, GroupMembership.objects.filter(pk__in=closing_ids))
    say(65, "Closed last year's teaching groups")
    created = joined = 0
    if create_groups:
        created, joined = _new_groups(current, to_year, audit, carry_teachers=carry_teachers)
    say(95, "Created this year's teaching groups")
    return {
        "to_year": to_year.pk,
        "moved_up": moved,
        "left": left,
        "windows": len(current.windows),
        "groups_closed": current.closing_groups,
        "memberships_closed": len(closing_ids),
        "tutor_assignments_ended": len(tutors_ids),
        "groups_created": created,
        "memberships_created": joined,
    }


def _not_before_start(end: dt.date) -> Case:
    """``end``, or the row's own start date when that is later (the end date may not precede the start)."""
    return Case(When(start_date__gt=end, then=F("start_date")), default=Value(end))


def _new_groups(current: Plan, to_year: AcademicYear, audit: _Audit, *, carry_teachers: bool) -> tuple[int, int]:
    rows = TeachingGroup.objects.bulk_create(
        TeachingGroup(
            school=current.school, academic_year=to_year, name=g.name, subject=g.subject, kind=g.kind,
            year_group=g.year_group,
        )
        for g in current.groups
    )  # fmt: skip
    new_ids = {g.source_id: row.pk for g, row in zip(current.groups, rows, strict=True)}
    audit.record(TeachingGroup, TeachingGroup.objects.filter(pk__in=new_ids.values()), history_type="+")
    if carry_teachers:
        TeachingGroupTeacher.objects.bulk_create(
            TeachingGroupTeacher(group_id=new_ids[g.source_id], user_id=user_id, is_main=index == 0)
            for g in current.groups
            for index, user_id in enumerate(g.teacher_ids)
        )
    feeds = {g.feeder_id: new_ids[g.source_id] for g in current.groups if g.feeder_id is not None}
    joined = _carry_members(current, feeds) if feeds else 0
    audit.record(GroupMembership, GroupMembership.objects.filter(group_id__in=new_ids.values()), history_type="+")
    return len(rows), joined


def _carry_members(current: Plan, feeds: dict[int, int]) -> int:
    """One ``INSERT … SELECT``: the open members of each feeding group (leavers aside) join its new group."""
    table = GroupMembership._meta.db_table
    mapping = " ".join(f"WHEN {int(old)} THEN {int(new)}" for old, new in feeds.items())
    olds = ", ".join(str(int(old)) for old in feeds)
    sql = (
        f"INSERT INTO {table} (group_id, pupil_id, start_date, end_date) "  # noqa: S608 (ids are ints)
        f"SELECT CASE m.group_id {mapping} END, m.pupil_id, %s, NULL FROM {table} m "
        f"JOIN {Pupil._meta.db_table} p ON p.id = m.pupil_id "
        f"WHERE m.group_id IN ({olds}) AND m.end_date = %s AND m.start_date <= %s AND p.archived_at IS NULL"
    )
    end = current.from_year.end_date
    with connection.cursor() as cursor:
        cursor.execute(sql, [current.to_start, end, end])
        return cursor.rowcount


class _Audit:
    """Writes the django-simple-history rows for a set-based change: one ``INSERT … SELECT`` per call."""

    def __init__(self, when: dt.datetime, by: User | None):
        self.when, self.by = when, by

    def record(self, model, queryset, history_type: str = "~") -> None:
        history = model.history.model
        own = [f for f in history._meta.concrete_fields if not f.name.startswith("history_")]
        names = [f.attname for f in own]
        select = (
            queryset.order_by()
            .annotate(
                _hd=Value(self.when),
                _hr=Value(REASON),
                _ht=Value(history_type),
                _hu=Value(self.by.pk if self.by else None, output_field=IntegerField()),
            )
            .values_list(*names, "_hd", "_hr", "_ht", "_hu")
        )
        try:
            sql, params = select.query.sql_with_params()
        except EmptyResultSet:
            return  # nothing changed (an empty ``pk__in``)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in own)
        extra = "history_date, history_change_reason, history_type, history_user_id"
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {history._meta.db_table} ({columns}, {extra}) {sql}", params)  # noqa: S608


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics for the tables the rollover rewrote (nothing elsewhere)."""
    if connection.vendor != "postgresql":
        return
    models = (Pupil, GroupMembership, TeachingGroup, TeachingGroupTeacher, TutorAssignment, AssessmentWindow)
    tables = [m._meta.db_table for m in models] + [
        m.history.model._meta.db_table for m in models if hasattr(m, "history")
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def report_progress(run_id: int) -> Progress:
    """A progress callback that the polling page reads: the cache, since the run's own row only changes when
    the transaction commits."""

    def say(percent: int, step: str) -> None:
        cache.set(progress_key(run_id), {"percent": percent, "step": step}, timeout=3600)

    return say
