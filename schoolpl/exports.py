"""CSV and XLSX downloads for every table.

User text is written as text: a cell starting with = + - @, a tab, a carriage return or NUL is prefixed
with an apostrophe so a spreadsheet never runs it as a formula (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.http import HttpResponse
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Font

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\x00")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """Neutralise formula-looking text; numbers, dates and booleans pass through unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | date | datetime):
        return value
    text = str(value).replace("\x00", "")
    if text.startswith(_DANGEROUS) or (str(value).startswith("\x00")):
        return "'" + text
    return text


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM so Excel reads UTF-8 names correctly


_SHEET_TITLE_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")


def sheet_title(title: str) -> str:
    """A title Excel accepts: without []:*?/\\, at most 31 characters and no apostrophe at either end
    ("2025/26" becomes "202526"); openpyxl raises on the rest, which was a 500."""
    cleaned = " ".join(title.translate(_SHEET_TITLE_FORBIDDEN).split())[:31].strip(" '")
    return cleaned or "Export"


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence], title: str = "Export") -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = sheet_title(title)
    sheet.append([safe_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value):
    value = safe_cell(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def table_response(fmt: str, name: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A download of ``rows`` as ``fmt`` ("csv" or "xlsx") named after ``name`` and today's date."""
    filename = f"{slugify(name) or 'export'}-{date.today().isoformat()}"
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(headers, rows, title=name), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    elif fmt == "csv":
        response = HttpResponse(csv_bytes(headers, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    else:
        from django.http import Http404

        raise Http404("Unknown export format.")
    return response
