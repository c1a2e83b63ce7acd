"""The stuck and well-behind panel: pupils stuck or well behind at the chosen window, longest first — by
name for those who may see pupils, as counts for a SIP. Pure: frames in, a :class:`~.tables.Table` out."""

from __future__ import annotations

import pandas as pd

from schoolpl import disclosure
from schoolpl.disclosure import SHOWN

from .frames import Frames, memo, subject_order
from .tables import CONCERN, STATUS_LABELS, Cell, Table, pupils_phrase, year_label


def concern_rows(frames: Frames) -> pd.DataFrame:
    """Pupils stuck or well behind at the chosen window, longest first (a pupil's subjects in display
    order)."""

    def build():
        rows = frames.statuses[frames.statuses["status"].isin(CONCERN)].merge(frames.pupils, on="pupil_id")
        starts = {w["id"]: w["start_date"].toordinal() for w in frames.window_records}
        rows = rows.assign(
            since_start=rows["since_window_id"].map(starts),
            subject_order=rows["subject_id"].map(subject_order(frames)),
        )
        sort = ["since_start", "year_group"] + (["surname", "forename"] if frames.names else []) + ["pupil_id"]
        return rows.sort_values([*sort, "subject_order"], na_position="last")

    return memo(frames, "concern", build)


def stuck_list(frames: Frames, provision: dict | None = None, limit: int | None = None) -> Table:
    """Pupils stuck or well behind, with their subject, status and since when. With names: one row per
    pupil and subject (and the provision they already have, when a provider is installed). Without names
    (a SIP): counts by subject, status and since when."""
    rows_df = concern_rows(frames)
    if frames.names:
        headers = ["Pupil", "Year group", "Subject", "Status", "Since"]
        if provision is not None:
            headers.append("Provision")
        listed = rows_df if limit is None else rows_df.iloc[:limit]
        rows, export_rows = [], []
        columns = (
            listed[c].tolist() for c in ("pupil_id", "name", "year_group", "subject_id", "status", "since_window_id")
        )
        for pupil_id, name, year, subject_id, status, since in zip(*columns, strict=True):
            values = [
                name,
                year_label(year),
                frames.subject_name(subject_id),
                STATUS_LABELS[status],
                frames.window_name(since),
            ]
            if provision is not None:
                values.append(provision.get(pupil_id, "None recorded"))
            rows.append([Cell(values[0], header=True, pupil_id=int(pupil_id)), *[Cell(v) for v in values[1:]]])
            export_rows.append(values)
        return Table(
            "stuck",
            "Stuck and well behind",
            headers,
            rows,
            headers,
            export_rows,
            extra={
                "pupil_count": rows_df["pupil_id"].nunique(),
                "hidden": len(rows_df) - len(rows),
                "total": len(rows_df),
            },
        )
    counts = (
        rows_df.groupby(["subject_id", "status", "since_window_id"], observed=True).size().reset_index(name="n")
        if not rows_df.empty
        else pd.DataFrame(columns=["subject_id", "status", "since_window_id", "n"])
    )
    order = subject_order(frames)
    counts = counts.assign(o=counts["subject_id"].map(order)).sort_values(["o", "status", "since_window_id"])
    headers = ["Subject", "Status", "Since", "Pupils"]
    rows, export_rows = [], []
    records = counts.to_dict("records")
    pupil_count = rows_df["pupil_id"].nunique()
    t = frames.threshold
    values = [int(r["n"]) for r in records] + [pupil_count]
    # With one subject, its rows add up to the pupils stuck or well behind (no pupil is in two rows).
    one_subject = len({r["subject_id"] for r in records}) == 1
    lines = [disclosure.Line(tuple(range(len(records))), len(records))] if one_subject else []
    shown: list[int | str] = list(values)  # without a threshold every count is shown
    if t is not None:
        kinds = disclosure.suppress(values, t, lines).tolist()
        shown = [v if k == SHOWN else disclosure.text(v, k, t) for v, k in zip(values, kinds, strict=True)]
    for r, n in zip(records, shown, strict=False):
        values = [
            frames.subject_name(r["subject_id"]),
            STATUS_LABELS[r["status"]],
            frames.window_name(r["since_window_id"]),
            n,
        ]
        rows.append([Cell(values[0], header=True), *[Cell(v) for v in values[1:]]])
        export_rows.append(values)
    return Table(
        "stuck",
        "Stuck and well behind",
        headers,
        rows,
        headers,
        export_rows,
        extra={"pupil_count": pupil_count, "pupil_count_text": pupils_phrase(str(shown[-1]))},
    )
