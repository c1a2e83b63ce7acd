"""The loader's arithmetic, pure numpy: rows read from the database as typed frames, and the many-window
rows counted per window, subject, year group and group with ``np.bincount`` against the pupil frame (the
pupils in view), so the database never joins them to pupils. No ORM."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from assessment.analytics import STATUSES

from .frames import CHARACTERISTICS

#: A status as a small integer (its place in :data:`STATUSES`; -1 for anything else) → its name.
STATUS_NAMES = np.array([*STATUSES, "unknown"], dtype=object)  # code -1 → the last


def columns_frame(table: np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame named ``columns`` from a rows × columns object array: a column of ints or floats becomes a
    typed array at once (several times cheaper than ``from_records`` inferring every value); other columns
    (and any with a NULL) are inferred as ``from_records`` would."""
    if not len(table):
        return pd.DataFrame.from_records([], columns=list(columns))
    data = {}
    for i, name in enumerate(columns):
        values = table[:, i]
        dtype = {int: np.int64, float: np.float64}.get(type(values[0]))
        try:
            data[name] = values.astype(dtype) if dtype is not None else values.tolist()
        except TypeError:  # a NULL among them
            data[name] = values.tolist()
    return pd.DataFrame(data)


def rows_frame(rows: Iterable[tuple], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame named ``columns`` from ``values_list`` tuples."""
    return columns_frame(np.array(list(rows), dtype=object).reshape(-1, len(columns)), columns)


def members(pupils: pd.DataFrame) -> dict[str, np.ndarray]:
    """For each characteristic, whether each pupil of the frame is in the group (pupils in frame order)."""
    return {c.key: pupils[c.column].isin(c.values).to_numpy() for c in CHARACTERISTICS}


def codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code of each value, the values coded): integers in a short range are their offset from the lowest
    (ids of one school's windows and subjects, year groups), anything else is factorised."""
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low < 1 << 16:
            return values - low, np.arange(low, high + 1)
    return pd.factorize(values, use_na_sentinel=False)


def group_sums(keys: dict[str, np.ndarray], values: dict[str, np.ndarray]) -> pd.DataFrame:
    """``values`` summed per distinct combination of ``keys`` (equal-length arrays), one row per combination
    present: the combination is numbered from the keys' codes and every column summed by ``np.bincount``."""
    coded = [codes(k) for k in keys.values()]
    shape = [max(len(uniques), 1) for _, uniques in coded]
    combined = np.ravel_multi_index([c for c, _ in coded], shape)
    dense = np.prod(shape, dtype=float) <= 1 << 20  # few combinations: count into each, keep those present
    if dense:
        group, size = combined, int(np.prod(shape))
        present = np.flatnonzero(np.bincount(group, minlength=size))
    else:
        group, present = pd.factorize(combined)
        size = len(present)
    places = np.unravel_index(present, shape)
    columns = {name: uniques[place] for name, (_, uniques), place in zip(keys, coded, places, strict=True)}
    for name, v in values.items():
        total = np.bincount(group, weights=v, minlength=size)
        total = total[present] if dense else total
        columns[name] = total.astype(np.int64) if v.dtype.kind in "bi" else total
    return pd.DataFrame(columns)


def status_counts(rows: pd.DataFrame, pupil_at: np.ndarray, pupils: pd.DataFrame) -> pd.DataFrame:
    """Status rows counted per window, subject, year group and status, for everyone (``n``) and each
    characteristic (``n_<key>``); ``pupil_at`` is each row's pupil's place in ``pupils``."""
    columns = ["window_id", "subject_id", "year_group", "status", "n", *(f"n_{c.key}" for c in CHARACTERISTICS)]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    keys = {
        "window_id": rows["window_id"].to_numpy(),
        "subject_id": rows["subject_id"].to_numpy(),
        "year_group": pupils["year_group"].to_numpy()[pupil_at],
        "status": rows["code"].to_numpy(dtype=np.int64),
    }
    values = {"n": np.ones(len(rows), dtype=np.int64)}
    values |= {f"n_{key}": member[pupil_at].astype(np.int64) for key, member in members(pupils).items()}
    out = group_sums(keys, values)
    out["status"] = STATUS_NAMES[out["status"].to_numpy(dtype=np.int64)]
    return out[columns]


def attainment_sums(rows: pd.DataFrame, pupil_at: np.ndarray, pupils: pd.DataFrame) -> pd.DataFrame:
    """Judgement rows as counts and sums of points per window and subject, for everyone (``n_all``,
    ``sum_all``) and each characteristic (``n_<key>``, ``sum_<key>``)."""
    names = [f"{part}_{key}" for key in ("all", *(c.key for c in CHARACTERISTICS)) for part in ("n", "sum")]
    if rows.empty:
        return pd.DataFrame(columns=["window_id", "subject_id", *names])
    points = rows["points"].to_numpy(dtype=float)
    values = {"n_all": np.ones(len(rows), dtype=np.int64), "sum_all": points}
    for key, member in members(pupils).items():
        member = member[pupil_at]
        values |= {f"n_{key}": member.astype(np.int64), f"sum_{key}": np.where(member, points, 0.0)}
    keys = {"window_id": rows["window_id"].to_numpy(), "subject_id": rows["subject_id"].to_numpy()}
    return group_sums(keys, values)[["window_id", "subject_id", *names]]


def statuses_at(status_rows: pd.DataFrame, window: dict | None, detail: bool) -> pd.DataFrame:
    """The statuses at the chosen window (what the lists and the drill-down show), from the rows of every
    window up to it, with the status by name."""
    statuses = status_rows[status_rows["window_id"].to_numpy() == (window["id"] if window else -1)]
    statuses = statuses.drop(columns=["window_id", "code"]).assign(
        status=STATUS_NAMES[statuses["code"].to_numpy(dtype=np.int64)]
    )[["pupil_id", "subject_id", "status", "since_window_id", *(["expected", "actual"] if detail else [])]]
    return statuses.reset_index(drop=True)
