"""``schoolpl.pgcopy``'s text path (COPY text format in, with the multi-row INSERT fallback elsewhere) and the
school calendar helper. The binary path is tested in ``tests/targets/test_binary_copy.py``."""

from __future__ import annotations

import datetime as dt

import pytest

from schoolpl.calendar import academic_year_start
from schoolpl.models import AcademicYear
from schoolpl.pgcopy import insert_rows, text_value, write_text
from tests.schoolpl.factories import SchoolFactory


def test_text_values_are_escaped_as_copy_text_format_wants():
    assert text_value("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert text_value(None) == "\\N"
    assert (text_value(True), text_value(False)) == ("t", "f")
    assert text_value(dt.date(2026, 7, 15)) == "2026-07-15"
    assert text_value(dt.datetime(2026, 7, 15, 9, 30, tzinfo=dt.UTC)) == "2026-07-15T09:30:00+00:00"
    assert text_value(27.5) == "27.5"


def test_write_text_gives_one_tab_separated_line_per_row_in_the_columns_order():
    stream = write_text([{"a": 1, "b": "x\ty"}, {"a": None, "b": ""}], ["b", "a"])
    assert stream.read() == "x\\ty\t1\n\t\\N\n"


@pytest.mark.django_db
def test_insert_rows_writes_every_row_and_returns_the_ids_in_order():
    school = SchoolFactory()
    rows = [
        {
            "school_id": school.pk,
            "name": name,
            "start_date": dt.date(start, 9, 1),
            "end_date": dt.date(start + 1, 8, 31),
        }
        for start, name in ((2023, "2023/24\tA"), (2024, "back\\slash"), (2025, "2025/26"))
    ]
    ids = insert_rows(AcademicYear, rows, returning="id")
    assert len(ids) == 3 and len(set(ids)) == 3
    stored = {y.pk: (y.name, y.start_date, y.end_date) for y in AcademicYear.objects.filter(pk__in=ids)}
    assert [stored[pk] for pk in ids] == [(r["name"], r["start_date"], r["end_date"]) for r in rows]
    assert insert_rows(AcademicYear, [rows[0] | {"name": "again"}]) == []  # nothing asked back


def test_the_academic_year_starts_in_september():
    assert academic_year_start(dt.date(2026, 8, 31)) == 2025
    assert academic_year_start(dt.date(2026, 9, 1)) == 2026
    assert academic_year_start(dt.date(2027, 1, 5)) == 2026
