"""PostgreSQL COPY, in and out, text and binary — the one place the product talks COPY.

Bulk jobs (imports, the trajectory recompute, the dashboards' trend frames, the bench) move rows by COPY
because it is several times faster than INSERTs or ``fetchall`` (DESIGN §7). Every helper here runs on
Django's default connection and has a fallback for other databases (SQLite in development and tests), so a
caller never branches on the vendor itself:

=========================  =========================================  ===========================================
helper                     PostgreSQL                                 elsewhere
=========================  =========================================  ===========================================
:func:`read_binary_frame`  ``COPY (SELECT …) TO STDOUT (binary)``,     the query fetched through the cursor,
                           parsed by numpy into a DataFrame            typed the same way
:func:`copy_binary_in`     ``COPY table FROM STDIN (binary)`` of a     none: the caller writes with the ORM
                           DataFrame (:func:`write_binary`)
:func:`insert_rows`        ``COPY table FROM STDIN`` (text format) of  multi-row INSERTs (``RETURNING`` the ids)
                           dicts, ids drawn from the sequence first
:func:`run_copy`           any ``COPY … TO STDOUT / FROM STDIN``       PostgreSQL only
=========================  =========================================  ===========================================

Binary format: a fixed header, then per row a field count and, per field, a length and the big-endian value;
for fixed-width, non-null columns every row has the same layout, so numpy reads or writes a whole table in
one step instead of formatting and parsing text. Text format: one line per row, tab-separated, ``\\N`` for
NULL, backslash escapes (:func:`text_value`).

Every COPY is logged like a query (:func:`run_copy`): it counts in ``django_assert_max_num_queries`` and the
debug toolbar as what it is, one statement.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def run_copy(sql: str, stream) -> None:
    """Run a ``COPY … TO STDOUT`` / ``FROM STDIN`` with ``stream`` on the default connection, logged like any
    query: it counts in ``django_assert_max_num_queries`` and the debug toolbar as what it is, one statement."""
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(sql, stream)
    finally:
        if connection.queries_logged:
            connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


# ------------------------------------------------------------------------------------------------
# Binary COPY ↔ numpy / pandas
# ------------------------------------------------------------------------------------------------

_PGCOPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_PGCOPY_HEADER = _PGCOPY_SIGNATURE + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_PGCOPY_TRAILER = (-1).to_bytes(2, "big", signed=True)
#: column kind → (PostgreSQL type, big-endian numpy type, native numpy type)
BINARY_KINDS: dict[str, tuple[str, str, npt.DTypeLike]] = {
    "int2": ("smallint", ">i2", np.int16),
    "int4": ("integer", ">i4", np.int32),
    "int8": ("bigint", ">i8", np.int64),
    "float8": ("double precision", ">f8", np.float64),
    "bool": ("boolean", "?", np.bool_),
    "timestamptz": ("timestamptz", ">i8", np.int64),  # microseconds since 2000-01-01 UTC
    "date": ("date", ">i4", "datetime64[s]"),  # days since 2000-01-01, read as datetime64
}
_PG_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")
_PG_EPOCH_DAYS = int(np.datetime64("2000-01-01", "D").astype(np.int64))


def _row_dtype(fields: Sequence[tuple[str, str]]) -> np.dtype:
    layout = [("_n", ">i2")]
    for name, big in fields:
        layout.append((f"_len_{name}", ">i4"))
        if big != "S0":  # an empty string is a length and no bytes
            layout.append((name, big))
    return np.dtype(layout)


def read_binary_frame(sql: str, params: Sequence, columns: dict[str, str]) -> pd.DataFrame:
    """Run ``sql`` and return its rows as a DataFrame, for numeric columns only: ``columns`` maps each output
    column, in order, to a kind of :data:`BINARY_KINDS` (the query's values are cast to it; NULLs are not
    allowed — coalesce them in the query). PostgreSQL streams binary COPY straight into numpy; elsewhere the
    rows are fetched through the cursor."""
    names = list(columns)
    if not is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            rows = cursor.fetchall()
        if not rows:
            return empty_frame(columns)
        frame = pd.DataFrame.from_records(rows, columns=names)
        for n, k in columns.items():
            values = pd.to_datetime(frame[n]) if k == "date" else frame[n]
            frame[n] = values.to_numpy().astype(BINARY_KINDS[k][2])
        return frame
    with connection.cursor() as cursor:
        query = cursor.cursor.mogrify(sql, list(params)).decode()
    casts = ", ".join(f"q.{n}::{BINARY_KINDS[k][0]}" for n, k in columns.items())
    buffer = io.BytesIO()
    run_copy(f"COPY (SELECT {casts} FROM ({query}) q) TO STDOUT WITH (FORMAT binary)", buffer)  # noqa: S608 - mogrified
    return parse_binary(buffer.getvalue(), columns)


def parse_binary(data: bytes, columns: dict[str, str]) -> pd.DataFrame:
    """A binary COPY stream of fixed-width, non-null ``columns`` as a DataFrame (ValueError otherwise)."""
    names = list(columns)
    if not data.startswith(_PGCOPY_SIGNATURE):
        raise ValueError("not a PostgreSQL binary COPY stream")
    start = 19 + int.from_bytes(data[15:19], "big")
    dtype = _row_dtype([(n, BINARY_KINDS[k][1]) for n, k in columns.items()])
    body = len(data) - start - len(_PGCOPY_TRAILER)
    if body % dtype.itemsize:
        raise ValueError(f"binary COPY: rows are not {dtype.itemsize} bytes wide (a NULL in {', '.join(names)}?)")
    rows = np.frombuffer(data, dtype=dtype, count=body // dtype.itemsize, offset=start)
    for n, k in columns.items():
        if len(rows) and (rows[f"_len_{n}"] != np.dtype(BINARY_KINDS[k][1]).itemsize).any():
            raise ValueError(f"binary COPY: column {n} has NULLs")
    return pd.DataFrame({n: _native(rows[n], k) for n, k in columns.items()})


def _native(values: np.ndarray, kind: str) -> np.ndarray:
    if kind == "date":
        return (values.astype(np.int64) + _PG_EPOCH_DAYS).astype("datetime64[D]").astype("datetime64[s]")
    return values.astype(BINARY_KINDS[kind][2])


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """No rows, with ``columns`` (name → a kind of :data:`BINARY_KINDS`) typed as read_binary_frame types them."""
    return pd.DataFrame({n: np.array([], dtype=BINARY_KINDS[k][2]) for n, k in columns.items()})


def write_binary(frame: pd.DataFrame, columns: dict[str, str]) -> io.BytesIO:
    """``frame``'s ``columns`` (name → a kind of :data:`BINARY_KINDS`, or ``"text"``) as a binary COPY stream
    for ``COPY … FROM STDIN WITH (FORMAT binary)``. Text columns make rows of different widths, so rows are
    written in runs of equal width (row order is not kept across runs — a table has no order). Timestamps are
    given as ``datetime64`` values."""
    text = [n for n, k in columns.items() if k == "text"]
    encoded, widths = {}, pd.DataFrame(index=range(len(frame)))
    for n in text:  # a few distinct values (statuses, codes): each is encoded once, then taken by its code
        codes, uniques = pd.factorize(frame[n].astype(str), use_na_sentinel=False)
        values = np.array([u.encode("utf-8") for u in uniques], dtype=object)
        encoded[n] = values[codes]
        widths[n] = np.array([len(v) for v in values], dtype=np.int64)[codes]
    groups = widths.groupby(text, sort=False).indices.items() if text else [((), np.arange(len(frame)))]
    chunks = [_PGCOPY_HEADER]
    for key, positions in groups:
        key = key if isinstance(key, tuple) else (key,)
        width = dict(zip(text, key, strict=True))
        chunks.append(_binary_rows(frame, columns, width, encoded, positions))
    chunks.append(_PGCOPY_TRAILER)
    return io.BytesIO(b"".join(chunks))


def _binary_rows(frame: pd.DataFrame, columns: dict[str, str], width: dict, encoded: dict, positions) -> bytes:
    """The rows at ``positions`` (whose text columns have the byte ``width``\\s given) in binary COPY layout."""
    fields = [(n, f"S{width[n]}" if k == "text" else BINARY_KINDS[k][1]) for n, k in columns.items()]
    rows = np.empty(len(positions), dtype=_row_dtype(fields))
    rows["_n"] = len(columns)
    for n, k in columns.items():
        rows[f"_len_{n}"] = width[n] if k == "text" else np.dtype(BINARY_KINDS[k][1]).itemsize
        if k == "text":
            if width[n]:
                rows[n] = encoded[n][positions]
        elif k == "timestamptz":
            values = frame[n].to_numpy(dtype="datetime64[us]")[positions]
            rows[n] = (values - _PG_EPOCH).astype(np.int64)
        else:
            rows[n] = frame[n].to_numpy()[positions]
    return rows.tobytes()


def copy_binary_in(table: str, frame: pd.DataFrame, columns: dict[str, str]) -> None:
    """Append ``frame``'s ``columns`` (see :func:`write_binary`) to ``table`` by binary COPY (PostgreSQL only:
    elsewhere the caller writes through the ORM). ``table`` and the column names come from code, never from
    input."""
    run_copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT binary)", write_binary(frame, columns))


# ------------------------------------------------------------------------------------------------
# Text COPY in, with an INSERT fallback
# ------------------------------------------------------------------------------------------------

_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text_value(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if type(value) is str:
        return value.translate(_TEXT_ESCAPES)
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).translate(_TEXT_ESCAPES)


def write_text(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> io.StringIO:
    """``rows`` (dicts) as a COPY text stream of the columns ``names``, in that order."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(text_value(row[name]) for name in names))
        buffer.write("\n")
    buffer.seek(0)
    return buffer


