"""The age-related expectations panel: per year group and subject, the share of pupils at or above the
expectation for the year and term they were in at the chosen window. Pure: frames (with the school's own
expectations, ``frames.expectations``) in, a :class:`~.tables.Table` out."""

from __future__ import annotations

from schoolpl import disclosure
from targets import expectations

from .frames import Frames
from .tables import MIN_SIZE, SUPPRESSED, Cell, Table, missing, num, pct, year_label


def _counts(frames: Frames) -> dict[tuple[int, int], list[int]]:
    """(pupils judged, pupils at or above ARE) at the chosen window by (year group now, subject id)."""
    window = frames.window
    counts: dict[tuple[int, int], list[int]] = {}
    if window is None or frames.judgements.empty:
        return counts
    found = frames.judgements[frames.judgements["window_id"] == window["id"]]
    found = found.merge(frames.pupils[["pupil_id", "year_group"]], on="pupil_id", how="inner")
    are_of: dict[tuple[int, int], float] = {}
    for year, subject_id, points in zip(
        found["year_group"].tolist(), found["subject_id"].tolist(), found["points"].tolist(), strict=True
    ):
        if missing(points) or missing(year):
            continue
        key = (int(year), int(subject_id))
        if key not in are_of:
            are_of[key] = expectations.expectation_at_window(
                year_group_now=key[0],
                this_year_start=frames.this_year_start,
                window_end=window["end_date"],
                year_start=window["year_start"],
                year_end=window["year_end"],
                subject_id=key[1],
                overrides=frames.expectations.are_overrides,
            )[2]
        tally = counts.setdefault(key, [0, 0])
        tally[0] += 1
        tally[1] += expectations.at_or_above(expectations.are_band(points, are_of[key]))
    return counts


def _cell(n: int, at: int, t: int | None) -> Cell:
    """One year group's share in one subject: hidden where a count would give a small number away."""
    if n == 0:
        return Cell(None, text="")
    if t is not None:
        if disclosure.share_hidden(at, n, t):
            hidden = disclosure.small(t) if n < t else disclosure.SECONDARY_TEXT
            return Cell(hidden, text=hidden)
        return Cell(num(at / n * 100), text=f"{pct(at / n * 100)} of {n}")
    if n < MIN_SIZE:
        return Cell(None, text=f"{n} pupil{'' if n == 1 else 's'}", note=SUPPRESSED)
    return Cell(num(at / n * 100), text=f"{pct(at / n * 100)} ({at} of {n})")


def are_by_year(frames: Frames) -> Table:
    """Per year group (as now) and subject: the share of pupils judged at the chosen window whose points are
    at or above the age-related expectation for the year and term they were in then (``targets.expectations``,
    the school's own where set). A share of fewer than 5 pupils is not shown; with ``frames.threshold`` (a
    SIP, an export) a share is shown only where neither the pupils at or above, those below, nor the whole
    is under it (``disclosure.share_hidden``), else "<5" or "x" — the table has no totals to subtract from."""
    subjects = list(zip(frames.subjects["id"].tolist(), frames.subjects["name"].tolist(), strict=True))
    counts = _counts(frames)
    rows, export_rows = [], []
    for year in sorted({y for y, _s in counts}):
        row = [Cell(year_label(year), header=True)]
        export: list[object] = [year_label(year)]
        for subject_id, _name in subjects:
            n, at = counts.get((year, subject_id), (0, 0))
            row.append(_cell(n, at, frames.threshold))
            export.append(row[-1].value)
        rows.append(row)
        export_rows.append(export)
    window_name = frames.window["name"] if frames.window else "no window"
    return Table(
        key="are",
        title=f"At or above age-related expectations at {window_name}",
        headers=["Year group", *(name for _sid, name in subjects)],
        rows=rows,
        export_headers=["Year group", *(f"{name} (% at or above ARE)" for _sid, name in subjects)],
        export_rows=export_rows,
        description="Year groups as now; each pupil is compared with the expectation for the year and term "
        "they were in at the window (end of Year 2 = 2b, end of Year 6 = 4b by default; the school's own "
        "where set on the target settings page).",
    )
