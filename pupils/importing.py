"""Pupil lists exported from a school's MIS (SIMS, Arbor, Bromcom, …) as CSV or XLSX.

Three steps, none of which writes anything:

1. :func:`read_table` turns the uploaded bytes into ``(headers, rows)``; each row is a dict keyed by
   the file's header text. ``rows[i]`` is spreadsheet row ``i + 2`` (the header is row 1); blank rows
   inside the data are kept (and later skipped) so the numbering matches what the user sees.
2. :func:`default_mapping` proposes which column feeds which of :data:`FIELDS`; the user may change it.
3. :func:`validate_rows` checks every value of every row and returns an :class:`ImportResult`: the
   normalised records of the rows without problems, and every problem found, each with its row
   number and the column's header text.

Normalised values in a record (only the mapped fields are present):

* ``upn``: validated, upper case (:mod:`pupils.upn`);
* names and ``form``: stripped text of at most ``ImportField.max_length`` characters (names 100, form
  20, as the model); optional and blank: None;
* dates: :class:`datetime.date`; optional and blank: None;
* ``gender``: "M"/"F"; ``year_group``: int, -2 (N1) … 0 (R) … 13; ``sen_provision``: N/K/E (legacy
  A/P/S mapped); ``primary_need`` / ``ethnicity``: census codes; optional and blank: None;
* flags (``eal``, ``fsm``, ``pupil_premium``, ``looked_after``, ``gifted``): True/False, blank is
  False. When ``eal`` is mapped to a language column ("First Language", "Home Language") it is read
  from the language ("English"/"ENG"/"ENB": False, "Polish"/"POL"…: True) and is None when the
  language is blank, not obtained (NOT) or refused (REF).

Text that looks like a spreadsheet formula ("=…") is kept as text: nothing here evaluates it.

Pure module: no Django.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from schoolpl.spreadsheets import MAX_CELL_CHARS, SpreadsheetError, bounded_rows, column_letter, iter_xlsx_rows

from . import codes
from .upn import validate_upn

__all__ = [
    "FIELDS",
    "FIELD_NAMES",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "REQUIRED_FIELDS",
    "ImportField",
    "ImportFileError",
    "ImportResult",
    "RowError",
    "default_mapping",
    "parse_date",
    "parse_flag",
    "read_table",
    "validate_rows",
]

MAX_ROWS = 200_000  # a large trust's export is ~50,000 pupils
MAX_COLUMNS = 1_000
_LANGUAGE_MAX_LENGTH = 100


class ImportFileError(ValueError):
    """The file as a whole cannot be read. ``str(exc)`` is fit to show a user."""


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str
    required: bool
    kind: str  # upn | text | date | gender | year | sen | need | ethnicity | flag | eal
    aliases: tuple[str, ...] = ()  # header texts default_mapping recognises, best first
    max_length: int | None = None  # for text fields


FIELDS: tuple[ImportField, ...] = (
    ImportField("upn", "UPN", True, "upn", ("UPN", "Unique Pupil Number", "Pupil UPN")),
    ImportField(
        "legal_surname",
        "Legal surname",
        True,
        "text",
        ("Legal Surname", "Legal Last Name", "Surname", "Last Name", "Family Name"),
        max_length=100,
    ),
    ImportField(
        "legal_forename",
        "Legal forename",
        True,
        "text",
        ("Legal Forename", "Legal First Name", "Forename", "First Name", "Given Name"),
        max_length=100,
    ),
    ImportField(
        "preferred_surname",
        "Preferred surname",
        False,
        "text",
        ("Preferred Surname", "Preferred Last Name"),
        max_length=100,
    ),
    ImportField(
        "preferred_forename",
        "Preferred forename",
        False,
        "text",
        ("Preferred Forename", "Preferred First Name", "Preferred Name", "Known As"),
        max_length=100,
    ),
    ImportField("date_of_birth", "Date of birth", True, "date", ("DOB", "Date of Birth", "Birth Date")),
    ImportField("gender", "Gender", True, "gender", ("Gender", "Sex")),
    ImportField(
        "year_group",
        "Year group",
        True,
        "year",
        ("NC Year Actual", "Year Group", "Year", "NC Year", "Curriculum Year"),
    ),
    ImportField(
        "form",
        "Form",
        False,
        "text",
        ("Reg Group", "Registration Group", "Registration Form", "Reg", "Reg Grp", "Form", "Form Group", "Tutor Group"),
        max_length=20,
    ),
    ImportField(
        "admission_date",
        "Admission date",
        False,
        "date",
        ("Admission Date", "Date of Admission", "Entry Date"),
    ),
    ImportField("leaving_date", "Leaving date", False, "date", ("Leaving Date", "Date of Leaving", "Leave Date")),
    ImportField("sen_provision", "SEN provision", False, "sen", ("SEN Provision", "SEN Status", "SEN", "SEN Stage")),
    ImportField(
        "primary_need",
        "Primary need",
        False,
        "need",
        ("Primary Need", "SEN Primary Need", "Primary SEN Need"),
    ),
    ImportField(
        "eal",
        "EAL",
        False,
        "eal",
        ("EAL", "English as an Additional Language", "EAL Status", "First Language", "Home Language"),
    ),
    ImportField("fsm", "FSM", False, "flag", ("FSM", "FSM Eligible", "Free School Meals", "FSM Eligibility")),
    ImportField("pupil_premium", "Pupil premium", False, "flag", ("Pupil Premium", "PP", "PP Eligible")),
    ImportField(
        "looked_after",
        "Looked after",
        False,
        "flag",
        ("Looked After", "In Care", "CLA", "LAC", "Child Looked After", "Looked After Child"),
    ),
    ImportField("gifted", "Gifted and talented", False, "flag", ("Gifted and Talented", "G&T", "Gifted", "G and T")),
    ImportField("ethnicity", "Ethnicity", False, "ethnicity", ("Ethnicity", "Ethnic Code", "Ethnicity Code")),
)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
REQUIRED_FIELDS: frozenset[str] = frozenset(f.name for f in FIELDS if f.required)
_FIELDS_BY_NAME = {f.name: f for f in FIELDS}


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row, 1-based; the header is row 1 (file-level problems are reported there)
    column: str  # the file's header text ("" when no column is involved)
    field: str  # one of FIELD_NAMES ("" for a problem with the file as a whole)
    value: str  # the offending value as text ("" when blank)
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    records: list[dict[str, Any]] = field(default_factory=list)  # rows without problems, normalised
    errors: list[RowError] = field(default_factory=list)  # every problem, by row
    record_rows: list[int] = field(default_factory=list)  # spreadsheet row of each record

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------- reading the file


def _header_text(value: object, index: int) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or f"Column {column_letter(index)}"


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _to_table(raw_rows: Iterable[Sequence[object]]) -> tuple[list[str], list[dict[str, Any]]]:
    grid: list[list[object]] = []
    try:
        # Refuses as soon as a row, column or cell limit is crossed, not after the whole file is read.
        for row in bounded_rows(raw_rows, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS, max_cell_chars=MAX_CELL_CHARS):
            grid.append(row)
    except SpreadsheetError as exc:
        raise ImportFileError(str(exc)) from exc
    while grid and all(_is_blank(v) for v in grid[-1]):
        grid.pop()
    if not grid:
        raise ImportFileError("The file is empty: there is no header row.")
    width = max((max((i for i, v in enumerate(r) if not _is_blank(v)), default=-1) + 1 for r in grid), default=0)
    headers: list[str] = []
    seen: dict[str, int] = defaultdict(int)
    for index in range(width):
        text = _header_text(grid[0][index] if index < len(grid[0]) else None, index)
        seen[text] += 1
        headers.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    rows = [{h: (r[i] if i < len(r) else None) for i, h in enumerate(headers)} for r in grid[1:]]
    return headers, rows


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFileError("The file says it is UTF-16 but is not.") from exc
    # Excel on Windows saves "CSV" in cp1252; latin-1 reads any byte at all.
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _delimiter(text: str) -> str:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first_line = sample.split("\n", 1)[0]
        counts = {d: first_line.count(d) for d in ",;\t|"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _read_csv(data: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    text = _decode(data)
    if "\x00" in text:
        raise ImportFileError("The file contains NUL bytes: it is not a CSV file.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return _to_table(reader)
    except csv.Error as exc:
        raise ImportFileError(f"The CSV file could not be read (row {reader.line_num}): {exc}") from exc


def _read_xlsx(data: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    # Streamed with read-only openpyxl (defusedxml) after the zip itself is checked: see schoolpl.spreadsheets.
    try:
        return _to_table(iter_xlsx_rows(data, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS))
    except SpreadsheetError as exc:
        raise ImportFileError(str(exc)) from exc


def read_table(data: bytes, filename: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Read a CSV or XLSX upload (the first worksheet) into ``(headers, rows)``.

    Headers are the first row's text, whitespace-collapsed; a blank header becomes "Column F" and a
    repeated one "Surname (2)". Each row maps every header to the cell value: text for CSV; for XLSX
    whatever the cell holds (str, int, float, bool, datetime or None; formulas give their last
    computed value). Raises :class:`ImportFileError` for a file that cannot be read.
    """
    name = (filename or "").lower()
    if name.endswith((".xls", ".ods", ".numbers")):
        raise ImportFileError("Only .csv and .xlsx files can be read: save the file as .xlsx or .csv first.")
    if not data:
        raise ImportFileError("The file is empty.")
    if name.endswith((".xlsx", ".xlsm")) or (not name.endswith((".csv", ".txt", ".tsv")) and _is_zip(data)):
        return _read_xlsx(data)
    return _read_csv(data)


