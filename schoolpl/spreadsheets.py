"""Reading uploaded spreadsheets without letting one take a worker down.

A 577 KB XLSX of 5,000 rows × 2,000 columns, or a 107 KB one holding a single 100 MB shared string, is
a few clicks to make. So every upload is read in bounded steps, each refusing as soon as a limit is
crossed rather than after the whole file is in memory:

1. :func:`check_xlsx_archive` looks at the zip's directory before any XML is parsed: too many parts, a
   part (or the shared-strings part, which openpyxl loads whole) bigger than its cap, or a part that
   expands absurdly (a zip bomb) is refused. Python's zipfile never inflates a member beyond the size
   its directory declares (it stops there and fails the CRC check), so these declared sizes can be trusted.
   Then each worksheet is inflated in 1 MB chunks (not parsed) to refuse one giant cell before the XML
   parser would build it as a single string.
2. :func:`iter_xlsx_rows` streams the first worksheet with read-only openpyxl (which parses with
   defusedxml, so entity bombs and external entities are refused too) and refuses a sheet whose declared
   dimension is over the row or column limit before reading a row.
3. :func:`bounded_rows` checks each row as it is read, from an XLSX or a CSV alike: the row count, the
   width (a value past the last allowed column) and the length of every text cell.

Messages (``str(exc)`` of :class:`SpreadsheetError`) are fit to show a user. Pure module: no Django.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import cast

__all__ = [
    "MAX_CELL_CHARS",
    "SpreadsheetError",
    "bounded_rows",
    "check_xlsx_archive",
    "column_letter",
    "iter_xlsx_rows",
    "truncate",
]

MAX_CELL_CHARS = 1_000  # a name is at most 100; nothing in a pupil list or a mark sheet needs more
MAX_PARTS = 1_000
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024  # openpyxl holds every shared string in memory at once
MAX_PART_BYTES = 200 * 1024 * 1024  # worksheets are streamed; other parts are small in any real file
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_RATIO = 100  # real worksheet XML compresses ~15:1; a bomb compresses 1,000:1
_RATIO_FROM_BYTES = 1024 * 1024  # tiny parts may compress oddly without harm
SHARED_STRINGS = "xl/sharedStrings.xml"
_SCAN_CHUNK = 1024 * 1024  # a 1 MB stretch of a worksheet with fewer than two tags is one giant cell


class SpreadsheetError(ValueError):
    """The file cannot be read safely or at all. ``str(exc)`` is fit to show a user."""


def column_letter(index: int) -> str:
    """Spreadsheet column letters: "A" for 0, "Z" for 25, "AA" for 26."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def truncate(value: object, length: int = 60) -> str:
    """``value`` as text of at most ``length`` characters, cut with "…" (for previews and messages)."""
    text = "" if value is None else str(value)
    return text if len(text) <= length else text[: length - 1] + "…"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def check_xlsx_archive(data: bytes) -> None:
    """Refuse, from the zip directory alone, a workbook that would cost too much to parse."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise SpreadsheetError(f"The spreadsheet could not be opened ({type(exc).__name__}).") from exc
    with archive:
        infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise SpreadsheetError(f"The spreadsheet is too large to read safely: it has {len(infos):,} parts.")
    total = 0
    for info in infos:
        cap = MAX_SHARED_STRINGS_BYTES if info.filename == SHARED_STRINGS else MAX_PART_BYTES
        if info.file_size > cap:
            what = "its shared strings hold" if info.filename == SHARED_STRINGS else f"{info.filename} holds"
            raise SpreadsheetError(
                f"The spreadsheet is too large to read safely: {what} {_megabytes(info.file_size)} "
                f"(the limit is {_megabytes(cap)}). Save just the list as a new file and try again."
            )
        if info.file_size > _RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise SpreadsheetError(
                f"The spreadsheet is too large to read safely: {info.filename} is compressed {ratio:,} times "
                "over, which no real spreadsheet is."
            )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise SpreadsheetError(
            f"The spreadsheet is too large to read safely: it unpacks to {_megabytes(total)} "
            f"(the limit is {_megabytes(MAX_TOTAL_BYTES)})."
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in infos:
            if info.filename.startswith("xl/worksheets/") and info.file_size > _SCAN_CHUNK:
                _check_no_giant_text(archive, info)


def _check_no_giant_text(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a worksheet holding megabytes without a tag: one cell the parser would build whole in memory.
    Inflating costs a fraction of parsing, and counting "<" in a chunk is a C loop."""
    try:
        with archive.open(info) as part:
            while chunk := part.read(_SCAN_CHUNK):
                if len(chunk) == _SCAN_CHUNK and chunk.count(b"<") < 2:
                    raise SpreadsheetError(
                        f"The spreadsheet is too large to read safely: {info.filename} holds a cell of megabytes."
                    )
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:  # damaged or exotic zips
        raise SpreadsheetError(f"The spreadsheet could not be opened ({type(exc).__name__}).") from exc


