"""Fingerprints of ProgressStatus rows, so that a recompute can tell what changed without reading back every
stored row.

- A **row hash** is pandas' 64-bit hash of what a row says (:data:`HASHED_COLUMNS`).
- A **series fingerprint** sums, wrapping at 2**64, the row hashes of one pupil's series in one subject (one
  row per window); it is stored on the series' latest row (``ProgressStatus.series``; 0 on the others).
  Being a sum, it is order-free, and subtracting the latest row's hash gives the fingerprint of the series'
  *earlier rows* (:func:`earlier_rows_fingerprint`) — enough to tell "only the latest row changed" or "a
  window was added" from the stored latest rows alone (:func:`split_by_latest_rows`).
- A **school fingerprint** (:func:`school_fingerprint`, BLAKE2b over every series fingerprint) lets a
  nightly run whose result equals what is stored stop before reading anything back.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .store import KEYS, PAIR

#: What a row's hash covers (is_latest and series follow from the row's place in its series).
HASHED_COLUMNS = {
    "window_id": np.int64,
    "expected": np.float64,
    "actual": np.float64,
    "status": np.int16,
    "since_window_id": np.int64,
}


def row_hashes(rows: pd.DataFrame) -> np.ndarray:
    """Each row's 64-bit hash (uint64) of :data:`HASHED_COLUMNS`."""
    return pd.util.hash_pandas_object(rows[list(HASHED_COLUMNS)].astype(HASHED_COLUMNS), index=False).to_numpy()


def series_fingerprints(rows: pd.DataFrame, starts: np.ndarray, last: np.ndarray) -> np.ndarray:
    """For ``rows`` sorted by series (each starting at a position in ``starts``; ``last`` marks each series'
    final row): the series fingerprint on its last row, 0 elsewhere, as int64 (the stored column's type)."""
    series = np.zeros(len(rows), dtype=np.uint64)
    if len(rows):
        series[last] = np.add.reduceat(row_hashes(rows), starts)
    return series.view(np.int64)


def earlier_rows_fingerprint(series: pd.Series, latest_rows: pd.DataFrame) -> np.ndarray:
    """The fingerprint of each series without its latest row: its fingerprint minus that row's hash."""
    return (series.to_numpy().view(np.uint64) - row_hashes(latest_rows)).view(np.int64)


def school_fingerprint(rows: pd.DataFrame) -> str:
    """A fingerprint of a whole school's statuses, kept in RecomputeState so that a nightly run whose result
    equals the rows already stored can stop before reading them back: its latest rows' series fingerprints
    (each covers every row of its pupil × subject), in their fixed order."""
    latest = rows[rows["is_latest"].to_numpy()]
    hasher = hashlib.blake2b(digest_size=32)
    for column in ("pupil_id", "subject_id", "series"):
        hasher.update(latest[column].to_numpy(dtype=np.int64).tobytes())
    return hasher.hexdigest()


def split_by_latest_rows(fresh: pd.DataFrame, stored: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Sort the pupil × subject series of changed schools by what their latest rows tell.

    A series whose fingerprint is unchanged needs nothing. One whose earlier rows are unchanged (the same
    fingerprint without its latest row) and whose latest window is the same changed only in its latest row;
    one whose earlier rows are exactly the stored series gained a window (its old latest row is no longer
    the latest). Both are written from the latest rows alone. Returns (rows to write, ids they replace,
    the (pupil, subject) pairs whose stored rows must be read back and compared)."""
    latest_rows = fresh[fresh["is_latest"].to_numpy()]
    now = latest_rows[[*PAIR, "window_id", "series"]]
    now = now.assign(earlier=earlier_rows_fingerprint(now["series"], latest_rows))
    was = stored[["id", *PAIR, "window_id", "series"]]
    was = was.assign(earlier=earlier_rows_fingerprint(was["series"], stored))
    both = now.merge(was, on=PAIR, how="inner", suffixes=("", "_old"))  # integers stay integers
    moved = both["series"].to_numpy() != both["series_old"].to_numpy()
    same_window = both["window_id"].to_numpy() == both["window_id_old"].to_numpy()
    latest_only = moved & same_window & (both["earlier"].to_numpy() == both["earlier_old"].to_numpy())
    appended = moved & ~same_window & (both["earlier"].to_numpy() == both["series_old"].to_numpy())
    fast = both[latest_only | appended]
    keys = pd.concat(
        [
            fast[[*PAIR, "window_id"]],
            both.loc[appended, [*PAIR, "window_id_old"]].rename(columns={"window_id_old": "window_id"}),
        ]
    )
    rows = fresh.merge(keys, on=KEYS)
    unexplained = both.loc[moved & ~latest_only & ~appended, PAIR]
    new_series = now[PAIR].merge(was[PAIR], on=PAIR, how="left", indicator=True)
    gone_series = was[PAIR].merge(now[PAIR], on=PAIR, how="left", indicator=True)
    reread = pd.concat(
        [
            unexplained,
            new_series.loc[new_series["_merge"] == "left_only", PAIR],
            gone_series.loc[gone_series["_merge"] == "left_only", PAIR],
        ],
        ignore_index=True,
    )
    return rows, fast["id"].to_numpy(dtype=np.int64), reread
