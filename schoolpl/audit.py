"""The school's audit log: one list, newest first, of every change the product keeps a history of, every
sign-in to a member of staff's account and every data-rights action, filtered and paged on the server.

What it reads (nothing here imports an app: the pupils' models are looked up by name, and every other app's
records come through the ``history`` hook of ``schoolpl.history``):
- each app's ``history_sources`` (judgements, targets, interventions, progress reviews), for the whole school;
- the pupil records themselves (``pupils.Pupil.history``): a row with a change reason came from an import (the
  CTF and spreadsheet imports give one per pupil), the rest are edits; the pupils' contacts;
- role changes: ``schoolpl.Membership.history`` where that model keeps one;
- sign-ins from django-axes: ``AccessLog`` (success) and ``AccessFailureLog`` (failure, lock-out), for
  usernames of the school's members only;
- ``AuditEvent`` rows (subject access requests and exports, anonymised leavers).

``audit_page`` runs a constant number of queries whatever the number of rows: one count and one page of keys
(each a UNION ALL over every stream), then one or two queries per stream that has rows on the page (and
whatever a history source's formatter needs once), then one for the names of pupils named by number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db.models import F, IntegerField, Q, QuerySet, Value
from django.utils import timezone

from .history import ACTIONS, HistorySource, attr_path, describe, rows_with_previous, show, sources_for
from .models import AuditEvent, Membership, User

PER_PAGE = 50
EXPORT_LIMIT = 10_000

KINDS = {
    "pupils": "Pupil records",
    "imports": "Imports",
    "judgements": "Judgements",
    "targets": "Targets",
    "interventions": "Interventions",
    "reviews": "Progress reviews",
    "roles": "Role changes",
    "signins": "Sign-ins",
    "data_rights": "Data rights",
    "other": "Other records",
}
#: The kind of each history source an app provides (``HistorySource.key``); any other key is "other".
SOURCE_KINDS = {
    "judgement": "judgements",
    "focus_judgement": "judgements",
    "transitional_result": "judgements",
    "pupil_target": "targets",
    "curricular_target": "targets",
    "target_review": "targets",
    "provision_place": "interventions",
    "session_attendance": "interventions",
    "impact_judgement": "interventions",
    "follow_up": "interventions",
    "score_card": "interventions",
    "learning_aim": "interventions",
    "progress_review": "reviews",
}
PUPIL_FIELDS = [
    "upn",
    "legal_surname",
    "legal_forename",
    "preferred_surname",
    "preferred_forename",
    "date_of_birth",
    "gender",
    "year_group",
    "form",
    "admission_date",
    "leaving_date",
    "archived_at",
    "sen_provision",
    "primary_need",
    "eal",
    "looked_after",
    "gifted",
    "ethnicity",
]
SYSTEM = "System (import or scheduled job)"


@dataclass
class AuditEntry:
    when: dt.datetime
    who: str
    kind: str
    what: str
    action: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    pupil_id: int | None = None
    pupil_name: str = ""

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def summary(self) -> str:
        return "; ".join(f"{label}: {old} → {new}" for label, old, new in self.changes)


@dataclass(frozen=True)
class Filters:
    start: dt.date | None = None
    end: dt.date | None = None
    who: User | None = None
    kinds: frozenset[str] = frozenset()
    pupil_id: int | None = None


@dataclass(frozen=True)
class Stream:
    """One table the log reads: its rows (already scoped), the names of its date, id and "by whom" columns,
    and ``fetch(ids) -> {id: AuditEntry}`` (a constant number of queries)."""

    kind: str
    rows: QuerySet
    fetch: Callable[[list[int]], dict[int, AuditEntry]]
    when: str = "history_date"
    pk: str = "history_id"
    by: str = "history_user"


class RecordSource(HistorySource):
    """A history source whose rows are the record itself (a pupil, a membership): no path to a pupil."""

    def select(self) -> list[str]:
        foreign = [n for n in self.fields if self.model._meta.get_field(n).is_relation]
        return ["history_user", *foreign, *self.related]


def _contact(row: Any) -> str:
    return f"Contact: {row.name}"


def _role(row: Any) -> str:
    return f"Role of {row.user.display_name}"


def _pupil_name(row) -> str:
    return f"{row.preferred_forename or row.legal_forename} {row.preferred_surname or row.legal_surname}"


def _history_fetch(kind: str, source: HistorySource, pupil_of: Callable) -> Callable:
    def fetch(ids: list[int]) -> dict[int, AuditEntry]:
        rows = rows_with_previous(source, ids)
        found = {}
        for history_id in ids:
            row = rows[history_id]
            older = rows.get(row.previous_id)
            by = row.history_user or (attr_path(row, source.by_field) if source.by_field else None)
            changes = [] if row.history_type == "-" else source.changes(row, None if row.history_type == "+" else older)
            reason = getattr(row, "history_change_reason", None)
            what = describe(source, row)
            pupil_id, pupil_name = pupil_of(row)
            found[history_id] = AuditEntry(
                when=row.history_date,
                who=by.display_name if by is not None else SYSTEM,
                kind=kind,
                what=f"{what} — {reason}" if reason else what,
                action=ACTIONS.get(row.history_type, "Changed"),
                changes=changes,
                pupil_id=pupil_id,
                pupil_name=pupil_name,
            )
        return found

    return fetch


def _of_pupil(source: HistorySource) -> Callable:
    def pupil_of(row):
        pupil = attr_path(row, source.pupil)
        return (pupil.pk, pupil.display_name) if pupil is not None else (None, "")

    return pupil_of


def _history_stream(kind: str, source: HistorySource, pupil_of: Callable | None = None) -> Stream:
    return Stream(kind=kind, rows=source.records, fetch=_history_fetch(kind, source, pupil_of or _of_pupil(source)))


def _pupil_streams(access, pupils: QuerySet) -> list[Stream]:
    """The pupil records (edits, and imports: rows with a change reason) and the pupils' contacts."""
    pupil_model = apps.get_model("pupils", "Pupil")
    contact_model = apps.get_model("pupils", "Contact")
    fields = PUPIL_FIELDS + (["fsm", "pupil_premium"] if access.sees_fsm else [])
    records = pupil_model.history.filter(id__in=pupils.values("pk"))
    imported = Q(history_change_reason__isnull=False) & ~Q(history_change_reason="")

    def record(rows: QuerySet) -> RecordSource:
        return RecordSource(key="pupil", records=rows, describe=lambda row: "Pupil record", fields=fields)

    def pupil_of(row):
        return row.id, _pupil_name(row)

    contacts = HistorySource(
        key="contact",
        records=contact_model.history.filter(pupil__in=pupils),
        describe=_contact,
        fields=["name", "relationship", "email", "parental_responsibility", "priority"],
    )
    return [
        _history_stream("pupils", record(records.exclude(imported)), pupil_of),
        _history_stream("imports", record(records.filter(imported)), pupil_of),
        _history_stream("pupils", contacts),
    ]


