"""The recompute engine: keeps every pupil's ProgressStatus (on / behind / stuck / well behind the expected
line, per subject and assessment window) equal to what their judgements and targets say.

**What is read.** Per batch of schools, in a handful of queries (binary COPY on PostgreSQL): every window,
every overall judgement, every live pupil target with the pupil's admission date, and each school's flag
thresholds and expected rate. The pure ``targets.trajectory`` classifies them as one frame
(:func:`.classify.classify_statuses`), each latest row carrying the fingerprint of its pupil × subject series.

**How changed schools are found.** A full run (:func:`progress_recompute_schools`) compares each school's
fingerprint (:func:`.fingerprints.school_fingerprint`) and row counts with those its last full run stored in
``RecomputeState``, and the latest rows the table still holds: a school that matches is "unchanged" and is
left alone, nothing read back. In a changed school only the stored *latest* rows are read; a series whose
fingerprint moved only in its latest row, or that gained a window, is written from those alone
(:func:`.fingerprints.split_by_latest_rows`); only the few series they cannot explain are read back whole
and compared row by row (:func:`.store.compare_rows`).

**What is written.** Changed rows are replaced (deleted, then inserted — by binary COPY on PostgreSQL —
in :func:`.store.write_rows`), stale rows deleted, the schools' fingerprints stored; then pupils who newly
fall behind, become stuck or fall well behind are notified (:mod:`.notify`) — except in a school's first
run, which is the baseline. An incremental run for a few pupils (:func:`progress_recompute` with
``pupil_ids``) compares their rows directly and clears the school's stored fingerprint, so the next full
run compares everything.

**Why it is safe to run twice.** A second run writes nothing: its result has the stored fingerprint, or
compares equal row by row. Two runs at once (the nightly chord and an incremental run, two workers, two
requests of a threaded server running tasks in-process) never interleave: each runs inside
:func:`_recomputing`, a transaction holding one lock per school — a PostgreSQL transaction-scoped advisory
lock, or on SQLite a per-process lock taken before the write transaction — always taken in school order so
batches cannot deadlock. Notices are deduplicated on a unique key, so a repeat sends nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Count

from pupils.models import Pupil
from schoolpl.models import School
from schoolpl.pgcopy import is_postgres

from . import classify, fingerprints, notify, store

log = logging.getLogger(__name__)

_LOCK_CLASS = 5_202_605  # pg_advisory_xact_lock(class, school): one recompute of a school at a time
_READ_ALL_ABOVE = 20_000  # changed pupils in a batch beyond which its schools' statuses are read whole


@dataclass
class RecomputeResult:
    school_id: int
    rows: int = 0
    written: int = 0
    deleted: int = 0
    notified: int = 0
    unchanged: bool = False  # the stored statuses already were this result: nothing was read back or written


_local_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)
_local_locks_guard = threading.Lock()


@contextmanager
def _recomputing(school_ids: Sequence[int]):
    """A transaction in which no other recompute of these schools runs (a nightly run and an incremental
    one, two workers, or two requests of a threaded server running tasks in-process). The locks are taken
    in one order so that batches never deadlock.

    PostgreSQL: transaction-scoped advisory locks, one per school, across every process. SQLite (the
    embedded default): a lock per school in this process, taken before the transaction begins, so a second
    recompute waits for the first instead of timing out on the database's write lock; across processes,
    SQLite's BEGIN IMMEDIATE serialises writers anyway."""
    with ExitStack() as held:
        if not is_postgres():
            for school_id in sorted(school_ids):
                with _local_locks_guard:
                    lock = _local_locks[int(school_id)]
                held.enter_context(lock)
        with transaction.atomic():
            if is_postgres():
                with connection.cursor() as cursor:
                    for school_id in sorted(school_ids):
                        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, int(school_id)])
            yield


def progress_recompute(*, school_id: int, pupil_ids: Iterable[int] | None = None) -> RecomputeResult:
    """Recompute every ProgressStatus of a school, or of ``pupil_ids`` only (all their subjects and windows,
    so the result is the same as a full run's for them). See :func:`progress_recompute_schools`."""
    if pupil_ids is None:
        return progress_recompute_schools([school_id])[0]
    pupil_ids = sorted({int(p) for p in pupil_ids})
    result = RecomputeResult(school_id=school_id)
    with _recomputing([school_id]):
        new = classify.classify_statuses([school_id], pupil_ids, classify.school_thresholds([school_id])[school_id])
        old = store.read_stored_rows([school_id], pupil_ids)
        upsert, replaced, stale = store.compare_rows(new, old)
        store.write_rows(upsert, np.concatenate([replaced, stale]))
        result.rows, result.written, result.deleted = len(new), len(upsert), len(stale)
        result.notified = notify.notify_off_trajectory(notify.newly_off(new, old)).get(school_id, 0)
        # The school's stored fingerprint no longer describes its rows: the next full run compares them all.
        store.forget_fingerprint(school_id)
    _log(result, f" ({len(pupil_ids)} pupils)")
    return result


