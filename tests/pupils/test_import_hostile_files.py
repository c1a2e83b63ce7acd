"""Hostile spreadsheets (issue 20, finding 5): a wide sheet, one huge shared string, a zip bomb and a huge cell
are refused cleanly, quickly and without the memory a worker would die of."""

from __future__ import annotations

import io
import random
import resource
import time
import tracemalloc
import zipfile
from functools import cache

import openpyxl
import pytest
from django.urls import reverse

from pupils.importing import MAX_CELL_CHARS, ImportFileError, read_table
from pupils.models import Pupil

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SECONDS = 2.0
MEGABYTES = 200


def _template() -> bytes:
    """A small real workbook whose parts the tests replace (A1 holds the workbook's only shared string)."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["UPN", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _replace_parts(parts: dict) -> bytes:
    """The template with ``parts`` ({name: callable writing the part to a binary file}) written by hand, streamed,
    so a 100 MB part never exists in the test's memory: only its compressed bytes do."""
    source = zipfile.ZipFile(io.BytesIO(_template()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename not in parts:
                target.writestr(item, source.read(item.filename))
        for name, write in parts.items():
            with target.open(name, "w", force_zip64=True) as part:
                write(part)
    return buffer.getvalue()


@cache
def huge_shared_string_xlsx(megabytes: int = 100) -> bytes:
    def write(part):
        part.write(f'<?xml version="1.0" encoding="UTF-8"?><sst {MAIN} count="1" uniqueCount="1"><si><t>'.encode())
        chunk = b"A" * (1024 * 1024)
        for _ in range(megabytes):
            part.write(chunk)
        part.write(b"</t></si></sst>")

    return _replace_parts({"xl/sharedStrings.xml": write})


@cache
def wide_xlsx(rows: int = 5000, columns: int = 2000) -> bytes:
    """The reported sheet: 5,000 rows of 2,000 numbers, no dimension element (so nothing announces its size)."""

    def write(part):
        part.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {MAIN}><sheetData>'.encode())
        cells = b"".join(b"<c><v>%d</v></c>" % (i % 10) for i in range(columns))
        for number in range(1, rows + 1):
            part.write(b'<row r="%d">' % number + cells + b"</row>")
        part.write(b"</sheetData></worksheet>")

    return _replace_parts({"xl/worksheets/sheet1.xml": write})


@cache
def giant_inline_cell_xlsx(megabytes: int = 120) -> bytes:
    """One inline-string cell of 120 MB that compresses ~25:1 (each KB 64 random hex digits, then padding): under
    the part-size and ratio caps, so only the scan for a giant cell refuses it."""
    rng = random.Random(20)
    rows_head = b'<row r="1">' + _inline("A1", "UPN") + b'</row><row r="2"><c r="A2" t="inlineStr"><is><t>'

    def write(part):
        part.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {MAIN}><sheetData>'.encode() + rows_head)
        for _ in range(megabytes):
            part.write(b"".join(rng.randbytes(32).hex().encode() + b"A" * 960 for _ in range(1024)))
        part.write(b"</t></is></c></row></sheetData></worksheet>")

    return _replace_parts({"xl/worksheets/sheet1.xml": write})


def sheet_xlsx(rows_xml: bytes, dimension: str | None = None) -> bytes:
    def write(part):
        part.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {MAIN}>'.encode())
        if dimension:
            part.write(f'<dimension ref="{dimension}"/>'.encode())
        part.write(b"<sheetData>" + rows_xml + b"</sheetData></worksheet>")

    return _replace_parts({"xl/worksheets/sheet1.xml": write})


def _inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def refusal(data: bytes, name: str = "pupils.xlsx", *, memory: bool = False) -> tuple[str, float, float]:
    """Read ``data`` expecting a refusal: (message, seconds, MB). Timed on its own (tracemalloc slows every
    allocation); with ``memory`` read again under tracemalloc for the peak, also checked against the process's
    peak resident size."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as caught:
        read_table(data, name)
    seconds = time.perf_counter() - started
    megabytes = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024  # KB on Linux
    if memory:
        tracemalloc.start()
        try:
            with pytest.raises(ImportFileError):
                read_table(data, name)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        megabytes = max(megabytes, peak / 1024 / 1024)
    return str(caught.value), seconds, megabytes


def test_a_sheet_of_2000_columns_is_refused_at_once_without_reading_every_row():
    data = wide_xlsx()
    assert len(data) < 2 * 1024 * 1024
    message, seconds, megabytes = refusal(data, memory=True)
    assert "too large to read safely" in message or "more than 1,000 columns" in message
    assert seconds < SECONDS and megabytes < MEGABYTES


def test_a_wide_row_is_refused_as_soon_as_it_is_read():
    wide = b"".join(_inline(f"{openpyxl.utils.get_column_letter(i)}2", f"v{i}") for i in range(1, 1102))
    rows = b'<row r="1">' + _inline("A1", "UPN") + b"</row>" + b'<row r="2">' + wide + b"</row>"
    message, seconds, _ = refusal(sheet_xlsx(rows))
    assert "Row 2 has more than 1,000 columns" in message
    assert seconds < SECONDS


def test_a_sheet_whose_dimension_is_over_the_limits_is_refused_before_any_row_is_read():
    rows = b'<row r="1">' + _inline("A1", "UPN") + b"</row>"
    assert "more than 1,000 columns" in refusal(sheet_xlsx(rows, dimension="A1:BXX10"))[0]
    assert "more than 200,000 rows" in refusal(sheet_xlsx(rows, dimension="A1:C900000"))[0]


def test_a_jump_to_row_one_million_is_refused_at_the_row_limit():
    # openpyxl fills the gap with empty rows; the count stops at the limit, not at row 1,000,000.
    rows = b'<row r="1">' + _inline("A1", "UPN") + b'</row><row r="1000000">' + _inline("A1000000", "x") + b"</row>"
    assert "more than 200,000 rows" in refusal(sheet_xlsx(rows))[0]


def test_one_100_mb_shared_string_is_refused_before_openpyxl_reads_it():
    data = huge_shared_string_xlsx()
    assert len(data) < 1024 * 1024  # ~100 KB on disk, as reported
    message, seconds, megabytes = refusal(data, memory=True)
    assert "too large to read safely" in message
    assert seconds < SECONDS and megabytes < MEGABYTES


def test_one_giant_inline_cell_is_refused_before_the_parser_builds_it():
    data = giant_inline_cell_xlsx()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size < 200 * 1024 * 1024 and info.file_size < 100 * info.compress_size  # under both caps
    message, seconds, megabytes = refusal(data, memory=True)
    assert "holds a cell of megabytes" in message
    assert seconds < SECONDS and megabytes < MEGABYTES


def test_a_zip_bomb_part_is_refused_by_its_compression_ratio():
    data = huge_shared_string_xlsx(megabytes=20)  # under the size cap, but 20 MB from ~20 KB
    message, seconds, megabytes = refusal(data, memory=True)
    assert "compressed" in message and seconds < SECONDS and megabytes < MEGABYTES


def test_a_cell_over_the_size_limit_is_refused_with_its_row_and_column():
    long = "x" * (MAX_CELL_CHARS + 1)
    rows = b'<row r="1">' + _inline("A1", "UPN") + _inline("B1", "Surname") + b"</row>"
    rows += b'<row r="2">' + _inline("A2", "A") + _inline("B2", long) + b"</row>"
    message, _, _ = refusal(sheet_xlsx(rows))
    assert message == f"Row 2, column B holds more than {MAX_CELL_CHARS:,} characters, more than any import needs."


def test_a_csv_cell_over_the_size_limit_is_refused_too():
    data = ("UPN,Surname\nA," + "x" * (MAX_CELL_CHARS + 1) + "\n").encode()
    assert "Row 2, column B holds more than" in refusal(data, "pupils.csv")[0]


def test_a_wide_csv_row_is_refused():
    data = ("UPN\n" + ",".join(["x"] * 1001) + "\n").encode()
    assert "Row 2 has more than 1,000 columns" in refusal(data, "pupils.csv")[0]


@pytest.mark.django_db
def test_the_import_page_refuses_the_shared_string_file_cleanly(client_as, school_admin, school):
    upload = io.BytesIO(huge_shared_string_xlsx())
    upload.name = "pupils.xlsx"
    client = client_as(school_admin, school)
    client.get(reverse("pupils:import"))  # the first request's one-off costs are not the upload's
    started = time.perf_counter()
    response = client.post(reverse("pupils:import"), {"action": "upload", "file": upload})
    assert time.perf_counter() - started < SECONDS
    assert response.status_code == 200 and len(response.content) < 200_000
    assert "too large to read safely" in response.context["upload_form"].errors["file"][0]
    assert not Pupil.objects.exists()


@pytest.mark.django_db
def test_the_preview_truncates_long_cells(client_as, school_admin, school):
    long = "Z" * 900
    text = f"UPN,Surname,Forename,DOB,Gender,Year\nA123,{long},Amy,14/03/2013,F,6\n"
    upload = io.BytesIO(text.encode())
    upload.name = "pupils.csv"
    response = client_as(school_admin, school).post(reverse("pupils:import"), {"action": "upload", "file": upload})
    page = response.content.decode()
    assert long not in page  # neither in the preview nor in the list of problems
    assert "Z" * 40 + "…" in page


@pytest.mark.django_db
def test_the_preview_reads_reg_as_the_form_and_shows_reception_by_name(client_as, school_admin, school):
    """A SIMS-style export's "Reg" column is the form; a year group of "0" reads "Reception"."""
    text = "UPN,Surname,Forename,DOB,Gender,Year,Reg\nA123,Smith,Amy,14/03/2021,F,0,RB\n"
    upload = io.BytesIO(text.encode())
    upload.name = "pupils.csv"
    response = client_as(school_admin, school).post(reverse("pupils:import"), {"action": "upload", "file": upload})
    assert "Form" in response.context["columns"]
    cells = [cell["value"] for cell in response.context["preview"][0]["cells"]]
    assert "Reception" in cells and "RB" in cells and "0" not in cells