def _role_stream(access) -> list[Stream]:
    """Role changes, where ``Membership`` keeps a history (``getattr``: the log works either way)."""
    history = getattr(Membership, "history", None)
    if history is None:
        return []
    source = RecordSource(
        key="membership",
        records=history.filter(school=access.school),
        describe=_role,
        fields=["role", "is_active"],
        labels={"is_active": "Active"},
        related=["user"],
    )
    return [_history_stream("roles", source, lambda row: (None, ""))]


def _member_usernames(school) -> QuerySet:
    return User.objects.filter(memberships__school=school).values("username")


def _signin_streams(access) -> list[Stream]:
    from axes.models import AccessFailureLog, AccessLog

    usernames = _member_usernames(access.school)

    def names(rows) -> dict[str, str]:
        users = User.objects.filter(username__in={r.username for r in rows})
        return {u.username: u.display_name for u in users}

    def successes(ids: list[int]) -> dict[int, AuditEntry]:
        rows = list(AccessLog.objects.filter(pk__in=ids))
        who = names(rows)
        found = {}
        for r in rows:
            changes = [("Signed out", "—", show(timezone.localtime(r.logout_time)))] if r.logout_time else []
            what = f"Sign-in from {show(r.ip_address)}"  # where from is not a change: it names the sign-in
            found[r.pk] = AuditEntry(
                r.attempt_time, who.get(r.username, r.username), "signins", what, "Succeeded", changes
            )
        return found

    def failures(ids: list[int]) -> dict[int, AuditEntry]:
        rows = list(AccessFailureLog.objects.filter(pk__in=ids))
        who = names(rows)
        return {
            r.pk: AuditEntry(
                r.attempt_time,
                who.get(r.username, r.username),
                "signins",
                f"Sign-in from {show(r.ip_address)}",
                "Locked out" if r.locked_out else "Failed",
                [],
            )
            for r in rows
        }

    common = {"when": "attempt_time", "pk": "id", "by": "username"}
    return [
        Stream("signins", AccessLog.objects.filter(username__in=usernames), successes, **common),
        Stream("signins", AccessFailureLog.objects.filter(username__in=usernames), failures, **common),
    ]


