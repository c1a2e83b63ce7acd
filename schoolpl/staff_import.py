"""Importing staff from the MIS's staff CSV: read, check every row, then commit all or nothing.

The file has a header row with (at least) Forename, Surname, Email and Role(s) columns; Title is read and
ignored. Several roles in a cell are separated by semicolons (or commas, or slashes), named as the product
names them ("Senior leader") or by their short names ("leader"). Every problem is reported by row and
column before anything is saved; a file with any problem imports nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from .models import School, StaffChange, User
from .roles import Role
from .spreadsheets import SpreadsheetError, bounded_rows
from .staff import STAFF_ROLES, record, staff_invite

MAX_ROWS = 2_000
MAX_COLUMNS = 40
MAX_BYTES = 2 * 1024 * 1024

#: The columns read, each with the headings an MIS export may give it (compared without case or spaces).
COLUMNS = {
    "title": ("title",),
    "first_name": ("forename", "firstname", "legalforename", "preferredforename", "givenname"),
    "last_name": ("surname", "lastname", "legalsurname", "preferredsurname", "familyname"),
    "email": ("email", "emailaddress", "workemail", "schoolemail"),
    "roles": ("role", "roles", "role(s)", "staffrole", "staffroles"),
}
REQUIRED = ("first_name", "last_name", "email", "roles")
LABELS = {"first_name": "Forename", "last_name": "Surname", "email": "Email", "roles": "Role(s)"}

_ROLE_NAMES = {
    **{r: r for r in STAFF_ROLES},
    **{str(Role(r).label).lower(): r for r in STAFF_ROLES},
    "tutor": Role.TUTOR,
    "form tutor": Role.TUTOR,
    "class teacher": Role.TEACHER,
    "headteacher": Role.LEADER,
    "head teacher": Role.LEADER,
    "deputy headteacher": Role.LEADER,
    "slt": Role.LEADER,
    "administrator": Role.ADMIN,
    "admin": Role.ADMIN,
}


class StaffImportError(ValueError):
    """The file as a whole cannot be read."""


@dataclass(frozen=True)
class RowError:
    row: int  # the file's row number, the header being row 1
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, column {self.column or '—'}: {self.message}"


@dataclass
class StaffRow:
    row: int
    first_name: str
    last_name: str
    email: str
    roles: list[str]
    existing: bool = False  # an account with this address already exists (it is reused)


@dataclass
class StaffImport:
    rows: list[StaffRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def can_commit(self) -> bool:
        return bool(self.rows) and not self.errors


def _key(heading: str) -> str:
    return re.sub(r"\s+", "", heading.strip().lower())


def read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a CSV upload (UTF-8, with or without a BOM, or Windows-1252)."""
    if len(data) > MAX_BYTES:
        raise StaffImportError("The file is larger than 2 MB: a staff list never is.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    try:
        rows = list(bounded_rows(csv.reader(io.StringIO(text)), max_rows=MAX_ROWS, max_columns=MAX_COLUMNS))
    except (SpreadsheetError, csv.Error) as exc:
        raise StaffImportError(str(exc)) from exc
    if not rows:
        raise StaffImportError("The file is empty.")
    return [str(h) for h in rows[0]], [[str(v) for v in row] for row in rows[1:]]


def _columns(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, heading in enumerate(headers):
        for name, names in COLUMNS.items():
            if _key(heading) in names and name not in found:
                found[name] = index
    return found


def parse_roles(value: str) -> tuple[list[str], list[str]]:
    """(roles, names not understood) of a Role(s) cell."""
    roles, unknown = [], []
    for part in re.split(r"[;,/|]", value):
        name = " ".join(part.split()).lower()
        if not name:
            continue
        role = _ROLE_NAMES.get(name)
        if role is None:
            unknown.append(part.strip())
        elif role not in roles:
            roles.append(str(role))
    return roles, unknown


def _cell(row: list, index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return str(row[index] or "").strip()


def _check_row(number: int, row: list, columns: dict[str, int], seen: dict[str, int]) -> tuple[StaffRow | None, list]:
    """One row as a ``StaffRow``, or its problems. Complexity: one check per column, each with its message."""
    headers = {name: LABELS[name] for name in REQUIRED}
    values = {name: _cell(row, columns.get(name)) for name in REQUIRED}
    errors = []
    for name in ("first_name", "last_name", "email", "roles"):
        if not values[name]:
            errors.append(RowError(number, headers[name], "", f"{headers[name]} is missing."))
    for name in ("first_name", "last_name"):
        if len(values[name]) > 150:
            errors.append(RowError(number, headers[name], values[name][:60], "Longer than 150 characters."))
    email = values["email"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(RowError(number, "Email", email, "Not an email address."))
        else:
            if email.lower() in seen:
                errors.append(RowError(number, "Email", email, f"The same address is on row {seen[email.lower()]}."))
            seen.setdefault(email.lower(), number)
    roles, unknown = parse_roles(values["roles"])
    if unknown:
        known = ", ".join(str(Role(r).label) for r in STAFF_ROLES)
        errors.append(
            RowError(number, "Role(s)", values["roles"], f"Not a staff role: {', '.join(unknown)} ({known}).")
        )
    if errors:
        return None, errors
    return StaffRow(number, values["first_name"], values["last_name"], email, roles), []


def check(data: bytes) -> StaffImport:
    """Read and check the whole file (one query, for the addresses that already have an account)."""
    result = StaffImport()
    try:
        headers, rows = read_csv(data)
    except StaffImportError as exc:
        result.errors.append(RowError(1, "", "", str(exc)))
        return result
    columns = _columns(headers)
    missing = [LABELS[name] for name in REQUIRED if name not in columns]
    if missing:
        result.errors.append(RowError(1, "", "", f"No column for {', '.join(missing)}: the headings are {headers}."))
        return result
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(str(v or "").strip() for v in row):
            continue
        staff_row, errors = _check_row(number, row, columns, seen)
        result.errors.extend(errors)
        if staff_row is not None:
            result.rows.append(staff_row)
    if not result.rows and not result.errors:
        result.errors.append(RowError(1, "", "", "The file has no staff rows under its headings."))
    known = {
        e.lower() for e in User.objects.filter(email__in=[r.email for r in result.rows]).values_list("email", flat=True)
    }
    for staff_row in result.rows:
        staff_row.existing = staff_row.email.lower() in known
    return result


@transaction.atomic
def commit(*, school: School, data: bytes, by: User | None, base_url: str) -> StaffImport:
    """Check the file again and import every row, or nothing: a row the database refuses rolls the whole
    import back and is reported like any other problem."""
    result = check(data)
    if not result.can_commit:
        return result
    savepoint = transaction.savepoint()
    for staff_row in result.rows:
        try:
            user, _ = staff_invite(
                school=school,
                by=by,
                email=staff_row.email,
                first_name=staff_row.first_name,
                last_name=staff_row.last_name,
                roles=staff_row.roles,
                base_url=base_url,
            )
        except ValidationError as exc:
            result.errors.extend(RowError(staff_row.row, "Email", staff_row.email, m) for m in exc.messages)
            continue
        detail = f"row {staff_row.row}: " + ", ".join(str(Role(r).label) for r in staff_row.roles)
        record(school=school, user=user, action=StaffChange.Action.IMPORTED, by=by, detail=detail)
    if result.errors:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return result
