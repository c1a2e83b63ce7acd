"""The audit trail of a pupil or a teaching group, read from every app's django-simple-history rows.

Hook kind ``history`` (registered in ``schoolpl.hooks``): an app whose audited records are about pupils
provides ``<app>/history.py`` with

    def history_sources(access, *, pupils: QuerySet, group=None) -> list[HistorySource]

returning one ``HistorySource`` per audited model, its historical rows already limited to ``pupils`` (a
queryset of the pupils the page is about, scoped by the access layer) and, for a teaching group's page, to
what concerns ``group``. A provider runs no query itself: it hands back querysets and formatters. An app
that has not landed contributes nothing.

``history_page`` then reads, whatever the number of pupils or changes:
- one query counting the rows of every source (a UNION ALL);
- one query for the page's keys (the same UNION ALL, newest first, sliced);
- one query per source that has rows on the page, fetching those rows *and* the row before each (for the
  before → after comparison) with the pupil and the person who made the change;
- one query per linked (many-to-many) field of such a source: the linked records of those same rows;
- whatever a source's formatter needs once per page (e.g. the school's own scales: at most one query).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.utils.text import capfirst

from .discovery import app_modules

if TYPE_CHECKING:
    from .models import User

PER_PAGE = 50

#: A row of a django-simple-history model, with ``previous_id`` (and ``linked``) annotated on. Those classes are
#: made when the app loads, so no static type names their fields.
HistoryRow: TypeAlias = Any
ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def changed_by(record: models.Model, user: User | None) -> None:
    """Name ``user`` in the history row that ``record``'s next save writes (None: a system change)."""
    # django-simple-history reads this attribute at save; the audited models do not declare it
    record._history_user = user  # type: ignore[attr-defined]


def show(value) -> str:
    """A stored value in the school's words: a dash for nothing, yes/no, dates as 03/12/2026."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float | Decimal):
        return f"{value:g}"
    display = getattr(value, "display_name", None)  # a member of staff
    return str(display if display is not None else value)


@dataclass(frozen=True)
class Linked:
    """A many-to-many field simple-history keeps with each row (criteria met, targets discussed): shown as the
    linked records before and after. ``show(obj)`` names one; it may follow only ``related``."""

    label: str
    show: Callable[[models.Model], str] = str
    related: Sequence[str] = ()


@dataclass(frozen=True)
class HistorySource:
    """The historical rows of one audited model that a page shows.

    ``records``: the historical model's rows for the page's pupils (``Model.history.filter(...)``).
    ``describe(row)``: the record in the school's words ("Reading judgement, Autumn 2025"); it may only follow
    relations listed in ``related`` (fetched with the row).
    ``fields``: the fields whose changes are shown, in order (foreign keys are fetched with the row).
    ``labels``: the school's name for a field where its verbose name is not right.
    ``formatters``: ``{field: fn(row, value) -> str}``, e.g. points shown as the grade "4b".
    ``linked``: many-to-many fields kept in the history (``HistoricalRecords(m2m_fields=…)``), by name.
    ``pupil``: the path from a row to its pupil. ``by_field``: the record's own "recorded by" field, shown
    when the change was not made by a signed-in person (imports, jobs).
    """

    key: str
    records: QuerySet
    describe: Callable[[models.Model], str]
    fields: Sequence[str]
    labels: dict[str, str] = field(default_factory=dict)
    formatters: dict[str, Callable[[models.Model, object], str]] = field(default_factory=dict)
    pupil: str = "pupil"
    by_field: str = ""
    related: Sequence[str] = ()
    linked: dict[str, Linked] = field(default_factory=dict)

    @property
    def model(self):
        return self.records.model

    def label(self, name: str) -> str:
        if name in self.labels:
            return self.labels[name]
        return capfirst(str(self.model._meta.get_field(name).verbose_name))

    def value(self, row, name: str) -> str:
        if name in self.formatters:
            raw = getattr(row, self.model._meta.get_field(name).attname)
            return "—" if raw is None or raw == "" else self.formatters[name](row, raw)
        model_field = self.model._meta.get_field(name)
        if model_field.is_relation:
            return show(getattr(row, name))
        if model_field.choices:
            return show(getattr(row, f"get_{name}_display")())
        return show(getattr(row, name))

    def changes(self, row, older) -> list[tuple[str, str, str]]:
        """(label, before, after) for every shown field that differs (all set fields for a new record)."""
        found = []
        for name in self.fields:
            attname = self.model._meta.get_field(name).attname
            new = getattr(row, attname)
            if older is None:
                if new is None or new == "":  # a new record: what it was given
                    continue
                found.append((self.label(name), "—", self.value(row, name)))
            elif getattr(older, attname) != new:
                found.append((self.label(name), self.value(older, name), self.value(row, name)))
        for name, spec in self.linked.items():
            new = getattr(row, "linked", {}).get(name, ())
            old = getattr(older, "linked", {}).get(name, ()) if older is not None else ()
            if new != old:
                found.append((spec.label, "; ".join(old) or "—", "; ".join(new) or "—"))
        return found

    def select(self) -> list[str]:
        foreign = [n for n in self.fields if self.model._meta.get_field(n).is_relation]
        by = [self.by_field] if self.by_field else []
        return ["history_user", self.pupil, *foreign, *by, *self.related]


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: str
    pupil: object
    what: str
    action: str
    changes: list[tuple[str, str, str]]

    @property
    def summary(self) -> str:
        """The changes on one line, for exports."""
        return "; ".join(f"{label}: {old} → {new}" for label, old, new in self.changes)


def sources_for(access, *, pupils: QuerySet, group=None) -> list[HistorySource]:
    found: list[HistorySource] = []
    for module in app_modules("history"):
        provider = getattr(module, "history_sources", None)
        if provider is not None:
            found.extend(provider(access, pupils=pupils, group=group))
    return found


def _keys(sources: Sequence[HistorySource]) -> QuerySet | None:
    """Every source's (when, history id, source number), as one UNION ALL, newest first."""
    branches = [
        s.records.order_by()
        .annotate(audit_source=Value(i, output_field=IntegerField()))
        .values_list("history_date", "history_id", "audit_source")
        for i, s in enumerate(sources)
    ]
    if not branches:
        return None
    union = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    return union.order_by("-history_date", "-history_id", "audit_source")