def _event_stream(access, pupil_id: int | None) -> Stream:
    events = AuditEvent.objects.filter(school=access.school)
    if pupil_id is not None:
        events = events.filter(pupil_id=pupil_id)

    def fetch(ids: list[int]) -> dict[int, AuditEntry]:
        return {
            e.pk: AuditEntry(
                e.at,
                e.actor.display_name if e.actor else SYSTEM,
                "data_rights",
                e.action,
                "Recorded",
                [tuple(c) for c in e.changes],
                pupil_id=e.pupil_id,
            )
            for e in AuditEvent.objects.filter(pk__in=ids).select_related("actor")
        }

    return Stream("data_rights", events, fetch, when="at", pk="id", by="actor")


def streams(access, filters: Filters) -> list[Stream]:
    """Every stream the log reads for ``access``'s school, before the filters."""
    pupil_model = apps.get_model("pupils", "Pupil")
    pupils = pupil_model.objects.visible_to(access)
    if filters.pupil_id is not None:
        pupils = pupils.filter(pk=filters.pupil_id)
    found = [_history_stream(SOURCE_KINDS.get(s.key, "other"), s) for s in sources_for(access, pupils=pupils)]
    found += _pupil_streams(access, pupils)
    if filters.pupil_id is None:  # about staff, not a pupil
        found += _role_stream(access) + _signin_streams(access)
    found.append(_event_stream(access, filters.pupil_id))
    return found


def _bounds(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filtered(stream: Stream, filters: Filters) -> QuerySet:
    rows = stream.rows
    if filters.start:
        rows = rows.filter(**{f"{stream.when}__gte": _bounds(filters.start)})
    if filters.end:
        rows = rows.filter(**{f"{stream.when}__lt": _bounds(filters.end + dt.timedelta(days=1))})
    if filters.who is not None:
        rows = rows.filter(**{stream.by: filters.who.username if stream.by == "username" else filters.who})
    return rows


def _keys(chosen: list[tuple[int, Stream]], filters: Filters) -> QuerySet | None:
    branches = [
        _filtered(s, filters)
        .order_by()
        .annotate(audit_when=F(s.when), audit_pk=F(s.pk), audit_source=Value(i, output_field=IntegerField()))
        .values_list("audit_when", "audit_pk", "audit_source")
        for i, s in chosen
    ]
    if not branches:
        return None
    union = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    return union.order_by("-audit_when", "-audit_pk", "audit_source")


def _name_pupils(access, entries: list[AuditEntry]) -> None:
    """Names for the entries that carry only a pupil's number (one query, the school's pupils only)."""
    wanted = {e.pupil_id for e in entries if e.pupil_id is not None and not e.pupil_name}
    if not wanted:
        return
    pupil_model = apps.get_model("pupils", "Pupil")
    names = {p.pk: p.display_name for p in pupil_model.objects.filter(school=access.school, pk__in=wanted)}
    for entry in entries:
        if entry.pupil_id in names and not entry.pupil_name:
            entry.pupil_name = names[entry.pupil_id]


def audit_page(access, filters: Filters, page_number: Any = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the log, newest first: ``page.object_list`` holds ``AuditEntry`` rows."""
    every = streams(access, filters)
    chosen = [(i, s) for i, s in enumerate(every) if not filters.kinds or s.kind in filters.kinds]
    keys = _keys(chosen, filters)
    paged: QuerySet | list[Any] = keys if keys is not None else []
    page: Page[Any] = Paginator(paged, per_page).get_page(page_number)
    keys_on_page = list(page.object_list)
    wanted: dict[int, list[int]] = {}
    for _, pk, source in keys_on_page:
        wanted.setdefault(source, []).append(pk)
    fetched = {i: every[i].fetch(ids) for i, ids in wanted.items()}
    entries = [fetched[source][pk] for _, pk, source in keys_on_page]
    _name_pupils(access, entries)
    page.object_list = entries
    return page


def record(access_or_school, user, action: str, *, kind=AuditEvent.Kind.DATA_RIGHTS, pupil_id=None, changes=()):
    """Write an ``AuditEvent`` (for what no model's history keeps)."""
    school = getattr(access_or_school, "school", access_or_school)
    return AuditEvent.objects.create(
        school=school,
        actor=user,
        kind=kind,
        action=action,
        pupil_id=pupil_id,
        changes=[list(c) for c in changes],
    )
