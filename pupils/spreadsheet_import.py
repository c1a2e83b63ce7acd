"""Importing pupils from a spreadsheet (CSV/XLSX), once :mod:`pupils.importing` has read and validated it.

:func:`pupil_import_plan` reads only: what would be created, updated or left alone, and any problem that
needs the database to see (an identity conflict, a primary need without SEN provision).
:func:`pupil_import_commit` writes the plan in one transaction — by COPY on PostgreSQL
(:func:`schoolpl.pgcopy.insert_rows`) — with a history row per created or changed pupil, so every imported
change is in the audit history.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from schoolpl.pgcopy import insert_rows

from .import_changes import (
    IMPORT_FIELDS,
    NEW_PUPIL_DEFAULTS,
    IdentityConflict,
    ImportCommitError,
    ImportOutcome,
    PupilChange,
    field_label,
    identity_changes,
    show_field,
)
from .importing import FIELDS, RowError
from .models import Pupil

_TEXT_FIELDS = frozenset({f.name for f in FIELDS if f.kind == "text"} | {"primary_need", "ethnicity"})
_FLAGS = frozenset({"fsm", "pupil_premium", "looked_after", "gifted"})
_PUPIL_COLUMNS = ("id", "school_id", "upn", *IMPORT_FIELDS, "fsm_last_recorded", "archived_at", "created_at")


@dataclass
class ImportPlan:
    create: list[dict[str, Any]] = field(default_factory=list)  # full column values of each new pupil
    update: list[dict[str, Any]] = field(default_factory=list)  # full values (with "id") after the change
    update_fields: set[str] = field(default_factory=set)
    changes: list[PupilChange] = field(default_factory=list)
    conflicts: list[IdentityConflict] = field(default_factory=list)  # confirmed or not; unconfirmed ones are errors
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # the audit reason of each row of ``update``

    @property
    def ok(self) -> bool:
        return not self.errors


def _clean_value(name: str, value: Any) -> Any:
    if name in _TEXT_FIELDS:
        return value or ""
    return value


def pupil_import_plan(
    *,
    school,
    records: Sequence[dict[str, Any]],
    record_rows: Sequence[int] | None = None,
    columns: Mapping[str, str] | None = None,
    confirmed: Collection[str] = (),
) -> ImportPlan:
    """Match validated records (:func:`pupils.importing.validate_rows`) to the school's pupils by UPN and
    work out what a commit would do. Reads only (one query, as plain values: fast for 50,000 pupils).

    A record whose UPN is on roll but whose legal names, date of birth or year group disagree is an
    :class:`IdentityConflict`: an error on each disagreeing field (at its row and, from ``columns``
    ({field: header}), its column) unless its :attr:`~IdentityConflict.key` is in ``confirmed``."""
    columns = columns or {}
    confirmed = frozenset(confirmed)
    record_rows = list(record_rows) if record_rows is not None else [i + 2 for i in range(len(records))]
    existing = {row["upn"]: row for row in Pupil.objects.filter(school=school).values(*_PUPIL_COLUMNS).order_by()}
    plan = ImportPlan()
    for row, given in zip(record_rows, records, strict=True):
        record = _with_derived_premium(given)
        current = existing.get(record["upn"])
        if current is None:
            plan.create.append(_new_pupil(school, record))
        else:
            _plan_update(plan, row, current, record, columns, confirmed)
    return plan


def _with_derived_premium(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record, with pupil premium set where the file shows FSM or a looked-after pupil (Ever 6: FSM now
    is FSM in the last six years). A "no" in the file's own pupil premium column does not clear it."""
    if record.get("fsm") or record.get("looked_after"):
        return {**record, "pupil_premium": True}
    return dict(record)


def _new_pupil(school, record: Mapping[str, Any]) -> dict[str, Any]:
    """Every column of a pupil the file adds: what it gives, the defaults for what it does not."""
    values = dict(NEW_PUPIL_DEFAULTS)
    for name in IMPORT_FIELDS:
        if record.get(name) is not None:
            values[name] = _clean_value(name, record[name])
    if values["sen_provision"] == "N":
        values["primary_need"] = ""
    values.update(school_id=school.pk, upn=record["upn"], archived_at=None)
    return values