def insert_rows(model, rows: Sequence[dict[str, Any]], returning: str | None = None) -> list:
    """Write ``rows`` (dicts keyed by attname, all with the same keys) into ``model``'s table without a model
    instance per row: text COPY on PostgreSQL (ids drawn from the table's sequence first), multi-row INSERTs
    elsewhere. Returns the ``returning`` column ("id") of each row, in order (empty without ``returning``)."""
    with connection.cursor() as cursor:
        if is_postgres() and hasattr(cursor, "copy_expert"):
            return _copy_rows(cursor, model, rows, returning)
        return _insert_values(cursor, model, rows, returning)


def _copy_rows(cursor, model, rows, returning: str | None) -> list:
    table = model._meta.db_table
    ids: list = []
    if returning:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, returning, len(rows)]
        )
        ids = [r[0] for r in cursor.fetchall()]
        rows = [row | {returning: pk} for row, pk in zip(rows, ids, strict=True)]
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    cursor.copy_expert(f"COPY {quote(table)} ({columns}) FROM STDIN", write_text(rows, [f.attname for f in fields]))
    return ids


def _adapter(model_field):
    ops = connection.ops
    kind = model_field.get_internal_type()
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DateField":
        return ops.adapt_datefield_value
    return None


def _insert_values(cursor, model, rows, returning: str | None) -> list:
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    adapters = [(f.attname, _adapter(f)) for f in fields]
    quote = connection.ops.quote_name
    per_batch = max(1, min(2000, 30000 // len(fields)))  # under SQLite's and PostgreSQL's parameter limits
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "  # noqa: S608 - names from the model, values are parameters
    tail = f" RETURNING {quote(returning)}" if returning else ""
    found: list = []
    for start in range(0, len(rows), per_batch):
        batch = rows[start : start + per_batch]
        params = [adapt(row[name]) if adapt else row[name] for row in batch for name, adapt in adapters]
        cursor.execute(head + ", ".join([row_sql] * len(batch)) + tail, params)
        if returning:
            found.extend(r[0] for r in cursor.fetchall())
    return found
