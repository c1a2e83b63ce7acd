"""The stored side of the recompute: reading ProgressStatus rows back as frames, comparing them with a fresh
result, and writing what changed; and the per-school fingerprint (RecomputeState) a full run leaves behind.

Statuses travel as small integer codes (their index in ``trajectory.STATUSES``, which is also their severity)
so that frames stay numeric and binary COPY can read them; :data:`STATUS_NAMES` turns codes back into the
stored text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from schoolpl.pgcopy import copy_binary_in, is_postgres, read_binary_frame

from .. import trajectory
from ..models import ProgressStatus, RecomputeState
from ..selectors import in_clause

#: A status row's identity, and a series' (one pupil in one subject).
KEYS = ["pupil_id", "subject_id", "window_id"]
PAIR = ["pupil_id", "subject_id"]
#: status → its code in ``trajectory.STATUSES`` order (codes are also the severity), as SQL.
STATUS_CODE_SQL = "CASE status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(trajectory.STATUSES)) + " END"
STATUS_NAMES = np.array(trajectory.STATUSES, dtype=object)

#: The columns a stored row is read back with (``is_latest`` and ``series`` are added where needed).
STORED_COLUMNS = {
    "id": "int8",
    "school_id": "int8",
    "pupil_id": "int8",
    "subject_id": "int8",
    "window_id": "int8",
    "expected": "float8",
    "actual": "float8",
    "status": "int2",
    "since_window_id": "int8",
}


def read_latest_rows(school_ids: Sequence[int]) -> pd.DataFrame:
    """The stored latest row of every pupil × subject of the schools (with its series fingerprint)."""
    school_in, school_params = in_clause("school_id", school_ids)
    latest = read_binary_frame(
        f"SELECT id, school_id, pupil_id, subject_id, window_id, expected, actual, {STATUS_CODE_SQL} AS status, "  # noqa: S608
        f"since_window_id, series FROM {ProgressStatus._meta.db_table} WHERE is_latest{school_in}",
        school_params,
        {**STORED_COLUMNS, "series": "int8"},
    )
    latest["is_latest"] = True
    return latest


def read_stored_rows(school_ids: Sequence[int], pupil_ids: Collection[int] | None) -> pd.DataFrame:
    """Every stored row of the schools (or of ``pupil_ids`` only), with ``is_latest`` and ``series``."""
    where, params = in_clause("pupil_id", pupil_ids)
    school_in, school_params = in_clause("school_id", school_ids)
    return read_binary_frame(
        f"SELECT id, school_id, pupil_id, subject_id, window_id, expected, actual, {STATUS_CODE_SQL} AS status, "  # noqa: S608
        f"since_window_id, is_latest, series FROM {ProgressStatus._meta.db_table} WHERE TRUE{school_in}{where}",
        [*school_params, *params],
        {**STORED_COLUMNS, "is_latest": "bool", "series": "int8"},
    )


def compare_rows(new: pd.DataFrame, old: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Rows to write (new or changed), the ids of the stored rows they replace, and the ids of stored rows no
    longer produced (stale). Rows are matched on their key by position, so 64-bit values stay exact."""
    none = np.array([], dtype=np.int64)
    if old.empty:
        return new, none, none
    position = pd.MultiIndex.from_frame(old[KEYS]).get_indexer(pd.MultiIndex.from_frame(new[KEYS]))
    found = position >= 0
    at = np.where(found, position, 0)

    def moved(column: str) -> np.ndarray:
        ours, theirs = new[column].to_numpy(), old[column].to_numpy()[at]
        if column in ("expected", "actual"):
            return ~np.isclose(ours, theirs, atol=1e-9)
        return ours != theirs

    changed = ~found
    for column in ("expected", "actual", "status", "since_window_id", "is_latest", "series"):
        changed |= moved(column)
    kept = np.zeros(len(old), dtype=bool)
    kept[position[found]] = True
    ids = old["id"].to_numpy(dtype=np.int64)
    return new[changed], ids[position[changed & found]], ids[~kept]


#: The columns a row is written with, as :func:`schoolpl.pgcopy.write_binary` kinds.
WRITTEN_COLUMNS = {
    "school_id": "int8",
    "pupil_id": "int8",
    "subject_id": "int8",
    "window_id": "int8",
    "expected": "float8",
    "actual": "float8",
    "status": "text",
    "since_window_id": "int8",
    "is_latest": "bool",
    "series": "int8",
    "computed_at": "timestamptz",
}


