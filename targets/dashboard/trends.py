"""The trend panels: the attainment gap of each group in every window up to the chosen one, and the share
of pupils on track or ahead at each window, both from the loader's per-window aggregates. Pure: frames in,
a :class:`~.tables.Table` out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from schoolpl import disclosure

from .frames import CHARACTERISTICS, Frames, trend_windows
from .tables import MIN_SIZE, ON_TRACK_OR_AHEAD, SUPPRESSED, Cell, Table, num, pct, signed


def by_subject_and_window(
    aggregates: pd.DataFrame, columns: Sequence[str], frames: Frames, windows: list[dict]
) -> tuple[np.ndarray, np.ndarray]:
    """The sums of ``columns`` of a per-window aggregate as an array [subject, window, column] over the
    subjects in display order and ``windows`` (0 where there is no row, as for a NULL sum), and whether each
    subject has any row at all."""
    subject_ids = frames.subjects["id"].tolist()
    sums = np.zeros((len(subject_ids), len(windows), len(columns)))
    present = np.zeros(len(subject_ids), dtype=bool)
    if aggregates.empty:
        return sums, present
    subject = aggregates["subject_id"].map({sid: i for i, sid in enumerate(subject_ids)})
    window = aggregates["window_id"].map({w["id"]: i for i, w in enumerate(windows)})
    keep = (subject.notna() & window.notna()).to_numpy()
    subject, window = subject.to_numpy()[keep].astype(int), window.to_numpy()[keep].astype(int)
    np.add.at(sums, (subject, window), np.nan_to_num(aggregates[list(columns)].to_numpy(dtype=float)[keep]))
    present[subject] = True
    return sums, present


def gap_trend_stats(aggregates, key: str, min_size: int = MIN_SIZE) -> dict[str, np.ndarray]:
    """From per-window sums (``n_all``, ``sum_all``, ``n_<key>``, ``sum_<key>``: frame columns or arrays),
    the group's mean, the rest's mean and the gap, suppressed when either side has fewer than ``min_size``
    pupils — the same rule as :func:`assessment.analytics.gap_trend`, on per-window aggregates."""
    n_group = np.nan_to_num(np.asarray(aggregates[f"n_{key}"], dtype=float)).astype(int)
    n_rest = np.nan_to_num(np.asarray(aggregates["n_all"], dtype=float)).astype(int) - n_group
    sum_group = np.nan_to_num(np.asarray(aggregates[f"sum_{key}"], dtype=float))
    sum_rest = np.nan_to_num(np.asarray(aggregates["sum_all"], dtype=float)) - sum_group
    suppressed = (n_group < min_size) | (n_rest < min_size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_group = np.where(suppressed, np.nan, sum_group / n_group)
        mean_rest = np.where(suppressed, np.nan, sum_rest / n_rest)
    return {
        "n_group": n_group,
        "n_rest": n_rest,
        "mean_group": mean_group,
        "mean_rest": mean_rest,
        "gap": mean_group - mean_rest,
        "suppressed": suppressed,
    }


def gap_trends(frames: Frames) -> Table:
    """The attainment gap of each group against the rest in every window up to the chosen one, per
    subject (from the per-window sums)."""
    windows = trend_windows(frames)
    headers = ["Group", "Subject"] + [w["name"] for w in windows]
    if frames.attainment_trend.empty or not windows:
        return Table("gap-trend", "Attainment gap over time", headers, [], headers, [])
    columns = ["n_all", "sum_all"] + [f"{part}_{c.key}" for c in CHARACTERISTICS for part in ("n", "sum")]
    sums, present = by_subject_and_window(frames.attainment_trend, columns, frames, windows)
    rows, export_rows, datasets = [], [], []
    for subject, sub, has_rows in zip(frames.subjects.to_dict("records"), sums, present, strict=True):
        if not has_rows:
            continue
        sub = dict(zip(columns, sub.T, strict=True))
        for c in frames.characteristics:
            t = frames.threshold
            stats = gap_trend_stats(sub, c.key, min_size=MIN_SIZE if t is None else max(MIN_SIZE, t))
            gaps_ = [num(v) for v in stats["gap"].tolist()]
            row = [Cell(c.label, header=True), Cell(subject["name"])]
            for g, n in zip(gaps_, stats["n_group"].tolist(), strict=True):
                size = f"n={n}" if t is None or n >= t else f"n{disclosure.small(t)}"  # a SIP never reads "n=1"
                row.append(Cell(g, text=signed(g) if g is not None else "—", note=size if g is None else ""))
            rows.append(row)
            export_rows.append([c.label, subject["name"], *gaps_])
            if any(g is not None for g in gaps_):
                datasets.append({"label": f"{c.label} ({subject['name']})", "data": gaps_, "spanGaps": True})
    chart = {
        "type": "line",
        "data": {"labels": [w["name"] for w in windows], "datasets": datasets},
        "options": {"scales": {"y": {"title": {"display": True, "text": "Gap (points)"}}}},
    }
    return Table(
        key="gap-trend",
        title="Attainment gap over time",
        headers=headers,
        rows=rows,
        export_headers=headers,
        export_rows=export_rows,
        chart=chart if datasets else None,
        description=(
            "Group mean minus the mean of the rest, in points, at each window; "
            "“—” where a side has fewer than 5 pupils."
        ),
    )


def _on_track_row(subject: dict, key: str, label: str, n: list, ok: list, windows: list, t) -> tuple[list, list]:
    """One group's row of :func:`trends` in one subject (cells, and the shares exported and plotted)."""
    shares = [
        None
        if count < MIN_SIZE or (t is not None and disclosure.share_hidden(good, count, t))
        else num(good / count * 100)
        for good, count in zip(ok, n, strict=True)
    ]
    row = [Cell(subject["name"], header=True), Cell(label)]
    for share, count, w in zip(shares, n, windows, strict=True):
        drill = {"subject": int(subject["id"]), "window": int(w["id"]), "status": "ahead,on_track"}
        if key != "all":
            drill["group"] = key
        size = f"n={count}" if t is None else ""  # a SIP, an export: no size of a small group
        row.append(
            Cell(
                share,
                text=pct(share) if share is not None else (size if count and size else "—"),
                note="" if share is not None or not count else SUPPRESSED,
                drill=drill if count and t is None else None,
            )
        )
    return row, shares


