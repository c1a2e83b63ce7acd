"""The drill-down: the pupils a figure counts, one row per pupil and subject. Pure: frames (loaded with
``detail``) in, a :class:`~.tables.Table` out; only for users who may see pupils' names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assessment.analytics import PROGRESS_BUCKETS
from assessment.scales import whole_level_labels

from .frames import Frames, statuses_now, subject_order
from .gaps import gap_frame
from .levels import levels_frame
from .tables import STATUS_LABELS, Cell, Table, num, year_label


@dataclass(frozen=True)
class Drill:
    """Which figure's pupils to list: ``panel`` is "status" (statuses at the window, optionally only
    ``statuses``), "levels" (a levels bucket or a transition-matrix cell of ``ks``) or "attainment"
    (judgements at the window)."""

    panel: str = "status"
    statuses: tuple[str, ...] = ()
    ks: str = ""
    bucket: str = ""
    start: str = ""
    end: str = ""


def _level_labels(levels: np.ndarray, scale_code: str) -> np.ndarray:
    """The label of each whole level on the scale ("" where the level is missing or has no label)."""
    labels = whole_level_labels(scale_code)
    table = np.array([labels.get(i, "") for i in range(max(labels) + 2)], dtype=object)  # last: ""
    index = np.nan_to_num(levels, nan=-1).astype(int)
    return table[np.where((index >= 0) & (index < len(table)), index, len(table) - 1)]


def drill_down(frames: Frames, drill: Drill) -> Table:
    """The pupils a figure counts, one row per pupil and subject (names only — callers never pass a SIP's
    frames here; frames loaded with ``detail``)."""
    if not frames.names:
        raise ValueError("Drill-down lists name pupils: not for aggregates-only access.")
    headers = ["Pupil", "Year group", "Subject"]
    if drill.panel == "levels":
        rows = levels_frame(frames)
        rows = rows[rows["key_stage"] == drill.ks]
        if not rows.empty:
            gcse = (rows["end_scale"] == "gcse_letter").to_numpy()
            end = rows["end_whole"].to_numpy()
            lop = rows["lop"].to_numpy()
            buckets = np.array(PROGRESS_BUCKETS, dtype=object)[np.nan_to_num(lop).clip(-1, 4).astype(int) + 1]
            rows = rows.assign(
                start_level=_level_labels(rows["start_whole"].to_numpy(), "nc"),
                end_level=np.where(gcse, _level_labels(end, "gcse_letter"), _level_labels(end, "nc")),
                levels=np.where(np.isnan(lop), np.nan, buckets),
            )
            if drill.bucket:
                rows = rows[rows["levels"] == drill.bucket]
            if drill.start:
                rows = rows[rows["start_level"] == drill.start]
            if drill.end:
                rows = rows[rows["end_level"] == drill.end]
            rows = rows.merge(frames.pupils[["pupil_id", "name", "surname", "forename"]], on="pupil_id")
        headers += [f"{drill.ks} level", "Level now", "Levels of progress"]
        extra_cols = ["start_level", "end_level", "levels"]
    elif drill.panel == "attainment":
        rows = gap_frame(frames).merge(frames.pupils[["pupil_id", "name", "surname", "forename"]], on="pupil_id")
        rows = rows.assign(status_label=rows["status"].map(STATUS_LABELS).fillna(""))
        headers += ["Points now", "Status"]
        extra_cols = ["points", "status_label"]
    else:
        if "expected" not in frames.statuses:
            raise ValueError("A drill-down of statuses lists their points: load the frames with detail=True.")
        rows = statuses_now(frames)
        if drill.statuses:
            rows = rows[rows["status"].isin(drill.statuses)]
        rows = rows.assign(
            status_label=rows["status"].map(STATUS_LABELS),
            since=rows["since_window_id"].map(frames.window_name) if not rows.empty else rows["since_window_id"],
        )
        headers += ["Status", "Since", "Expected points", "Points now"]
        extra_cols = ["status_label", "since", "expected", "actual"]
    table_rows, export_rows = [], []
    if not rows.empty:
        order = subject_order(frames)
        rows = rows.assign(o=rows["subject_id"].map(order)).sort_values(["surname", "forename", "pupil_id", "o"])
        for r in rows.to_dict("records"):
            values = [r["name"], year_label(r["year_group"]), frames.subject_name(r["subject_id"])]
            values += [(num(r[c]) if isinstance(r[c], float) else r[c]) for c in extra_cols]
            table_rows.append(
                [Cell(values[0], header=True, pupil_id=int(r["pupil_id"])), *[Cell(v) for v in values[1:]]]
            )
            export_rows.append(values)
    return Table(
        "pupils",
        "Pupils behind this figure",
        headers,
        table_rows,
        headers,
        export_rows,
        extra={"pupil_count": int(rows["pupil_id"].nunique()) if not rows.empty else 0},
    )
