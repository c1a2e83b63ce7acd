"""The overview panel: per year group and subject, how many pupils are ahead, on track, behind, well behind
and stuck at the chosen window, with each share's change since the previous window. Pure: frames in, a
:class:`~.tables.Table` out."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from assessment.analytics import STATUSES
from schoolpl import disclosure
from schoolpl.disclosure import SHOWN

from .frames import Frames, subject_order
from .tables import MIN_SIZE, STATUS_COLOURS, STATUS_LABELS, SUPPRESSED, Cell, Table, num, pct, signed, year_label


def status_counts_at(frames: Frames, window: dict | None) -> dict[tuple, list[int]]:
    """Pupils in each status (in :data:`STATUSES` order) at ``window``, by (year group, subject id) and by
    (None, subject id) for all years: the per-window counts, summed over their year groups."""
    out: dict[tuple, list[int]] = {}
    counts = frames.status_counts
    if window is None or counts.empty:
        return out
    at = counts[counts["window_id"] == window["id"]]
    position = {s: i for i, s in enumerate(STATUSES)}
    columns = (at[c].tolist() for c in ("year_group", "subject_id", "status", "n"))
    for year, subject_id, status, n in zip(*columns, strict=True):
        if status not in position:
            raise ValueError(f"Unknown status {status!r}; expected {list(STATUSES)}.")
        for key in ((year, subject_id), (None, subject_id)):
            out.setdefault(key, [0] * len(STATUSES))[position[status]] += n
    return out


def _overview_kinds(counts: dict[tuple, list[int]], threshold: int) -> dict[tuple, list[int]]:
    """What each figure of :func:`overview` may show (``disclosure`` kinds of [pupils, *statuses]) per
    (year group, subject): a subject's table has its year groups' rows and the all-years row as their
    total, and the pupils column as each row's total."""
    kinds: dict[tuple, list[int]] = {}
    for subject_id in {subject for _year, subject in counts}:
        keys = sorted((k for k in counts if k[1] == subject_id), key=lambda k: (k[0] is None, k[0] or 0))
        table = pd.DataFrame(
            [[sum(counts[k]), *counts[k]] for k in keys], columns=["n", *STATUSES], index=range(len(keys))
        )
        totals = [i for i, k in enumerate(keys) if k[0] is None]
        shown = disclosure.suppress_frame(table, threshold, total_columns=["n"], total_rows=totals)
        kinds |= dict(zip(keys, shown.to_numpy().tolist(), strict=True))
    return kinds


@dataclass(frozen=True)
class _Row:
    """One (year group, subject) of the overview: the counts now and at the previous window, and — with a
    threshold — what each may show (``kinds``: pupils, then each status)."""

    year: int | None
    subject_id: int
    counts: list[int]
    before: list[int] | None
    kinds: list[int] | None
    kinds_before: list[int] | None

    @property
    def n(self) -> int:
        return sum(self.counts)

    @property
    def small(self) -> bool:
        return self.kinds[0] != SHOWN if self.kinds is not None else self.n < MIN_SIZE

    @property
    def prev_n(self) -> int:
        return sum(self.before) if self.before else 0

    def change_shown(self, i: int) -> bool:
        """Whether last time's share may be shown beside this one (never from a hidden count)."""
        before = self.kinds_before
        return before is not None and before[0] == SHOWN and before[i + 1] == SHOWN


def _status_cell(row: _Row, i: int, status: str, t: int | None, prev_name: str) -> tuple[Cell, list]:
    """The cell of one status of a row and its export values (count, %, change in percentage points)."""
    count, n = row.counts[i], row.n
    share = count / n * 100
    share_shown = None if row.small else num(share)
    before = row.before
    change = None if row.small or before is None or row.prev_n < MIN_SIZE else num(share - before[i] / row.prev_n * 100)
    drill: dict[str, object] | None
    if t is not None and row.kinds is not None:  # with a threshold, every row has its kinds
        if row.kinds[i + 1] != SHOWN:
            share_shown = None
        if share_shown is None or not row.change_shown(i):
            change = None  # last time's share would give last time's hidden count away
        shown = disclosure.text(count, row.kinds[i + 1], t)
        value = count if shown == str(count) else shown
        text = shown if share_shown is None else f"{shown} ({pct(share_shown)})"
        drill = None
    else:
        value, text = count, (f"{count}" if row.small else f"{count} ({pct(share_shown)})")
        drill = {"subject": int(row.subject_id), **({"year": row.year} if row.year is not None else {})}
        drill = {**drill, "status": status} if count else None
    note = f"{signed(change)} pts" if change is not None else ""  # the table's caption says since when
    return Cell(value, text=text, drill=drill, note=note), [value, share_shown, change]


