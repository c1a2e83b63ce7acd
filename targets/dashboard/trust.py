"""The trust view: the latest position school by school, aggregates only, each school's own small-count
threshold applied. Pure: the loader's counts (``loader.load_trust_counts``) in, a :class:`~.tables.Table`
out."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from assessment.analytics import STATUSES
from schoolpl import disclosure
from schoolpl.disclosure import SHOWN

from .tables import MIN_SIZE, STATUS_LABELS, SUPPRESSED, Cell, Table, num, pct


def trust_frame(counts: pd.DataFrame) -> pd.DataFrame:
    """Latest status counts per school, subject and status (``loader.load_trust_counts``) as one row per
    school and subject. Columns: school_id, subject_order, subject, n, one count per status and
    pct_<status> (suppressed below 5 pupils)."""
    if counts.empty:
        return pd.DataFrame(
            columns=["school_id", "subject_order", "subject", "n", *STATUSES, *[f"pct_{s}" for s in STATUSES]]
        )
    wide = counts.pivot_table(
        index=["school_id", "subject_order", "subject"], columns="status", values="n", aggfunc="sum", fill_value=0
    )
    wide = wide.reindex(columns=list(STATUSES), fill_value=0).astype(int)
    wide.columns.name = None
    n = wide.sum(axis=1)
    shares = wide.div(n, axis=0).mul(100).where(n >= MIN_SIZE).add_prefix("pct_")
    return pd.concat([n.rename("n"), wide, shares], axis=1).reset_index()


def trust_table(schools: Sequence, frame: pd.DataFrame) -> Table:
    """One row per school and subject: pupils and each status's count and share, hidden by the school's own
    threshold where small (a trust view is figures outside the school)."""
    names = {s.pk: s.name for s in schools}
    order = {s.pk: i for i, s in enumerate(schools)}
    frame = frame.assign(o=frame["school_id"].map(order)).sort_values(["o", "subject_order", "subject"])
    headers = ["School", "Subject", "Pupils"] + [STATUS_LABELS[s] for s in STATUSES]
    export_headers = ["School", "Subject", "Pupils"]
    for s in STATUSES:
        export_headers += [f"{STATUS_LABELS[s]} (pupils)", f"{STATUS_LABELS[s]} (%)"]
    thresholds = {s.pk: s.small_count_threshold for s in schools}
    rows, export_rows, school_ids = [], [], []
    for r in frame.to_dict("records"):
        school_ids.append(r["school_id"])
        # A trust view is figures outside the school: each school's own threshold, on screen and in the export.
        t = thresholds[r["school_id"]]
        counts = [int(r["n"]), *(int(r[s]) for s in STATUSES)]
        kinds = disclosure.suppress(counts, t, [disclosure.Line(tuple(range(1, len(counts))), 0)]).tolist()
        shown = [c if k == SHOWN else disclosure.text(c, k, t) for c, k in zip(counts, kinds, strict=True)]
        row = [
            Cell(names[r["school_id"]], header=True),
            Cell(r["subject"]),
            Cell(shown[0], note=SUPPRESSED if counts[0] < MIN_SIZE or kinds[0] != SHOWN else ""),
        ]
        export = [names[r["school_id"]], r["subject"], shown[0]]
        for i, s in enumerate(STATUSES, start=1):
            share = num(r[f"pct_{s}"]) if SHOWN == kinds[0] == kinds[i] else None
            row.append(Cell(shown[i], text=f"{shown[i]}" + (f" ({pct(share)})" if share is not None else "")))
            export += [shown[i], share]
        rows.append(row)
        export_rows.append(export)
    return Table(
        "trust",
        "Latest progress, school by school",
        headers,
        rows,
        export_headers,
        export_rows,
        extra={"school_ids": school_ids},
    )
