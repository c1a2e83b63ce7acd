"""Writes to single pupils and their teaching groups: keyword-only, atomic, validating before saving, audited.

Imports live beside this module, one per kind of file, and are re-exported here so that callers keep one
entry point for every write to pupils:

- :mod:`pupils.import_changes` — what an import changes, shown to the user, and identity conflicts;
- :mod:`pupils.spreadsheet_import` — :func:`pupil_import_plan` and :func:`pupil_import_commit` (CSV/XLSX);
- :mod:`pupils.ctf_import` — :func:`ctf_preview` and :func:`pupil_import_ctf` (Common Transfer Files).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from schoolpl.history import changed_by

from .ctf_import import CtfPreviewRow, ctf_check_school, ctf_preview, pupil_import_ctf
from .import_changes import (
    IDENTITY_FIELDS,
    IMPORT_FIELDS,
    IdentityConflict,
    ImportCommitError,
    ImportOutcome,
    PupilChange,
    conflict_key,
    field_label,
    show_field,
    show_value,
)
from .models import GroupMembership, Pupil, TeachingGroup
from .spreadsheet_import import ImportPlan, pupil_import_commit, pupil_import_plan
from .upn import InvalidUPN, validate_upn

if TYPE_CHECKING:
    from schoolpl.models import User

__all__ = [
    "IDENTITY_FIELDS",
    "IMPORT_FIELDS",
    "CtfPreviewRow",
    "IdentityConflict",
    "ImportCommitError",
    "ImportOutcome",
    "ImportPlan",
    "PupilChange",
    "conflict_key",
    "ctf_check_school",
    "ctf_preview",
    "field_label",
    "group_membership_move",
    "pupil_archive",
    "pupil_import_commit",
    "pupil_import_ctf",
    "pupil_import_plan",
    "pupil_restore",
    "pupil_update",
    "show_field",
    "show_value",
]


@transaction.atomic
def pupil_update(*, pupil: Pupil, by: User | None = None, **fields) -> Pupil:
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
    changed_by(pupil, by)
    pupil.save()
    return pupil


@transaction.atomic
def pupil_archive(*, pupil: Pupil, by: User | None = None, leaving_date: dt.date) -> Pupil:
    """Record a leaver: set the leaving date and archive the pupil (never deleted; history stays).
    Their group memberships end on the leaving date."""
    if pupil.archived_at is not None:
        raise ValidationError("This pupil is already archived as a leaver.")
    if pupil.admission_date and leaving_date < pupil.admission_date:
        raise ValidationError({"leaving_date": "The leaving date is before the admission date."})
    pupil.leaving_date = leaving_date
    pupil.archived_at = timezone.now()
    changed_by(pupil, by)
    pupil.save()
    for membership in GroupMembership.objects.filter(pupil=pupil, end_date__isnull=True).select_related(None):
        membership.end_date = max(leaving_date, membership.start_date)
        changed_by(membership, by)
        membership.save()
    return pupil


@transaction.atomic
def pupil_restore(*, pupil: Pupil, by: User | None = None) -> Pupil:
    """Put an archived pupil back on roll (a leaver who returns); their history is untouched."""
    pupil.archived_at = None
    pupil.leaving_date = None
    changed_by(pupil, by)
    pupil.save()
    return pupil


@transaction.atomic
def group_membership_move(
    *, membership: GroupMembership, to_group: TeachingGroup, on: dt.date, by: User | None = None
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
    changed_by(membership, by)
    membership.save()
    new = GroupMembership(group=to_group, pupil_id=membership.pupil_id, start_date=on)
    changed_by(new, by)
    new.full_clean()
    new.save()
    return new
