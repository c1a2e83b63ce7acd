"""Every write to pupils and teaching groups: keyword-only, atomic, validating before saving, audited.

Imports go through :func:`pupil_import_plan` (reads only: what would be created, updated or left alone,
and any problem that needs the database to see) and :func:`pupil_import_commit` (writes the plan in one
transaction with simple_history's bulk helpers, so every imported change is in the audit history).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .codes import year_group_label
from .ctf import CtfError, CtfFile, CtfPupil, check_destination
from .importing import FIELDS, RowError
from .models import Contact, CtfStageResult, GroupMembership, Pupil, TeachingGroup
from .upn import InvalidUPN, validate_upn

# Fields an import may set, and what a new pupil gets when the file does not say.
IMPORT_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.name != "upn")
_TEXT_FIELDS = frozenset({f.name for f in FIELDS if f.kind == "text"} | {"primary_need", "ethnicity"})
_NEW_PUPIL_DEFAULTS: dict[str, Any] = {
    "preferred_surname": "",
    "preferred_forename": "",
    "form": "",
    "admission_date": None,
    "leaving_date": None,
    "sen_provision": "N",
    "primary_need": "",
    "eal": False,
    "fsm": False,
    "pupil_premium": False,
    "looked_after": False,
    "gifted": False,
    "ethnicity": "",
}
_LABELS = {f.name: f.label for f in FIELDS}
# Who a child is. A UPN match that disagrees on any of these is another child or a mistake (DESIGN §4
# "Identity"): a conflict for a person to resolve, never an update. A year group one higher, as after
# rollover, is a conflict too: simple and safe; the user confirms each such row.
IDENTITY_FIELDS: tuple[str, ...] = ("legal_surname", "legal_forename", "date_of_birth", "year_group")
_NAME_FIELDS = frozenset({"legal_surname", "legal_forename"})
_PUPIL_COLUMNS = ("id", "school_id", "upn", *IMPORT_FIELDS, "archived_at", "created_at")
BATCH = 2000


class ImportCommitError(ValueError):
    """The import could not be written; nothing was. ``errors`` lists the reasons."""

    def __init__(self, errors: Sequence[RowError | str]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


def _describe(changes: Mapping[str, tuple[Any, Any]]) -> list[str]:
    return [f"{field_label(f)}: {show_field(f, old)} → {show_field(f, new)}" for f, (old, new) in changes.items()]


@dataclass
class PupilChange:
    upn: str
    name: str
    changes: dict[str, tuple[Any, Any]]  # field -> (old, new)
    corrected: bool = False  # an identity correction the user confirmed

    def described(self) -> list[str]:
        return _describe(self.changes)


@dataclass
class IdentityConflict:
    """A UPN on roll whose legal names, date of birth or year group the file contradicts."""

    row: int | None  # spreadsheet row (None for a CTF)
    upn: str
    name: str  # the pupil on roll
    changes: dict[str, tuple[Any, Any]]  # the identity fields only: field -> (on roll, in the file)
    confirmed: bool = False
    also: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # the row's other changes

    def described_also(self) -> list[str]:
        return _describe(self.also)

    @property
    def key(self) -> str:
        """What a "yes, correct this record" tick posts: the row, the UPN and exactly these changes, so a tick
        given for one correction never confirms another."""
        return conflict_key(self.row, self.upn, self.changes)

    def described(self) -> list[str]:
        return _describe(self.changes)

    def reason(self) -> str:
        """The history row's change reason (at most 100 characters, the column's size); the row itself holds
        the before and after of each field."""
        text = "Identity correction confirmed at import: " + ", ".join(field_label(f).lower() for f in self.changes)
        return text[:100]


def conflict_key(row: int | None, upn: str, changes: Mapping[str, tuple[Any, Any]]) -> str:
    text = repr(sorted((f, show_value(old), show_value(new)) for f, (old, new) in changes.items()))
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{row or 'ctf'}-{upn}-{digest}"


def _identity_changes(changes: Mapping[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """The changes that say the file describes another child (a name differing only in case or spacing does not)."""
    return {
        name: (old, new)
        for name, (old, new) in changes.items()
        if name in IDENTITY_FIELDS and not (name in _NAME_FIELDS and _same_name(old, new))
    }


def _same_name(a: Any, b: Any) -> bool:
    return " ".join(str(a or "").split()).casefold() == " ".join(str(b or "").split()).casefold()


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


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    corrected: int = 0  # of the updated, identity corrections the user confirmed
    unchanged: int = 0
    changes: list[PupilChange] = field(default_factory=list)
    created_upns: list[str] = field(default_factory=list)
    results_stored: int = 0
    contacts_added: int = 0
    problems: list[str] = field(default_factory=list)


def field_label(name: str) -> str:
    if name in _LABELS:
        return _LABELS[name]
    return Pupil._meta.get_field(name).verbose_name.capitalize()


def show_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def show_field(name: str, value: Any) -> str:
    if name == "year_group" and isinstance(value, int) and not isinstance(value, bool):
        try:
            return year_group_label(value)
        except KeyError:
            pass
    return show_value(value)


def _clean_value(name: str, value: Any) -> Any:
    if name in _TEXT_FIELDS:
        return value or ""
    return value


# --------------------------------------------------------------------------- CSV / XLSX imports


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
    for row, record in zip(record_rows, records, strict=True):
        current = existing.get(record["upn"])
        if current is None:
            values = dict(_NEW_PUPIL_DEFAULTS)
            for name in IMPORT_FIELDS:
                if record.get(name) is not None:
                    values[name] = _clean_value(name, record[name])
            if values["sen_provision"] == "N":
                values["primary_need"] = ""
            values.update(school_id=school.pk, upn=record["upn"], archived_at=None)
            plan.create.append(values)
            continue
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
            if name in {"fsm", "pupil_premium", "looked_after", "gifted"} and new is None:
                new = False
            if current[name] != new:
                changes[name] = (current[name], new)
        sen = changes.get("sen_provision", (None, current["sen_provision"]))[1]
        need = changes.get("primary_need", (None, current["primary_need"]))[1]
        if sen == "N" and need:
            if record.get("primary_need"):
                message = f"a primary need is given but {current['upn']}'s SEN provision is N (no SEN)"
                plan.errors.append(RowError(row, "", "primary_need", need, message))
                continue
            changes["primary_need"] = (current["primary_need"], "")
        if not changes:
            plan.unchanged += 1
            continue
        name = f"{current['preferred_forename'] or current['legal_forename']} "
        name += current["preferred_surname"] or current["legal_surname"]
        identity = _identity_changes(changes)
        reason = "Updated from a file"
        if identity:
            also = {k: v for k, v in changes.items() if k not in identity}
            conflict = IdentityConflict(row=row, upn=current["upn"], name=name, changes=identity, also=also)
            conflict.confirmed = conflict.key in confirmed
            plan.conflicts.append(conflict)
            if not conflict.confirmed:
                for field_name, (old, new) in identity.items():
                    message = (
                        f"UPN {current['upn']} is {name} on roll, whose {field_label(field_name).lower()} is "
                        f"{show_field(field_name, old)}: a different child, or a mistake? Check the UPN, or tick "
                        "“Yes, correct this record” if the file is right"
                    )
                    header = columns.get(field_name, "")
                    plan.errors.append(RowError(row, header, field_name, show_field(field_name, new), message))
                continue
            reason = conflict.reason()
        plan.update.append(current | {name: new for name, (_, new) in changes.items()})
        plan.update_fields.update(changes)
        plan.reasons.append(reason)
        plan.changes.append(PupilChange(upn=current["upn"], name=name, changes=changes, corrected=bool(identity)))
    return plan


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
        ids = _insert(Pupil, plan.create, returning="id")
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


def _adapter(model_field):
    ops = connection.ops
    kind = model_field.get_internal_type()
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DateField":
        return ops.adapt_datefield_value
    return None


def _insert(model, rows: Sequence[dict[str, Any]], returning: str | None = None) -> list:
    """Write ``rows`` (dicts keyed by attname) into ``model``'s table without a model instance per row:
    COPY on PostgreSQL (ids drawn from the table's sequence first), multi-row INSERTs elsewhere. Returns the
    ``returning`` column ("id") of each row, in order."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor, "copy_expert"):
            return _copy(cursor, model, rows, returning)
        return _insert_values(cursor, model, rows, returning)


def _copy(cursor, model, rows, returning: str | None) -> list:
    table = model._meta.db_table
    ids: list = []
    if returning:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, returning, len(rows)]
        )
        ids = [r[0] for r in cursor.fetchall()]
        rows = [row | {returning: pk} for row, pk in zip(rows, ids, strict=True)]
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    names = [f.attname for f in fields]
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(row[name]) for name in names))
        buffer.write("\n")
    buffer.seek(0)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    cursor.copy_expert(f"COPY {quote(table)} ({columns}) FROM STDIN", buffer)
    return ids


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if type(value) is str:
        return value.translate(_COPY_ESCAPES)
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _insert_values(cursor, model, rows, returning: str | None) -> list:
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    adapters = [(f.attname, _adapter(f)) for f in fields]
    quote = connection.ops.quote_name
    per_batch = max(1, min(2000, 30000 // len(fields)))  # under SQLite's and PostgreSQL's parameter limits
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "  # noqa: S608 - names from the model, values are parameters
    tail = f" RETURNING {quote(returning)}" if returning else ""
    found: list = []
    for start in range(0, len(rows), per_batch):
        batch = rows[start : start + per_batch]
        params = [adapt(row[name]) if adapt else row[name] for row in batch for name, adapt in adapters]
        cursor.execute(head + ", ".join([row_sql] * len(batch)) + tail, params)
        if returning:
            found.extend(r[0] for r in cursor.fetchall())
    return found


def _insert_history(rows: Sequence[dict[str, Any]], kind: str, when, user_id, reason: str | Sequence[str]) -> None:
    """History rows for ``rows``, with one ``reason`` for all or one per row."""
    history = Pupil.history.model
    names = [f.attname for f in history._meta.concrete_fields if f.attname != "history_id"]
    reasons = [reason] * len(rows) if isinstance(reason, str) else list(reason)
    extra = {"history_date": when, "history_type": kind, "history_user_id": user_id}
    _insert(
        history,
        [
            {n: extra[n] if n in extra else why if n == "history_change_reason" else row[n] for n in names}
            for row, why in zip(rows, reasons, strict=True)
        ],
    )


# --------------------------------------------------------------------------- CTF imports


@dataclass
class CtfPreviewRow:
    upn: str
    name: str
    year_group: int | None
    action: str  # "create" | "update" | "conflict" | "unchanged" | "skip"
    results: int
    note: str = ""
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # for a pupil on roll: field -> (old, new)
    conflict: IdentityConflict | None = None

    @property
    def key(self) -> str:
        return self.conflict.key if self.conflict else ""

    def described(self) -> list[str]:
        return _describe(self.changes)

    def described_conflicts(self) -> list[str]:
        return self.conflict.described() if self.conflict else []


def _ctf_values(pupil: CtfPupil) -> dict[str, Any]:
    """The Pupil fields a CTF pupil sets; a value the file does not carry is left out (kept as it is)."""
    values: dict[str, Any] = {
        "legal_surname": pupil.surname[:100],
        "legal_forename": pupil.forename[:100],
        "date_of_birth": pupil.date_of_birth,
        "gender": pupil.gender,
    }
    if pupil.preferred_surname is not None:
        values["preferred_surname"] = "" if pupil.preferred_surname == pupil.surname else pupil.preferred_surname[:100]
    if pupil.preferred_forename is not None:
        values["preferred_forename"] = (
            "" if pupil.preferred_forename == pupil.forename else pupil.preferred_forename[:100]
        )
    if pupil.year_group is not None:
        values["year_group"] = pupil.year_group
    if pupil.ethnicity is not None:
        values["ethnicity"] = pupil.ethnicity
    if pupil.eal is not None:
        values["eal"] = pupil.eal
    if pupil.in_care is not None:
        values["looked_after"] = pupil.in_care
    if pupil.fsm_history:
        values["fsm"] = pupil.fsm_current
    if pupil.sen_provision is not None:
        values["sen_provision"] = pupil.sen_provision
        values["primary_need"] = (pupil.primary_need or "") if pupil.sen_provision != "N" else ""
    return values


def ctf_check_school(*, ctf: CtfFile, school) -> None:
    """Raise :class:`CtfError` unless the file is addressed to ``school`` (or to no known school)."""
    if not (school.la_code and school.estab):
        raise CtfError("This school has no LA and establishment number, so a CTF cannot be checked against it.")
    check_destination(ctf, school.la_code, school.estab, allow_unaddressed=True)


def _ctf_changes(current: Pupil, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    changes = {k: (getattr(current, k), v) for k, v in values.items() if getattr(current, k) != v}
    if changes and values.get("sen_provision", current.sen_provision) == "N" and current.primary_need:
        changes.setdefault("primary_need", (current.primary_need, ""))
    return changes


def _ctf_conflict(current: Pupil, changes: Mapping[str, tuple[Any, Any]], confirmed: Collection[str]):
    identity = _identity_changes(changes)
    if not identity:
        return None
    also = {k: v for k, v in changes.items() if k not in identity}
    conflict = IdentityConflict(row=None, upn=current.upn, name=current.display_name, changes=identity, also=also)
    conflict.confirmed = conflict.key in confirmed
    return conflict


def ctf_preview(*, ctf: CtfFile, school, confirmed: Collection[str] = ()) -> list[CtfPreviewRow]:
    """What importing ``ctf`` would do to each of its pupils (reads only: one query). A pupil on roll whose
    legal names, date of birth or year group the file contradicts is a "conflict" (see :func:`pupil_import_ctf`)."""
    existing = {p.upn: p for p in Pupil.objects.filter(school=school, upn__in=[p.upn for p in ctf.pupils])}
    rows = []
    for cp in ctf.pupils:
        name = f"{cp.preferred_forename or cp.forename} {cp.preferred_surname or cp.surname}"
        current = existing.get(cp.upn)
        values = _ctf_values(cp)
        changes: dict[str, tuple[Any, Any]] = {}
        conflict = None
        if current is None:
            if cp.year_group is None:
                rows.append(CtfPreviewRow(cp.upn, name, None, "skip", 0, "no NC year in the file (pupil skipped)"))
                continue
            action = "create"
        else:
            changes = _ctf_changes(current, values)
            conflict = _ctf_conflict(current, changes, confirmed)
            action = "conflict" if conflict else "update" if changes else "unchanged"
        row = CtfPreviewRow(cp.upn, name, values.get("year_group"), action, len(cp.assessments))
        row.changes, row.conflict = changes, conflict
        rows.append(row)
    return rows


@transaction.atomic
def pupil_import_ctf(*, school, ctf: CtfFile, by=None, confirmed: Collection[str] = ()) -> ImportOutcome:
    """Import a parsed CTF into ``school``: pupils upserted by UPN (basic details, SEN, FSM, looked-after,
    EAL), parent/carer contacts added when new, and every key stage result stored as a
    :class:`CtfStageResult` for the assessment app. Refuses (writing nothing) a file for another school,
    and, with :class:`ImportCommitError`, a file that contradicts the legal names, date of birth or year
    group of a pupil on roll, unless that pupil's conflict key (:attr:`CtfPreviewRow.key`) is in ``confirmed``:
    a confirmed correction's history row gives the changes as its reason.
    """
    ctf_check_school(ctf=ctf, school=school)
    outcome = ImportOutcome(problems=list(ctf.problems))
    existing = {p.upn: p for p in Pupil.objects.filter(school=school, upn__in=[p.upn for p in ctf.pupils])}
    now = timezone.now()
    to_create, to_update, fields = [], [], set()
    refused: list[str] = []
    for cp in ctf.pupils:
        values = _ctf_values(cp)
        current = existing.get(cp.upn)
        if current is None:
            if cp.year_group is None:
                outcome.problems.append(f"{cp.upn}: the file gives no NC year, so the pupil was not added")
                continue
            merged = dict(_NEW_PUPIL_DEFAULTS) | values
            to_create.append(Pupil(school=school, upn=cp.upn, created_at=now, updated_at=now, **merged))
            continue
        changes = _ctf_changes(current, values)
        if not changes:
            outcome.unchanged += 1
            continue
        conflict = _ctf_conflict(current, changes, confirmed)
        if conflict and not conflict.confirmed:
            refused.append(
                f"UPN {current.upn} is {conflict.name} on roll; the file gives "
                + "; ".join(conflict.described())
                + ": a different child, or a mistake? Check the file, or tick “Yes, correct this record”"
            )
            continue
        if conflict:
            current._change_reason = conflict.reason()  # simple_history's bulk helper reads it per row
            outcome.corrected += 1
        name = current.display_name
        for field_name, (_, new) in changes.items():
            setattr(current, field_name, new)
        current.updated_at = now
        to_update.append(current)
        fields.update(changes)
        outcome.changes.append(PupilChange(upn=current.upn, name=name, changes=changes, corrected=bool(conflict)))
    if refused:
        raise ImportCommitError(refused)
    if to_create:
        bulk_create_with_history(
            to_create, Pupil, batch_size=BATCH, default_user=by, default_change_reason="Imported from a CTF"
        )
    if to_update:
        bulk_update_with_history(
            to_update,
            Pupil,
            sorted(fields | {"updated_at"}),
            batch_size=BATCH,
            default_user=by,
            default_change_reason="Updated from a CTF",
        )
    outcome.created, outcome.updated = len(to_create), len(to_update)
    outcome.created_upns = [p.upn for p in to_create]

    by_upn = {p.upn: p for p in Pupil.objects.filter(school=school, upn__in=[p.upn for p in ctf.pupils])}
    outcome.contacts_added = _ctf_contacts(ctf.pupils, by_upn, by)
    outcome.results_stored = _ctf_results(ctf.pupils, by_upn)
    return outcome


def _ctf_contacts(ctf_pupils: Iterable[CtfPupil], by_upn: dict[str, Pupil], by) -> int:
    known = set(Contact.objects.filter(pupil__in=list(by_upn.values())).values_list("pupil_id", "name").order_by())
    new = []
    for cp in ctf_pupils:
        pupil = by_upn.get(cp.upn)
        if pupil is None:
            continue
        for position, contact in enumerate(cp.contacts, start=1):
            name = " ".join(part for part in (contact.title, contact.forename, contact.surname) if part)[:200]
            if not name or (pupil.pk, name) in known:
                continue
            known.add((pupil.pk, name))
            new.append(
                Contact(
                    pupil=pupil,
                    name=name,
                    relationship=(contact.relationship or "")[:60],
                    email=(contact.email or "")[:254],
                    parental_responsibility=bool(contact.responsibility),
                    priority=contact.order or position,
                )
            )
    if new:
        bulk_create_with_history(new, Contact, batch_size=BATCH, default_user=by)
    return len(new)


def _ctf_results(ctf_pupils: Iterable[CtfPupil], by_upn: dict[str, Pupil]) -> int:
    rows: dict[tuple, CtfStageResult] = {}
    for cp in ctf_pupils:
        pupil = by_upn.get(cp.upn)
        if pupil is None:
            continue
        for a in cp.assessments:
            if not a.subject or a.result is None:
                continue
            result = CtfStageResult(
                pupil=pupil,
                stage=a.stage[:10],
                locale=(a.locale or "")[:10],
                year=str(a.year or "")[:4],
                subject=a.subject[:40],
                method=(a.method or "")[:20],
                component=(a.component or "")[:60],
                result_status=(a.result_status or "")[:20],
                result=a.result[:20],
            )
            key = (pupil.pk, result.stage, result.year, result.subject, result.method, result.component)
            rows[key] = result  # a later duplicate in the file wins
    if rows:
        CtfStageResult.objects.bulk_create(
            list(rows.values()),
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["pupil", "stage", "year", "subject", "method", "component"],
            update_fields=["locale", "result_status", "result"],
        )
    return len(rows)


# --------------------------------------------------------------------------- single pupils


@transaction.atomic
def pupil_update(*, pupil: Pupil, by=None, **fields) -> Pupil:
    """Change a pupil's details; validated, and recorded in the audit history as ``by``'s change."""
    unknown = set(fields) - {f.name for f in Pupil._meta.concrete_fields}
    if unknown or {"id", "school", "school_id", "created_at", "updated_at"} & set(fields):
        raise ValueError(f"cannot set {', '.join(sorted(set(fields)))} here")
    if "upn" in fields:
        try:
            fields["upn"] = validate_upn(fields["upn"])
        except InvalidUPN as exc:
            raise ValidationError({"upn": str(exc)}) from exc
    for name, value in fields.items():
        setattr(pupil, name, value)
    if pupil.sen_provision == "N":
        pupil.primary_need = ""
    pupil.full_clean()
    pupil._history_user = by
    pupil.save()
    return pupil


@transaction.atomic
def pupil_archive(*, pupil: Pupil, by=None, leaving_date: dt.date) -> Pupil:
    """Record a leaver: set the leaving date and archive the pupil (never deleted; history stays).
    Their group memberships end on the leaving date."""
    if pupil.archived_at is not None:
        raise ValidationError("This pupil is already archived as a leaver.")
    if pupil.admission_date and leaving_date < pupil.admission_date:
        raise ValidationError({"leaving_date": "The leaving date is before the admission date."})
    pupil.leaving_date = leaving_date
    pupil.archived_at = timezone.now()
    pupil._history_user = by
    pupil.save()
    for membership in GroupMembership.objects.filter(pupil=pupil, end_date__isnull=True).select_related(None):
        membership.end_date = max(leaving_date, membership.start_date)
        membership._history_user = by
        membership.save()
    return pupil


@transaction.atomic
def pupil_restore(*, pupil: Pupil, by=None) -> Pupil:
    """Put an archived pupil back on roll (a leaver who returns); their history is untouched."""
    pupil.archived_at = None
    pupil.leaving_date = None
    pupil._history_user = by
    pupil.save()
    return pupil


@transaction.atomic
def group_membership_move(
    *, membership: GroupMembership, to_group: TeachingGroup, on: dt.date, by=None
) -> GroupMembership:
    """Move a pupil from one class or set to another from ``on``: the old membership ends the day before,
    a new one starts on ``on``, so both stay in the pupil's history."""
    old_group = membership.group
    errors = {}
    if to_group.pk == old_group.pk:
        errors["to_group"] = "The pupil is already in this group."
    elif to_group.school_id != old_group.school_id:
        errors["to_group"] = "That group is not in this school."
    elif (to_group.subject, to_group.academic_year_id) != (old_group.subject, old_group.academic_year_id):
        errors["to_group"] = "A pupil moves between groups of the same subject and academic year."
    if membership.end_date is not None and membership.end_date < on:
        errors["on"] = "The pupil had already left this group by then."
    if on <= membership.start_date:
        errors["on"] = f"The move must be after the pupil joined {old_group.name} ({membership.start_date:%d/%m/%Y})."
    already = GroupMembership.objects.current(on).filter(group=to_group, pupil_id=membership.pupil_id).exists()
    if already:
        errors["to_group"] = "The pupil is already in that group on that date."
    if errors:
        raise ValidationError(errors)
    membership.end_date = on - dt.timedelta(days=1)
    membership._history_user = by
    membership.save()
    new = GroupMembership(group=to_group, pupil_id=membership.pupil_id, start_date=on)
    new._history_user = by
    new.full_clean()
    new.save()
    return new
