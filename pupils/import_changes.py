"""What an import would change about a pupil on roll, as the import pages show it, and when a change is an
identity conflict for a person to resolve rather than an update (DESIGN §4 "Identity").

Shared by the spreadsheet import (:mod:`pupils.spreadsheet_import`) and the CTF import
(:mod:`pupils.ctf_import`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Field

from .codes import year_group_label
from .importing import FIELDS, RowError
from .models import Pupil

# Fields an import may set, and what a new pupil gets when the file does not say.
IMPORT_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.name != "upn")
NEW_PUPIL_DEFAULTS: dict[str, Any] = {
    "preferred_surname": "",
    "preferred_forename": "",
    "form": "",
    "admission_date": None,
    "leaving_date": None,
    "sen_provision": "N",
    "primary_need": "",
    "eal": False,
    "fsm": False,
    "fsm_last_recorded": None,
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


class ImportCommitError(ValueError):
    """The import could not be written; nothing was. ``errors`` lists the reasons."""

    def __init__(self, errors: Sequence[RowError | str]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


def describe_changes(changes: Mapping[str, tuple[Any, Any]]) -> list[str]:
    return [f"{field_label(f)}: {show_field(f, old)} → {show_field(f, new)}" for f, (old, new) in changes.items()]


@dataclass
class PupilChange:
    upn: str
    name: str
    changes: dict[str, tuple[Any, Any]]  # field -> (old, new)
    corrected: bool = False  # an identity correction the user confirmed

    def described(self) -> list[str]:
        return describe_changes(self.changes)


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
        return describe_changes(self.also)

    @property
    def key(self) -> str:
        """What a "yes, correct this record" tick posts: the row, the UPN and exactly these changes, so a tick
        given for one correction never confirms another."""
        return conflict_key(self.row, self.upn, self.changes)

    def described(self) -> list[str]:
        return describe_changes(self.changes)

    def reason(self) -> str:
        """The history row's change reason (at most 100 characters, the column's size); the row itself holds
        the before and after of each field."""
        text = "Identity correction confirmed at import: " + ", ".join(field_label(f).lower() for f in self.changes)
        return text[:100]


def conflict_key(row: int | None, upn: str, changes: Mapping[str, tuple[Any, Any]]) -> str:
    text = repr(sorted((f, show_value(old), show_value(new)) for f, (old, new) in changes.items()))
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{row or 'ctf'}-{upn}-{digest}"


def identity_changes(changes: Mapping[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """The changes that say the file describes another child (a name differing only in case or spacing does not)."""
    return {
        name: (old, new)
        for name, (old, new) in changes.items()
        if name in IDENTITY_FIELDS and not (name in _NAME_FIELDS and _same_name(old, new))
    }


def _same_name(a: Any, b: Any) -> bool:
    return " ".join(str(a or "").split()).casefold() == " ".join(str(b or "").split()).casefold()


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
    column = cast(Field, Pupil._meta.get_field(name))  # an imported field is one of the pupil's own columns
    return str(column.verbose_name).capitalize()


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