def trends(frames: Frames) -> Table:
    """The share of pupils on track or ahead at each window up to the chosen one, by subject, for all
    pupils in view and for each group (from the per-window counts)."""
    windows = trend_windows(frames)
    counts = frames.status_counts
    headers = ["Subject", "Group"] + [w["name"] for w in windows]
    if counts.empty or not windows:
        return Table("trend", "On track or ahead over time", headers, [], headers, [])
    groups = [("all", "All pupils in view", "n")] + [(c.key, c.label, f"n_{c.key}") for c in frames.characteristics]
    columns = [column for _key, _label, column in groups]
    pupils, present = by_subject_and_window(counts, columns, frames, windows)
    on_track, _ = by_subject_and_window(counts[counts["status"].isin(ON_TRACK_OR_AHEAD)], columns, frames, windows)
    rows, export_rows, datasets = [], [], []
    for subject, n_sub, ok_sub, has_rows in zip(
        frames.subjects.to_dict("records"), pupils, on_track, present, strict=True
    ):
        if not has_rows:
            continue
        for (key, label, _column), n, ok in zip(groups, n_sub.T.astype(int), ok_sub.T.astype(int), strict=True):
            if n.sum() == 0:
                continue
            row, shares = _on_track_row(subject, key, label, n.tolist(), ok.tolist(), windows, frames.threshold)
            rows.append(row)
            export_rows.append([subject["name"], label, *shares])
            if key == "all":
                datasets.append({"label": subject["name"], "data": shares, "spanGaps": True})
    chart = {
        "type": "line",
        "data": {"labels": [w["name"] for w in windows], "datasets": datasets},
        "options": {"scales": {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "% on track or ahead"}}}},
    }
    return Table(
        key="trend",
        title="On track or ahead over time",
        headers=headers,
        rows=rows,
        export_headers=["Subject", "Group"] + [w["name"] for w in windows],
        export_rows=export_rows,
        chart=chart if datasets else None,
        description="Pupils are counted by their current year group and characteristics.",
    )
