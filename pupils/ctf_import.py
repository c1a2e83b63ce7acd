"""Importing a Common Transfer File (CTF) that :mod:`pupils.ctf` has parsed: a preview of what it would do
to each pupil, then the import itself — pupils upserted by UPN, new parent/carer contacts added, and each
key stage result stored for the assessment app — all or nothing, audited by simple-history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import premium
from .ctf import CtfError, CtfFile, CtfPupil, check_destination
from .import_changes import (
    NEW_PUPIL_DEFAULTS,
    IdentityConflict,
    ImportCommitError,
    ImportOutcome,
    PupilChange,
    describe_changes,
    identity_changes,
)
from .models import Contact, CtfStageResult, Pupil

BATCH = 2000


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
        return describe_changes(self.changes)

    def described_conflicts(self) -> list[str]:
        return self.conflict.described() if self.conflict else []


def _ctf_values(pupil: CtfPupil, today: dt.date) -> dict[str, Any]:
    """The Pupil fields a CTF pupil sets; a value the file does not carry is left out (kept as it is).
    Pupil premium is set when the file shows FSM in the six years to ``today`` (Ever 6) or that the pupil
    is looked after (:mod:`pupils.premium`)."""
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
        # Ended periods only: an open one is "fsm" now, and would move the date on every day's import.
        ended = ((f.start_date, f.end_date) for f in pupil.fsm_history if f.end_date is not None)
        last = premium.fsm_last_recorded(ended, today)
        if last is not None:
            values["fsm_last_recorded"] = last
    basis = premium.pupil_premium_basis(
        fsm=values.get("fsm", False),
        fsm_last=values.get("fsm_last_recorded"),
        looked_after=values.get("looked_after", False),
        today=today,
    )
    if basis:
        values["pupil_premium"] = True  # derived (Ever 6 FSM, looked after); never cleared here
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
    identity = identity_changes(changes)
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
    today = timezone.localdate()
    for cp in ctf.pupils:
        name = f"{cp.preferred_forename or cp.forename} {cp.preferred_surname or cp.surname}"
        current = existing.get(cp.upn)
        values = _ctf_values(cp, today)
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
    today = timezone.localdate()
    to_create, to_update, fields = [], [], set[str]()
    refused: list[str] = []
    for cp in ctf.pupils:
        values = _ctf_values(cp, today)
        current = existing.get(cp.upn)
        if current is None:
            if cp.year_group is None:
                outcome.problems.append(f"{cp.upn}: the file gives no NC year, so the pupil was not added")
                continue
            merged = dict(NEW_PUPIL_DEFAULTS) | values
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