def write_rows(rows: pd.DataFrame, remove: np.ndarray) -> None:
    """Delete the stored rows ``remove`` (stale, or replaced by ``rows``), then insert ``rows``. A status
    that changes is replaced rather than updated — an update writes a new row version and every index entry
    anyway, and costs four times a fresh insert — so its identity is (pupil, subject, window), not its id.
    Nothing else can insert these keys meanwhile: every writer holds the schools' locks. On PostgreSQL the
    rows go in by binary COPY."""
    table = ProgressStatus._meta.db_table
    if len(remove):
        if is_postgres():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [remove.tolist()])  # noqa: S608
        else:
            ids = remove.tolist()
            for start in range(0, len(ids), 500):
                ProgressStatus.objects.filter(pk__in=ids[start : start + 500]).delete()
    if rows.empty:
        return
    # A window's rows go in together (as they do in a school's life: a term's judgements are recomputed the
    # night after they are entered), so they share heap pages: re-marking a window later rewrites those pages
    # only, not one row on every page of the school's history.
    rows = rows.sort_values(["school_id", "window_id", "pupil_id", "subject_id"])
    now = timezone.now()
    if is_postgres():
        payload = rows.assign(
            status=STATUS_NAMES[rows["status"].to_numpy()],
            computed_at=np.datetime64(now.astimezone(dt.UTC).replace(tzinfo=None), "us"),
        )
        copy_binary_in(table, payload, WRITTEN_COLUMNS)
        return
    ProgressStatus.objects.bulk_create(
        [
            ProgressStatus(
                school_id=int(r.school_id),
                pupil_id=int(r.pupil_id),
                subject_id=int(r.subject_id),
                window_id=int(r.window_id),
                expected=float(r.expected),
                actual=float(r.actual),
                status=STATUS_NAMES[int(r.status)],
                since_window_id=int(r.since_window_id),
                is_latest=bool(r.is_latest),
                series=int(r.series),
                computed_at=now,
            )
            for r in rows.itertuples(index=False)
        ],
        batch_size=500,
    )


def stored_fingerprints(school_ids: Sequence[int]) -> dict[int, tuple[str, int, int]]:
    """school → (school fingerprint, rows, latest rows) its last full run stored. The fingerprint is kept in
    ``RecomputeState.digest`` (the column's name; it is not the weekly e-mail digest)."""
    return {
        school_id: (fingerprint, rows, n)
        for school_id, fingerprint, rows, n in RecomputeState.objects.filter(school_id__in=school_ids)
        .exclude(digest="")
        .values_list("school_id", "digest", "rows", "latest")
    }


def latest_row_counts(school_ids: Sequence[int]) -> dict[int, int]:
    """school → how many latest rows its table holds (read from the small partial index). Only the recompute
    writes ProgressStatus — the admin is read-only — and anything that deletes statuses wholesale shows here:
    a school whose fingerprint matches is left alone only while its table still holds that many rows."""
    if not school_ids:
        return {}
    return dict(
        ProgressStatus.objects.filter(school_id__in=school_ids, is_latest=True)
        .order_by()
        .values_list("school_id")
        .annotate(n=Count("*"))
        .values_list("school_id", "n")
    )


def forget_fingerprint(school_id: int) -> None:
    """After an incremental run: the stored fingerprint no longer describes the school's rows."""
    RecomputeState.objects.filter(school_id=school_id).update(digest="")


def delete_school_rows(school_ids: Sequence[int]) -> None:
    """Every stored status of the schools (before a first run, which writes without reading back)."""
    ProgressStatus.objects.filter(school_id__in=school_ids).delete()


def store_fingerprints(states: dict[int, tuple[str, int, int]]) -> None:
    """Keep school → (school fingerprint, rows, latest rows) of a full run, for :func:`stored_fingerprints`."""
    now = timezone.now()
    RecomputeState.objects.bulk_create(
        [RecomputeState(school_id=s, digest=f, rows=n, latest=k, computed_at=now) for s, (f, n, k) in states.items()],
        update_conflicts=True,
        unique_fields=["school"],
        update_fields=["digest", "rows", "latest", "computed_at"],
    )