def rows_with_previous(source: HistorySource, ids: Iterable[int]) -> dict[int, HistoryRow]:
    """The page's rows of ``source`` and the row before each, in one query; ``row.previous_id`` says which."""
    model = source.model
    pk = model.instance_type._meta.pk.attname
    before = (
        model.objects.filter(**{pk: OuterRef(pk)})
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    ids = list(ids)
    previous = model.objects.filter(history_id__in=ids).annotate(previous=Subquery(before)).values("previous")
    rows = (
        model.objects.filter(Q(history_id__in=ids) | Q(history_id__in=previous))
        .annotate(previous_id=Subquery(before))
        .select_related(*source.select())
    )
    by_id = {row.history_id: row for row in rows}
    for name, spec in source.linked.items():
        _attach_linked(source, by_id, name, spec)
    return by_id


def _attach_linked(source: HistorySource, rows: dict[int, HistoryRow], name: str, spec: Linked) -> None:
    """``row.linked[name]``: the names of the records linked to each row when it was saved (one query)."""
    model = source.model
    through = apps.get_model(model._meta.app_label, f"{model.__name__}_{name}")
    target_model = model.instance_type._meta.get_field(name).related_model
    target = next(
        f.name
        for f in through._meta.fields
        if f.is_relation and f.related_model is target_model and f.name != "history"
    )
    found: dict[int, list[str]] = {}
    links = through.objects.filter(history_id__in=list(rows)).select_related(
        target, *(f"{target}__{r}" for r in spec.related)
    )
    for link in links:
        linked = getattr(link, target)
        found.setdefault(link.history_id, []).append(spec.show(linked) if linked is not None else "(since deleted)")
    for history_id, row in rows.items():
        row.linked = {**getattr(row, "linked", {}), name: tuple(sorted(found.get(history_id, ())))}


def attr_path(obj, path: str):
    for part in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


def describe(source: HistorySource, row) -> str:
    try:
        return source.describe(row)
    except AttributeError:  # a related record (subject, provision …) deleted since: the change stays listed
        return f"{capfirst(str(source.model.instance_type._meta.verbose_name))} (since deleted)"


def _entry(source: HistorySource, row, older) -> HistoryEntry:
    by = row.history_user or (attr_path(row, source.by_field) if source.by_field else None)
    # A new record lists what it was created with; a deleted one needs no list.
    changes = [] if row.history_type == "-" else source.changes(row, None if row.history_type == "+" else older)
    return HistoryEntry(
        when=row.history_date,
        who=by.display_name if by is not None else "System (import or scheduled job)",
        pupil=attr_path(row, source.pupil),
        what=describe(source, row),
        action=ACTIONS.get(row.history_type, "Changed"),
        changes=changes,
    )


def history_page(access, *, pupils: QuerySet, group=None, page_number=1, per_page: int = PER_PAGE) -> Page:
    """One page of every change to the pupils' audited records, newest first; ``page.object_list`` holds
    ``HistoryEntry`` rows. A constant number of queries (see the module's docstring)."""
    sources = sources_for(access, pupils=pupils, group=group)
    keys = _keys(sources)
    paged: QuerySet | list[Any] = keys if keys is not None else []
    page: Page[Any] = Paginator(paged, per_page).get_page(page_number)  # keys, then the entries made from them
    by_source: dict[int, list[int]] = {}
    keys_on_page = list(page.object_list)
    for _, history_id, source in keys_on_page:
        by_source.setdefault(source, []).append(history_id)
    fetched = {i: rows_with_previous(sources[i], ids) for i, ids in by_source.items()}
    entries = []
    for _, history_id, source in keys_on_page:
        rows = fetched[source]
        row = rows[history_id]
        entries.append(_entry(sources[source], row, rows.get(row.previous_id)))
    page.object_list = entries
    return page