def iter_xlsx_rows(data: bytes, *, max_rows: int, max_columns: int) -> Iterator[tuple]:
    """The first worksheet's rows as tuples of values, streamed (read-only openpyxl); the caller bounds
    each row with :func:`bounded_rows`. Checks the archive first (:func:`check_xlsx_archive`)."""
    check_xlsx_archive(data)
    import openpyxl  # parses with defusedxml, which is installed (see pupils' tests)

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # a damaged upload can fail in many ways inside openpyxl/zipfile
        raise SpreadsheetError(f"The spreadsheet could not be opened ({type(exc).__name__}).") from exc
    try:
        if not workbook.worksheets:
            raise SpreadsheetError("The spreadsheet has no worksheet.")
        sheet = workbook.worksheets[0]
        # The sheet's own <dimension>, when it has one: refuse before reading a single row.
        declared_rows, declared_columns = sheet.max_row, sheet.max_column
        if declared_columns is not None and declared_columns > max_columns:
            raise SpreadsheetError(f"The file has more than {max_columns:,} columns.")
        if declared_rows is not None and declared_rows > max_rows + 1:
            raise SpreadsheetError(f"The file has more than {max_rows:,} rows.")
        yield from sheet.iter_rows(values_only=True)
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise SpreadsheetError(f"The spreadsheet could not be read ({type(exc).__name__}).") from exc
    finally:
        workbook.close()


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def bounded_rows(
    raw_rows: Iterable[Sequence[object]],
    *,
    max_rows: int,
    max_columns: int,
    max_cell_chars: int = MAX_CELL_CHARS,
) -> Iterator[list[object]]:
    """Each row of ``raw_rows`` (the header first) as a list, refusing as soon as there are more than
    ``max_rows`` rows under the header, a row has a value past column ``max_columns`` (trailing blanks
    are dropped), or a text cell is longer than ``max_cell_chars``."""
    for number, raw in enumerate(raw_rows, start=1):
        if number > max_rows + 1:
            raise SpreadsheetError(f"The file has more than {max_rows:,} rows.")
        if not raw:  # openpyxl fills a gap in the row numbers with empty rows
            yield []
            continue
        row = list(raw)
        if len(row) > max_columns:
            if any(not _is_blank(v) for v in row[max_columns:]):
                raise SpreadsheetError(f"Row {number} has more than {max_columns:,} columns.")
            del row[max_columns:]
        try:  # a CSV row is all text: measured in C (anything else has no len: TypeError)
            if max(map(len, cast("list[str]", row)), default=0) <= max_cell_chars:
                yield row
                continue
        except TypeError:  # an XLSX row holds numbers and dates too
            pass
        for index, value in enumerate(row):
            if isinstance(value, str) and len(value) > max_cell_chars:
                raise SpreadsheetError(
                    f"Row {number}, column {column_letter(index)} holds more than {max_cell_chars:,} characters, "
                    "more than any import needs."
                )
        yield row