def _is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" and zipfile.is_zipfile(io.BytesIO(data))


# --------------------------------------------------------------------------- mapping


def _squash(text: object) -> str:
    return re.sub(r"[\W_]+", "", str(text)).casefold()


def default_mapping(headers: Iterable[str]) -> dict[str, str]:
    """``{field name: header}`` for the fields whose column is recognised (case, spaces and
    punctuation ignored: "Date of Birth", "DATE_OF_BIRTH" and "date-of-birth" are the same).
    Each field takes the first of its aliases present; a header serves at most one field."""
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(_squash(header), header)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for import_field in FIELDS:
        for alias in import_field.aliases:
            found = by_key.get(_squash(alias))
            if found is not None and found not in used:
                mapping[import_field.name] = found
                used.add(found)
                break
    return mapping


# --------------------------------------------------------------------------- values

_TIME_SUFFIX = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_PATTERNS = (
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME_SUFFIX), "dmy"),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME_SUFFIX), "ymd"),
    (re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})" + _TIME_SUFFIX), "dmy"),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME_SUFFIX), "dmy"),
)
_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, allowing for Excel's phantom 29/02/1900
_TRUE = frozenset({"y", "yes", "true", "t", "1"})
_FALSE = frozenset({"n", "no", "false", "f", "0"})