def _record_changes(current: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """field → (on roll, in the file) for each field the file gives and changes."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name in IMPORT_FIELDS:
        if name not in record:
            continue  # the column was not in the file: keep what the school has
        new = record[name]
        if name == "eal" and new is None:
            continue  # language not known: keep what the school has
        new = _clean_value(name, new)
        if name == "sen_provision" and new is None:
            new = "N"
        if name in _FLAGS and new is None:
            new = False
        if current[name] != new:
            changes[name] = (current[name], new)
    return changes


def _plan_update(plan: ImportPlan, row: int, current, record, columns, confirmed: Collection[str]) -> None:
    """Add to ``plan`` what the file does to the pupil on roll ``current``: nothing, an update, or errors."""
    changes = _record_changes(current, record)
    sen = changes.get("sen_provision", (None, current["sen_provision"]))[1]
    need = changes.get("primary_need", (None, current["primary_need"]))[1]
    if sen == "N" and need:
        if record.get("primary_need"):
            message = f"a primary need is given but {current['upn']}'s SEN provision is N (no SEN)"
            plan.errors.append(RowError(row, "", "primary_need", need, message))
            return
        changes["primary_need"] = (current["primary_need"], "")
    if not changes:
        plan.unchanged += 1
        return
    name = f"{current['preferred_forename'] or current['legal_forename']} "
    name += current["preferred_surname"] or current["legal_surname"]
    identity = identity_changes(changes)
    reason = "Updated from a file"
    if identity:
        also = {k: v for k, v in changes.items() if k not in identity}
        conflict = IdentityConflict(row=row, upn=current["upn"], name=name, changes=identity, also=also)
        conflict.confirmed = conflict.key in confirmed
        plan.conflicts.append(conflict)
        if not conflict.confirmed:
            plan.errors.extend(_conflict_errors(conflict, row, current, columns))
            return
        reason = conflict.reason()
    plan.update.append(current | {name: new for name, (_, new) in changes.items()})
    plan.update_fields.update(changes)
    plan.reasons.append(reason)
    plan.changes.append(PupilChange(upn=current["upn"], name=name, changes=changes, corrected=bool(identity)))


def _conflict_errors(conflict: IdentityConflict, row: int, current, columns: Mapping[str, str]) -> list[RowError]:
    """One error per identity field the file contradicts, at its row and column."""
    errors = []
    for field_name, (old, new) in conflict.changes.items():
        message = (
            f"UPN {current['upn']} is {conflict.name} on roll, whose {field_label(field_name).lower()} is "
            f"{show_field(field_name, old)}: a different child, or a mistake? Check the UPN, or tick "
            "“Yes, correct this record” if the file is right"
        )
        header = columns.get(field_name, "")
        errors.append(RowError(row, header, field_name, show_field(field_name, new), message))
    return errors


@transaction.atomic
def pupil_import_commit(
    *,
    school,
    records: Sequence[dict[str, Any]],
    by=None,
    record_rows: Sequence[int] | None = None,
    columns: Mapping[str, str] | None = None,
    confirmed: Collection[str] = (),
) -> ImportOutcome:
    """Create and update the school's pupils from validated records, matching by UPN: all or nothing.

    Re-importing the same records changes nothing. Every created or changed pupil gets a history row
    attributed to ``by`` (as simple_history's bulk helpers write them, but without building a model
    instance per row: 50,000 pupils must import in well under 30 s). Raises :class:`ImportCommitError`
    (writing nothing) for a problem only the database can see, or an identity conflict not in ``confirmed``
    (see :func:`pupil_import_plan`); a confirmed correction's history row gives the changes as its reason.
    """
    plan = pupil_import_plan(
        school=school, records=records, record_rows=record_rows, columns=columns, confirmed=confirmed
    )
    if not plan.ok:
        raise ImportCommitError(plan.errors)
    now = timezone.now()
    user_id = getattr(by, "pk", None)
    if plan.create:
        for values in plan.create:
            values["created_at"] = values["updated_at"] = now
        ids = insert_rows(Pupil, plan.create, returning="id")
        for values, pk in zip(plan.create, ids, strict=True):
            values["id"] = pk
        _insert_history(plan.create, "+", now, user_id, "Imported from a file")
    if plan.update:
        fields = sorted(plan.update_fields | {"updated_at"})
        objects = []
        for values in plan.update:
            values["updated_at"] = now
            objects.append(Pupil(**{f: values[f] for f in ("id", *fields)}))
        Pupil.objects.bulk_update(objects, fields, batch_size=500)
        _insert_history(plan.update, "~", now, user_id, plan.reasons)
    return ImportOutcome(
        created=len(plan.create),
        updated=len(plan.update),
        corrected=sum(1 for c in plan.conflicts if c.confirmed),
        unchanged=plan.unchanged,
        changes=plan.changes,
        created_upns=[v["upn"] for v in plan.create],
    )


def _insert_history(rows: Sequence[dict[str, Any]], kind: str, when, user_id, reason: str | Sequence[str]) -> None:
    """History rows for ``rows``, with one ``reason`` for all or one per row."""
    history = Pupil.history.model
    names = [f.attname for f in history._meta.concrete_fields if f.attname != "history_id"]
    reasons = [reason] * len(rows) if isinstance(reason, str) else list(reason)
    extra = {"history_date": when, "history_type": kind, "history_user_id": user_id}
    insert_rows(
        history,
        [
            {n: extra[n] if n in extra else why if n == "history_change_reason" else row[n] for n in names}
            for row, why in zip(rows, reasons, strict=True)
        ],
    )
