"""Binary COPY in and out of PostgreSQL through numpy (``schoolpl.pgcopy``), and its cursor fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from schoolpl.pgcopy import parse_binary, read_binary_frame, write_binary

pytestmark = pytest.mark.django_db

FRAME = pd.DataFrame(
    {
        "n": np.array([3, -2, 2**40], dtype=np.int64),
        "x": [1.5, np.nan, -0.1],
        "word": ["ahead", "", "well_behind"],
        "flag": [True, False, True],
        "day": np.array(["2026-07-15", "1999-12-31", "2000-01-01"], dtype="datetime64[s]"),
    }
)
KINDS = {"n": "int8", "x": "float8", "word": "text", "flag": "bool", "day": "date"}


def test_write_binary_frames_rows_in_pgcopy_format():
    stream = write_binary(FRAME.drop(columns="day"), {k: v for k, v in KINDS.items() if k != "day"}).getvalue()
    assert stream.startswith(b"PGCOPY\n\xff\r\n\x00") and stream.endswith(b"\xff\xff")
    # three rows: a field count, then a length and the value for each of the four fields
    widths = {"ahead": 5, "": 0, "well_behind": 11}
    assert len(stream) == 19 + 2 + sum(2 + 4 * 4 + 8 + 8 + w + 1 for w in widths.values())


def test_a_round_trip_through_the_database_keeps_every_value():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE binary_round_trip "
            "(n bigint, x double precision, word varchar(12), flag boolean, day date)"
        )
        if connection.vendor == "postgresql":
            columns = ["n", "x", "word", "flag"]
            cursor.cursor.copy_expert(
                "COPY binary_round_trip (n, x, word, flag) FROM STDIN WITH (FORMAT binary)",
                write_binary(FRAME[columns], {c: KINDS[c] for c in columns}),
            )
            cursor.execute("UPDATE binary_round_trip SET day = DATE '2026-07-15' WHERE n = 3")
            cursor.execute("UPDATE binary_round_trip SET day = DATE '1999-12-31' WHERE n = -2")
            cursor.execute("UPDATE binary_round_trip SET day = DATE '2000-01-01' WHERE n > 3")
        else:
            cursor.executemany(
                "INSERT INTO binary_round_trip VALUES (%s, %s, %s, %s, %s)",
                [
                    (int(r.n), None if np.isnan(r.x) else r.x, r.word, r.flag, str(r.day.date()))
                    for r in FRAME.itertuples()
                ],
            )
    got = read_binary_frame(
        "SELECT n, COALESCE(x, 'NaN') AS x, flag, day FROM binary_round_trip WHERE n > %s ORDER BY n",
        [-5],
        {"n": "int8", "x": "float8", "flag": "bool", "day": "date"},
    )
    expected = FRAME.drop(columns="word").sort_values("n").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got["n"].dtype == np.int64 and got["flag"].dtype == bool and got["day"].dtype == "datetime64[s]"
    empty = read_binary_frame("SELECT n FROM binary_round_trip WHERE n > %s", [2**50], {"n": "int8"})
    assert empty.empty and empty["n"].dtype == np.int64


def test_a_null_in_a_fixed_width_column_is_refused_not_misread():
    header = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
    row = (2).to_bytes(2, "big") + (8).to_bytes(4, "big") + (7).to_bytes(8, "big")
    good = row + (8).to_bytes(4, "big") + np.array([2.5], dtype=">f8").tobytes()
    null = row + (-1).to_bytes(4, "big", signed=True)
    trailer = b"\xff\xff"
    frame = parse_binary(header + good + good + trailer, {"a": "int8", "b": "float8"})
    assert frame.to_dict("list") == {"a": [7, 7], "b": [2.5, 2.5]}
    with pytest.raises(ValueError, match="NULL"):
        parse_binary(header + good + null + good + null + trailer, {"a": "int8", "b": "float8"})
    with pytest.raises(ValueError, match="NULL"):
        parse_binary(header + null + good + null + good + trailer, {"a": "int8", "b": "float8"})


def test_a_binary_read_is_logged_as_one_query(django_assert_num_queries):
    """A COPY bypasses Django's cursor wrapper; it is still logged, so query budgets count it."""
    with django_assert_num_queries(1) as captured:
        frame = read_binary_frame("SELECT 7 AS a", [], {"a": "int8"})
    assert frame["a"].tolist() == [7]
    assert "SELECT" in captured.captured_queries[0]["sql"]