def _row_cells(frames: Frames, row: _Row, t: int | None, prev_name: str) -> tuple[list[Cell], list, list]:
    """A row's cells, its export values and the shares its chart bars plot."""
    year_text, subject_name = year_label(row.year), frames.subject_name(row.subject_id)
    n = row.n
    if t is None or row.kinds is None:  # with a threshold, every row has its kinds
        cells = [Cell(year_text, header=True), Cell(subject_name), Cell(n, note=SUPPRESSED if row.small else "")]
        export = [year_text, subject_name, n]
    else:  # a hidden count's text is its value too, so nothing downstream shows the number
        shown = disclosure.text(n, row.kinds[0], t)
        cells = [Cell(year_text, header=True), Cell(subject_name), Cell(n if shown == str(n) else shown)]
        export = [year_text, subject_name, cells[2].value]
    shares = []
    for i, s in enumerate(STATUSES):
        cell, values = _status_cell(row, i, s, t, prev_name)
        cells.append(cell)
        export += values
        shares.append(values[1])
    return cells, export, shares


def _chart(chart_rows: list) -> dict:
    return {
        "type": "bar",
        "data": {
            "labels": [f"{r[0].text} {r[1].text}" for r, _shares in chart_rows],
            "datasets": [
                {
                    "label": STATUS_LABELS[s],
                    "backgroundColor": STATUS_COLOURS[s],
                    # the share of a hidden count is never plotted (None leaves a gap)
                    "data": [shares[i] for _row, shares in chart_rows],
                }
                for i, s in enumerate(STATUSES)
            ],
        },
        "options": {
            "indexAxis": "y",
            "scales": {
                "x": {"stacked": True, "max": 100, "title": {"display": True, "text": "% of pupils"}},
                "y": {"stacked": True},
            },
        },
    }


def _export_headers() -> list[str]:
    headers = ["Year group", "Subject", "Pupils"]
    for s in STATUSES:
        label = STATUS_LABELS[s]
        headers += [f"{label} (pupils)", f"{label} (%)", f"{label} change (% points)"]
    return headers


def overview(frames: Frames) -> Table:
    """Per year group and subject (and all years per subject): how many pupils are ahead, on track,
    behind, well behind and stuck at the chosen window, with each share's change since the previous
    window in percentage points. Shares of fewer than 5 pupils are suppressed; counts stay — unless
    ``frames.threshold`` is set (a SIP, an export): then counts under it read "<5", what would reveal them
    "x", and no share or change is worked from a hidden count."""
    now = status_counts_at(frames, frames.window)
    then = status_counts_at(frames, frames.previous)
    t = frames.threshold
    kinds_now = _overview_kinds(now, t) if t is not None else {}
    kinds_then = _overview_kinds(then, t) if t is not None else {}
    order = subject_order(frames)
    keys = sorted(now, key=lambda k: (99 if k[0] is None else k[0], order.get(k[1], len(order))))
    prev_name = frames.previous["name"] if frames.previous else ""
    rows, export_rows, chart_rows = [], [], []
    for key in keys:
        kinds = (kinds_now[key], kinds_then.get(key)) if t is not None else (None, None)
        row = _Row(key[0], key[1], now[key], then.get(key), *kinds)
        cells, export, shares = _row_cells(frames, row, t, prev_name)
        rows.append(cells)
        export_rows.append(export)
        if not row.small:
            chart_rows.append((cells, shares))
    window_name = frames.window["name"] if frames.window else "no window"
    return Table(
        key="overview",
        title=f"Progress at {window_name}",
        headers=["Year group", "Subject", "Pupils"] + [STATUS_LABELS[s] for s in STATUSES],
        rows=rows,
        export_headers=_export_headers(),
        export_rows=export_rows,
        chart=_chart(chart_rows) if chart_rows else None,
        description=(f"Under each share, its change in percentage points since {prev_name}." if prev_name else ""),
    )