def progress_recompute_schools(school_ids: Iterable[int]) -> list[RecomputeResult]:
    """Recompute every ProgressStatus of several schools in ONE set-based pass: read their judgements, plans
    and windows in a few queries, classify them with the pure ``targets.trajectory``, then per school write
    only what changed (upsert) and delete what no longer applies.

    Idempotent: a second run writes nothing. A school whose result has the fingerprint its last full run
    stored (with as many latest rows still in the table) stops there; in the others only the pupils whose
    series fingerprint (kept on each latest row) moved are read back and compared row by row.
    Concurrent runs queue on per-school advisory locks. Pupils who newly fall behind, become stuck or fall
    well behind are notified to their teachers and the SENCOs — except in a school's first run, which is the
    baseline (nobody has "newly" done anything yet; the pages list who is off trajectory)."""
    school_ids = sorted({int(s) for s in school_ids})
    if not school_ids:
        return []
    results = {s: RecomputeResult(school_id=s) for s in school_ids}
    with _recomputing(school_ids):
        new = _classify_schools(school_ids)
        states = _mark_unchanged(school_ids, new, results)
        changed = [s for s in school_ids if not results[s].unchanged]
        if changed:
            _write_changed(changed, new[new["school_id"].isin(changed).to_numpy()], results)
            store.store_fingerprints({s: states[s] for s in changed})
    for result in results.values():
        _log(result, "")
    return [results[s] for s in school_ids]


def _classify_schools(school_ids: list[int]) -> pd.DataFrame:
    """The schools' statuses, classified together for the schools that share the same thresholds."""
    by_thresholds = defaultdict(list)
    for school_id, thresholds in classify.school_thresholds(school_ids).items():
        by_thresholds[thresholds].append(school_id)
    return pd.concat([classify.classify_statuses(ids, None, t) for t, ids in by_thresholds.items()], ignore_index=True)


def _mark_unchanged(school_ids: list[int], new: pd.DataFrame, results: dict) -> dict[int, tuple[str, int, int]]:
    """Set each result's ``rows`` and ``unchanged`` (the stored fingerprint, row count and latest rows in the
    table all match this result). Returns school → (fingerprint, rows, latest rows) of this result."""
    rows_of = {s: g for s, g in new.groupby("school_id", sort=False)}  # noqa: C416 - dict() calls .keys
    stored = store.stored_fingerprints(school_ids)
    states = {}
    for school_id in school_ids:
        rows = rows_of.get(school_id, new.iloc[:0])
        states[school_id] = (fingerprints.school_fingerprint(rows), len(rows), int(rows["is_latest"].sum()))
        results[school_id].rows = len(rows)
    matching = [s for s in school_ids if stored.get(s) == states[s]]
    counts = store.latest_row_counts(matching)  # only a school that looks unchanged needs its rows counted
    for school_id in matching:
        results[school_id].unchanged = counts.get(school_id, 0) == states[school_id][2]
    return states


def _write_changed(changed: list[int], fresh: pd.DataFrame, results: dict) -> None:
    """Write the changed schools' rows and notify: only the series whose fingerprint moved are written; only
    those their latest rows cannot explain are read back and compared row by row."""
    stored_latest = store.read_latest_rows(changed)
    baseline = set(changed) - set(stored_latest["school_id"].tolist())  # a first run: no notices
    if baseline:
        # A first run writes every row without reading any back: clear whatever a school without a
        # single latest status still holds (normally nothing), so no key can be written twice.
        store.delete_school_rows(sorted(baseline))
    first = fresh["school_id"].isin(baseline).to_numpy()
    quick, replaced_quick, reread = fingerprints.split_by_latest_rows(fresh[~first], stored_latest)
    old = stored_latest.iloc[:0]
    if len(reread):
        pupils = np.unique(reread["pupil_id"].to_numpy())
        old = store.read_stored_rows(changed, None if len(pupils) > _READ_ALL_ABOVE else pupils).merge(
            reread, on=store.PAIR
        )
    upsert, replaced, stale = store.compare_rows(fresh[~first].merge(reread, on=store.PAIR), old)
    rows = pd.concat([fresh[first], quick, upsert], ignore_index=True)
    store.write_rows(rows, np.concatenate([replaced_quick, replaced, stale]))
    written = rows["school_id"].value_counts()
    stale_of = old.loc[old["id"].isin(stale).to_numpy(), "school_id"].value_counts()
    # a school's first run notifies nobody
    notified = notify.notify_off_trajectory(notify.newly_off(fresh[~first], stored_latest))
    for school_id in changed:
        result = results[school_id]
        result.written, result.deleted = int(written.get(school_id, 0)), int(stale_of.get(school_id, 0))
        result.notified = notified.get(school_id, 0)


def _log(result: RecomputeResult, scope: str) -> None:
    log.info(
        "recompute school %s%s: %d statuses, %d written, %d deleted, %d notifications%s",
        result.school_id,
        scope,
        result.rows,
        result.written,
        result.deleted,
        result.notified,
        " (unchanged)" if result.unchanged else "",
    )


def school_batches(school_ids: Iterable[int] | None = None, max_pupils: int = 20_000) -> list[list[int]]:
    """The schools (all, or ``school_ids``) in batches of at most about ``max_pupils`` pupils, for the nightly
    run: one task per batch — a whole LA of small schools in a few dozen tasks, a large school on its own."""
    schools = School.objects.order_by("pk")
    if school_ids is not None:
        schools = schools.filter(pk__in=list(school_ids))
    ids = list(schools.values_list("pk", flat=True))
    sizes = dict(
        Pupil.objects.filter(school_id__in=ids)
        .order_by()
        .values_list("school_id")
        .annotate(n=Count("*"))
        .values_list("school_id", "n")
    )
    batches: list[list[int]] = []
    current: list[int] = []
    pupils = 0
    for school_id in ids:
        size = sizes.get(school_id, 0)
        if current and pupils + size > max_pupils:
            batches.append(current)
            current, pupils = [], 0
        current.append(school_id)
        pupils += size
    if current:
        batches.append(current)
    return batches
