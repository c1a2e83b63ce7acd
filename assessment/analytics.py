"""Progress analytics over DataFrames: levels of progress, transition matrices, group gaps.

Pure pandas/numpy: no Django, no ORM, and no Python loop per pupil. A selector hands these
functions ``values()`` rows; the points arithmetic of levels lives in :mod:`assessment.scales`.

Input frame convention
----------------------
*Judgement frames* have one row per judgement:

================  ===========================================================
``pupil_id``      the pupil
``subject``       str
``window_id``     int, the assessment window (term)
``window_start``  datetime64, when the window starts; orders judgements in time
``points``        float, the judgement as points on its scale (NaN: not judged)
================  ===========================================================

*Pupil frames* have one row per pupil (for one subject), e.g. the output of
:func:`points_gained` with ``start_points``, ``end_points`` and ``gained``, or a frame with a
trajectory ``status``.

Either kind may carry characteristic columns for group splits; a missing column just means its
groups are left out: ``sen`` ("N"/"K"/"E"), ``fsm``, ``pupil_premium``, ``eal``, ``looked_after``,
``gifted`` (bool), ``gender`` ("F"/"M"/…), ``ethnicity`` (str, census code). A pupil whose value
is missing (NaN/None) for a characteristic is in neither the group nor the rest for it.

Percentages are 0–100. Group figures over fewer than ``min_size`` pupils are suppressed (NaN)
while their counts stay visible, so a small group never turns into a misleading figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import TypeAlias

import numpy as np
import pandas as pd

from assessment.scales import whole_level_labels, whole_levels_array

__all__ = [
    "DEFAULT_GROUPS",
    "PROGRESS_BUCKETS",
    "STATUSES",
    "Group",
    "GroupGap",
    "LevelsOfProgressTable",
    "expand_groups",
    "gap_trend",
    "group_gaps",
    "group_split",
    "latest_per_pupil",
    "levels_of_progress",
    "levels_of_progress_table",
    "points_gained",
    "share_by_status",
    "transition_matrix",
    "transition_matrix_percent",
]

DateLike: TypeAlias = date | datetime | pd.Timestamp | str | np.datetime64

_KEYS = ["pupil_id", "subject"]

#: Trajectory statuses, in display order.
STATUSES = ("ahead", "on_track", "behind", "well_behind", "stuck")

#: Buckets of whole levels of progress, in display order.
PROGRESS_BUCKETS = ("<0", "0", "1", "2", "3", "4+")


# --- Latest judgements and points gained ------------------------------------------------------


def latest_per_pupil(df: pd.DataFrame, as_of: DateLike | None = None) -> pd.DataFrame:
    """The latest judgement per pupil and subject (at or before ``as_of`` when given).

    Rows without points are ignored; ties on ``window_start`` go to the higher ``window_id``,
    then to the later row. Returns the chosen rows, sorted by pupil and subject.
    """
    rows = df[df["points"].notna()]
    if as_of is not None:
        rows = rows[rows["window_start"] <= pd.Timestamp(as_of)]
    return (
        rows.sort_values([*_KEYS, "window_start", "window_id"], kind="stable")
        .drop_duplicates(_KEYS, keep="last")
        .reset_index(drop=True)
    )


def points_gained(df: pd.DataFrame, start: DateLike, end: DateLike) -> pd.DataFrame:
    """Points gained per pupil and subject between two dates.

    ``start_points`` / ``end_points`` are the points of the last judgement on or before ``start``
    / ``end``; ``gained`` is their difference, NaN when either is missing. Every pupil and subject
    in ``df`` has a row. Columns: pupil_id, subject, start_points, end_points, gained.
    """
    if pd.Timestamp(start) > pd.Timestamp(end):
        raise ValueError(f"start ({start}) is after end ({end}).")

    def points_at(when: DateLike, name: str) -> pd.DataFrame:
        return latest_per_pupil(df, as_of=when)[[*_KEYS, "points"]].rename(columns={"points": name})

    gained = (
        df[_KEYS]
        .drop_duplicates()
        .merge(points_at(start, "start_points"), on=_KEYS, how="left")
        .merge(points_at(end, "end_points"), on=_KEYS, how="left")
        .sort_values(_KEYS)
        .reset_index(drop=True)
    )
    gained["gained"] = gained["end_points"] - gained["start_points"]
    return gained


# --- Levels of progress -------------------------------------------------------------------------


def levels_of_progress(
    start_points: pd.Series,
    end_points: pd.Series,
    *,
    start_scale: str = "nc",
    end_scale: str = "nc",
) -> pd.Series:
    """Whole levels of progress per pupil, RAISEonline style: the whole level at the end minus
    the whole level at the start (start L2 at any sub-level, end L4 → 2).

    Scales are ``"nc"`` / ``"nc_full"`` or ``"gcse_letter"`` (grade C counts as level 7, so KS2
    L4 → C is 3). Returns nullable integers (``Int64``), NA where either end is missing.
    """
    start, end = _whole_levels(start_points, start_scale), _whole_levels(end_points, end_scale)
    return (end - start).astype("Int64").rename("levels_of_progress")


def _whole_levels(points: pd.Series, scale_code: str) -> pd.Series:
    return pd.Series(whole_levels_array(points, scale_code), index=points.index)


@dataclass(frozen=True, eq=False)
class LevelsOfProgressTable:
    """Levels of progress for a cohort.

    ``table`` is indexed by :data:`PROGRESS_BUCKETS` with columns ``pupils`` and ``percent``.
    ``pupils`` counts pupils with both a start and an end; ``missing`` counts those without.
    """

    table: pd.DataFrame
    pupils: int
    missing: int
    expected_levels: int
    pct_expected: float
    pct_more_than_expected: float


def levels_of_progress_table(
    frame: pd.DataFrame,
    expected_levels: int,
    *,
    start_col: str = "start_points",
    end_col: str = "end_points",
    start_scale: str = "nc",
    end_scale: str = "nc",
) -> LevelsOfProgressTable:
    """Counts and percentages of pupils by whole levels of progress, and the share making the
    expected progress (``>= expected_levels``, the school's policy) and more than expected."""
    levels = levels_of_progress(frame[start_col], frame[end_col], start_scale=start_scale, end_scale=end_scale).dropna()
    buckets = levels.clip(-1, 4).map(dict(zip(range(-1, 5), PROGRESS_BUCKETS, strict=True)))
    counts = buckets.value_counts().reindex(PROGRESS_BUCKETS, fill_value=0).astype(int)
    pupils = len(levels)
    table = pd.DataFrame({"pupils": counts, "percent": counts / pupils * 100 if pupils else np.nan})
    table.index.name = "levels"
    return LevelsOfProgressTable(
        table=table,
        pupils=pupils,
        missing=len(frame) - pupils,
        expected_levels=expected_levels,
        pct_expected=float((levels >= expected_levels).mean() * 100) if pupils else np.nan,
        pct_more_than_expected=float((levels > expected_levels).mean() * 100) if pupils else np.nan,
    )


# --- Transition matrices ----------------------------------------------------------------------


def transition_matrix(
    frame: pd.DataFrame,
    start_col: str = "start_points",
    end_col: str = "end_points",
    *,
    start_scale: str = "nc",
    end_scale: str = "nc",
) -> pd.DataFrame:
    """Pupil counts by whole level at the start (rows) and at the end (columns).

    Rows and columns are labelled as the scale names its whole levels ("W", "1" … "8", "EP";
    GCSE "U", "G" … "A*"), ordered, and cover every level between the lowest and highest
    observed on that axis (0 where no pupil). Pupils missing either end are left out.
    """
    start, end = _whole_levels(frame[start_col], start_scale), _whole_levels(frame[end_col], end_scale)
    known = start.notna() & end.notna()
    start, end = start[known].astype(int), end[known].astype(int)
    rows = _levels_in_range(start, start_scale)
    columns = _levels_in_range(end, end_scale)
    return (
        pd.crosstab(start, end)
        .reindex(index=list(rows), columns=list(columns), fill_value=0)
        .astype(int)
        .set_axis(pd.Index(list(rows.values()), name="start"), axis=0)
        .set_axis(pd.Index(list(columns.values()), name="end"), axis=1)
    )


def _levels_in_range(levels: pd.Series, scale_code: str) -> dict[int, str]:
    labels = whole_level_labels(scale_code)
    if levels.empty:
        return {}
    low, high = levels.min(), levels.max()
    return {level: label for level, label in labels.items() if low <= level <= high}


def transition_matrix_percent(matrix: pd.DataFrame) -> pd.DataFrame:
    """Row percentages of a :func:`transition_matrix` (NaN for a row with no pupils)."""
    return matrix.div(matrix.sum(axis=1).replace(0, np.nan), axis=0) * 100


# --- Group gaps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Pupils whose ``column`` value is in ``values``, compared with the rest.

    ``values=None`` stands for one group per value present in the column (each gender, each
    ethnicity); :func:`expand_groups` turns it into concrete groups.
    """

    label: str
    column: str
    values: tuple[object, ...] | None = None


DEFAULT_GROUPS = (
    Group("SEN K", "sen", ("K",)),
    Group("SEN E", "sen", ("E",)),
    Group("SEN K or E", "sen", ("K", "E")),
    Group("FSM", "fsm", (True,)),
    Group("Pupil premium", "pupil_premium", (True,)),
    Group("EAL", "eal", (True,)),
    Group("Looked after", "looked_after", (True,)),
    Group("Gifted and talented", "gifted", (True,)),
    Group("Gender", "gender"),
    Group("Ethnicity", "ethnicity"),
)


@dataclass(frozen=True)
class GroupGap:
    """One group against the rest. Means and gap are NaN when ``suppressed``."""

    label: str
    n_group: int
    n_rest: int
    mean_group: float
    mean_rest: float
    gap: float
    suppressed: bool


def expand_groups(frame: pd.DataFrame, groups: Iterable[Group] = DEFAULT_GROUPS) -> list[Group]:
    """Concrete groups for ``frame``: groups on absent columns are dropped, and a group with
    ``values=None`` becomes one group per value present (labelled "Gender: F")."""
    concrete: list[Group] = []
    for group in groups:
        if group.column not in frame.columns:
            continue
        if group.values is not None:
            concrete.append(group)
            continue
        present = sorted(frame[group.column].dropna().unique(), key=str)
        concrete.extend(Group(f"{group.label}: {value}", group.column, (value,)) for value in present)
    return concrete


def _gap_stats(frame: pd.DataFrame, value_col: str, group: Group, by: str | None, min_size: int) -> pd.DataFrame:
    """n, mean and gap of ``value_col`` for ``group`` against the rest, per value of ``by``."""
    if group.values is None:
        raise ValueError(f"Group {group.label!r} stands for several groups: use expand_groups().")
    rows = frame[frame[group.column].notna() & frame[value_col].notna()]
    in_group = rows[group.column].isin(group.values)
    values = rows[value_col].astype(float)
    keys = rows[by] if by else pd.Series(0, index=rows.index)
    sums = (
        pd.DataFrame(
            {
                "n_group": in_group.astype(int),
                "n_rest": (~in_group).astype(int),
                "sum_group": values.where(in_group, 0.0),
                "sum_rest": values.where(~in_group, 0.0),
            }
        )
        .groupby(keys.to_numpy())
        .sum()
    )
    stats = sums[["n_group", "n_rest"]].copy()
    suppressed = (stats["n_group"] < min_size) | (stats["n_rest"] < min_size)
    stats["mean_group"] = (sums["sum_group"] / sums["n_group"]).mask(suppressed)
    stats["mean_rest"] = (sums["sum_rest"] / sums["n_rest"]).mask(suppressed)
    stats["gap"] = stats["mean_group"] - stats["mean_rest"]
    stats["suppressed"] = suppressed
    return stats


def group_split(frame: pd.DataFrame, value_col: str, group: Group, min_size: int = 5) -> GroupGap:
    """Mean ``value_col`` for one concrete group against the rest (rows with a NaN value, or a
    missing characteristic, are left out). Suppressed when either side has fewer than
    ``min_size`` rows: the means of a group and of its complement would reveal each other."""
    stats = _gap_stats(frame, value_col, group, by=None, min_size=min_size)
    if stats.empty:
        return GroupGap(group.label, 0, 0, np.nan, np.nan, np.nan, True)
    row = stats.iloc[0]
    return GroupGap(
        label=group.label,
        n_group=int(row["n_group"]),
        n_rest=int(row["n_rest"]),
        mean_group=float(row["mean_group"]),
        mean_rest=float(row["mean_rest"]),
        gap=float(row["gap"]),
        suppressed=bool(row["suppressed"]),
    )


def group_gaps(
    frame: pd.DataFrame,
    value_col: str,
    groups: Iterable[Group] = DEFAULT_GROUPS,
    min_size: int = 5,
) -> pd.DataFrame:
    """One row per concrete group (see :func:`expand_groups`) with the columns of
    :class:`GroupGap`: label, n_group, n_rest, mean_group, mean_rest, gap (group − rest),
    suppressed. ``frame`` should be a pupil frame for one subject."""
    rows = [asdict(group_split(frame, value_col, group, min_size)) for group in expand_groups(frame, groups)]
    return pd.DataFrame(rows, columns=[f.name for f in fields(GroupGap)])


def gap_trend(
    df: pd.DataFrame,
    value_col: str,
    group: Group,
    windows: Sequence[int],
    min_size: int = 5,
) -> pd.DataFrame:
    """The gap for one concrete group in each window, for trend charts.

    ``df`` is a judgement frame for one subject. Indexed by ``window_id`` in the order of
    ``windows`` with columns n_group, n_rest, mean_group, mean_rest, gap, suppressed; a window
    without judgements has zero counts and is suppressed.
    """
    stats = _gap_stats(df, value_col, group, by="window_id", min_size=min_size)
    trend = stats.reindex(list(windows))
    trend[["n_group", "n_rest"]] = trend[["n_group", "n_rest"]].fillna(0).astype(int)
    trend["suppressed"] = trend["suppressed"].fillna(True).astype(bool)
    trend.index.name = "window_id"
    return trend


# --- Trajectory statuses ------------------------------------------------------------------------


def share_by_status(frame: pd.DataFrame, status_col: str = "status", by: Sequence[str] = ()) -> pd.DataFrame:
    """Counts and percentages of each trajectory status per combination of ``by`` columns.

    Columns: the ``by`` columns, ``n``, one count column per status in :data:`STATUSES` (always
    all five) and ``pct_<status>`` for each. Without ``by``, one row for the whole frame. Rows
    with no status are left out; an unknown status raises ValueError.
    """
    rows = frame[frame[status_col].notna()]
    unknown = set(rows[status_col].unique()) - set(STATUSES)
    if unknown:
        raise ValueError(f"Unknown statuses {sorted(map(str, unknown))}; expected {list(STATUSES)}.")
    if by:
        counts = rows.groupby(list(by), observed=True)[status_col].value_counts().unstack(fill_value=0)
    else:
        counts = rows[status_col].value_counts().to_frame().T
    counts = counts.reindex(columns=list(STATUSES), fill_value=0).astype(int)
    counts.columns.name = None
    n = counts.sum(axis=1)
    shares = counts.div(n.replace(0, np.nan), axis=0).mul(100).add_prefix("pct_")
    table = pd.concat([n.rename("n"), counts, shares], axis=1)
    return table.reset_index() if by else table.reset_index(drop=True)