def parse_date(value: object) -> date:
    """A date from dd/mm/yyyy, yyyy-mm-dd, dd-mm-yyyy or dd.mm.yyyy (a time after it is ignored), a
    date or datetime, or an Excel serial day number. Raises ValueError; years must be 1900–2100."""
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466:
            raise ValueError(f"{value!r} is not a date")
        result = _EXCEL_EPOCH + timedelta(days=int(value))
    else:
        text = str(value).strip()
        for pattern, order in _DATE_PATTERNS:
            match = pattern.fullmatch(text)
            if match:
                first, second, third = (int(g) for g in match.groups())
                day, month, year = (first, second, third) if order == "dmy" else (third, second, first)
                try:
                    result = date(year, month, day)
                except ValueError:
                    raise ValueError(f"{text!r} is not a real date (use dd/mm/yyyy)") from None
                break
        else:
            if _TWO_DIGIT_YEAR.fullmatch(text):
                raise ValueError(f"{text!r} has a two-digit year: use dd/mm/yyyy")
            raise ValueError(f"{text!r} is not a date (use dd/mm/yyyy)")
    if not 1900 <= result.year <= 2100:
        raise ValueError(f"{result:%d/%m/%Y} is not a plausible date")
    return result


def parse_flag(value: object) -> bool:
    """Y/N, Yes/No, True/False, T/F, 1/0 (any case) or a spreadsheet boolean; blank is False."""
    if _is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    key = str(value).strip().casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"{str(value).strip()!r} is not yes or no (use Y or N)")


def _is_language_column(header: str) -> bool:
    """True for a column such as "First Language" that names a language to judge EAL by (but not
    "English as an Additional Language", which holds yes or no)."""
    key = _squash(header)
    return key.endswith("language") and "additional" not in key


def _language(value: object) -> bool | None:
    text = str(value).strip()
    if len(text) > _LANGUAGE_MAX_LENGTH or not re.search(r"[^\W\d_]", text):
        raise ValueError(f"{text!r} is not a language")
    return codes.eal_from_language(text)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _upn(value: object) -> str:
    return validate_upn(value if isinstance(value, str) else str(value))


_CONVERTERS: dict[str, Callable[[object], Any]] = {
    "upn": _upn,
    "text": _text,
    "date": parse_date,
    "gender": codes.normalise_gender,
    "year": codes.parse_year_group,
    "sen": codes.normalise_sen_provision,
    "need": codes.normalise_primary_need,
    "ethnicity": codes.normalise_ethnicity,
    "flag": parse_flag,
    "eal": parse_flag,
    "language": _language,  # "eal" read from a first-language column
}
_BLANK_OPTIONAL = {"flag": False, "eal": False}  # everything else (and a blank language): None


def _display(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- validation


def validate_rows(
    rows: Sequence[Mapping[str, Any]],
    mapping: Mapping[str, str | None],
    *,
    headers: Sequence[str] | None = None,
    today: date | None = None,
) -> ImportResult:
    """Check every mapped value of every row; see the module docstring for the normalised values.

    ``rows`` and ``headers`` are what :func:`read_table` returned (``headers`` defaults to the first
    row's keys); ``mapping`` is ``{field name: header}``. Reports, as :class:`RowError`, every
    problem: a required field with no column (once, on row 1), a mapped column missing from the file
    (once, row 1), an empty file, and in each row a missing required value, a bad UPN, an unknown
    code, an unreadable date, a date of birth in the future (after ``today``), a leaving date before
    the admission date, and a UPN used on more than one row (every such row is reported).
    Blank rows are skipped. Only rows without any problem become records, and none do when the
    mapping itself has a problem.
    """
    today = today or date.today()
    unknown = set(mapping) - set(FIELD_NAMES)
    if unknown:
        raise ValueError(f"unknown import fields: {', '.join(sorted(unknown))}")
    available = set(headers) if headers is not None else set(rows[0]) if rows else set()
    columns, errors = _mapped_columns(mapping, available)
    mapping_errors = bool(errors)
    result = ImportResult(errors=errors)
    upn_rows: dict[str, list[int]] = defaultdict(list)
    candidates: list[tuple[int, dict[str, Any]]] = []
    data_rows = 0
    for index, row in enumerate(rows):
        row_number = index + 2
        if all(_is_blank(v) for v in row.values()):
            continue
        data_rows += 1
        record, row_errors = _validate_row(row, row_number, columns, today)
        if record.get("upn"):
            upn_rows[record["upn"]].append(row_number)
        errors.extend(row_errors)
        if not row_errors:
            candidates.append((row_number, record))
    if not data_rows:
        errors.append(RowError(1, "", "", "", "the file has no pupil rows under the header"))
    duplicated = _report_duplicate_upns(upn_rows, columns.get("upn", ""), errors)

    field_order = {name: i for i, name in enumerate(FIELD_NAMES)}
    errors.sort(key=lambda e: (e.row, field_order.get(e.field, -1)))
    if mapping_errors:  # no row can be complete: every row lacks that field
        candidates = []
    for row_number, record in candidates:
        if row_number not in duplicated:
            result.records.append(record)
            result.record_rows.append(row_number)
    return result


def _mapped_columns(mapping: Mapping[str, str | None], available: set[str]) -> tuple[dict[str, str], list[RowError]]:
    """``{field name: header}`` for the fields whose chosen column is in the file, and an error (on row 1)
    for each required field with no column and each chosen column that is not there."""
    errors: list[RowError] = []
    columns: dict[str, str] = {}
    for import_field in FIELDS:
        header = mapping.get(import_field.name)
        if not header:
            if import_field.required:
                message = f"no column is chosen for {import_field.label}, which is required"
                errors.append(RowError(1, "", import_field.name, "", message))
        elif header not in available:
            message = f"the column {header!r} chosen for {import_field.label} is not in the file"
            errors.append(RowError(1, header, import_field.name, "", message))
        else:
            columns[import_field.name] = header
    return columns, errors


def _report_duplicate_upns(upn_rows: Mapping[str, list[int]], column: str, errors: list[RowError]) -> set[int]:
    """Add an error to every row whose UPN is on another row too; return those rows' numbers."""
    duplicated: set[int] = set()
    for upn, numbers in upn_rows.items():
        if len(numbers) < 2:
            continue
        for number in numbers:
            others = ", ".join(str(n) for n in numbers if n != number)
            errors.append(RowError(number, column, "upn", upn, f"UPN {upn} is also on row {others}"))
            duplicated.add(number)
    return duplicated


def _validate_row(
    row: Mapping[str, Any], row_number: int, columns: Mapping[str, str], today: date
) -> tuple[dict[str, Any], list[RowError]]:
    record: dict[str, Any] = {}
    errors: list[RowError] = []

    def error(name: str, value: object, message: str) -> None:
        errors.append(RowError(row_number, columns[name], name, _display(value), message))

    for name, header in columns.items():
        import_field = _FIELDS_BY_NAME[name]
        kind = import_field.kind
        if kind == "eal" and _is_language_column(header):
            kind = "language"
        raw = row.get(header)
        if _is_blank(raw):
            if import_field.required:
                error(name, raw, f"{import_field.label} is required")
            else:
                record[name] = _BLANK_OPTIONAL.get(kind)
            continue
        try:
            value = _CONVERTERS[kind](raw)
        except ValueError as exc:
            error(name, raw, str(exc))
            continue
        if import_field.max_length is not None and len(value) > import_field.max_length:
            error(name, raw, f"{import_field.label} is longer than {import_field.max_length} characters")
            continue
        record[name] = value

    dob = record.get("date_of_birth")
    if dob is not None and dob > today:
        error(
            "date_of_birth",
            row.get(columns["date_of_birth"]),
            f"date of birth {dob:%d/%m/%Y} is in the future",
        )
        del record["date_of_birth"]
    admitted, left = record.get("admission_date"), record.get("leaving_date")
    if admitted is not None and left is not None and left < admitted:
        error("leaving_date", row.get(columns["leaving_date"]), "leaving date is before the admission date")
    if admitted is not None and record.get("date_of_birth") is not None and admitted < record["date_of_birth"]:
        error("admission_date", row.get(columns["admission_date"]), "admission date is before the date of birth")
    # The model allows a primary need only with SEN support or a plan.
    if record.get("primary_need") and "sen_provision" in record and record["sen_provision"] in (None, "N"):
        error(
            "primary_need",
            row.get(columns["primary_need"]),
            "a primary need is given but the SEN provision is not K or E",
        )
    return record, errors
