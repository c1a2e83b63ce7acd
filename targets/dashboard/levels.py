"""The levels panels: for each key stage and subject, the levels-of-progress table (RAISEonline style)
against the school's expected progress (``frames.expectations.expected_levels``) and the transition matrix.
Pure: frames in, :class:`~.tables.Table` pairs out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.analytics import PROGRESS_BUCKETS
from assessment.scales import whole_level_labels, whole_levels_array
from schoolpl import disclosure
from schoolpl.disclosure import SHOWN

from .frames import Frames, memo
from .policy import KEY_STAGES
from .tables import MIN_SIZE, SUPPRESSED, Cell, Table, num, pct, pupils_phrase

LEVEL_SCALES = {"nc", "nc_full", "gcse_letter"}


def baseline_frame(frames: Frames) -> pd.DataFrame:
    """Each pupil's most recent key-stage baseline per subject (a test result before teacher assessment),
    with points at the chosen window as the end and the pupil's year group."""
    base = frames.baselines
    keys = ["pupil_id", "subject_id"]
    if base.empty or frames.window is None:
        return pd.DataFrame(columns=[*keys, "key_stage", "start_points", "end_points", "year_group"])
    base = base.drop_duplicates(keys, keep="last")  # loaded in (key stage, test result last) order
    judgements = frames.judgements
    end = judgements.loc[judgements["window_id"] == frames.window["id"], [*keys, "points"]]
    return (
        base[[*keys, "key_stage", "points"]]
        .rename(columns={"points": "start_points"})
        .merge(end.rename(columns={"points": "end_points"}), on=keys, how="inner")
        .merge(frames.pupils[["pupil_id", "year_group"]], on="pupil_id", how="inner")
    )


def levels_frame(frames: Frames) -> pd.DataFrame:
    """:func:`baseline_frame` for the subjects assessed in levels, with whole levels at the start (NC) and
    at the end (GCSE letters for a GCSE subject, else NC) — NaN where points are missing — and ``lop``,
    the whole levels of progress (as :func:`assessment.analytics.levels_of_progress`)."""

    def build():
        frame = baseline_frame(frames)
        scales = frame["subject_id"].map(dict(zip(frames.subjects["id"], frames.subjects["scale_code"], strict=True)))
        keep = (scales.isin(LEVEL_SCALES) & frame["key_stage"].isin(list(KEY_STAGES))).to_numpy()
        frame = frame[keep]
        end_scale = np.where(scales[keep] == "gcse_letter", "gcse_letter", "nc")
        end_points = frame["end_points"].to_numpy(dtype=float)
        start = whole_levels_array(frame["start_points"].to_numpy(dtype=float), "nc")
        end = np.where(
            end_scale == "gcse_letter",
            whole_levels_array(end_points, "gcse_letter"),
            whole_levels_array(end_points, "nc"),
        )
        return frame.assign(end_scale=end_scale, start_whole=start, end_whole=end, lop=end - start)

    return memo(frames, "levels", build)


def _levels_in_range(levels: np.ndarray, scale_code: str) -> dict[int, str]:
    """The scale's whole levels (and labels) from the lowest to the highest in ``levels``."""
    if not len(levels):
        return {}
    low, high = levels.min(), levels.max()
    return {level: label for level, label in whole_level_labels(scale_code).items() if low <= level <= high}


def _crosstab(
    rows: np.ndarray, columns: np.ndarray, row_levels: Sequence[int], column_levels: Sequence[int]
) -> np.ndarray:
    """Counts of (row, column) pairs over the given levels, as a matrix (pairs off those levels are left
    out, as ``pd.crosstab(…).reindex(…)`` would)."""
    row_array, column_array = np.asarray(row_levels, dtype=int), np.asarray(column_levels, dtype=int)
    matrix = np.zeros((len(row_array), len(column_array)), dtype=int)
    if not len(row_array) or not len(column_array):
        return matrix
    r = np.searchsorted(row_array, rows).clip(0, len(row_array) - 1)
    c = np.searchsorted(column_array, columns).clip(0, len(column_array) - 1)
    on = (row_array[r] == rows) & (column_array[c] == columns)
    np.add.at(matrix, (r[on], c[on]), 1)
    return matrix


def _levels_shown(pupils: int, buckets: np.ndarray, matrix: np.ndarray, starts: list, ends: list, threshold) -> dict:
    """What each count of a levels panel may show (``disclosure`` kinds; all shown without a threshold):
    ``pupils``, the ``buckets`` of levels of progress and the transition ``matrix`` rows (cells, then the
    row's total). They are one table for the arithmetic: the buckets add up to the pupils, a matrix row to
    its total and the totals to the pupils, and each bucket is the sum of a diagonal band of the matrix."""
    n_rows, n_columns = matrix.shape
    if threshold is None:
        return {"pupils": SHOWN, "buckets": [SHOWN] * len(buckets), "matrix": [[SHOWN] * (n_columns + 1)] * n_rows}
    cell = 1 + len(buckets)  # positions: pupils, buckets, matrix cells row by row, row totals
    total = cell + n_rows * n_columns
    values = [pupils, *buckets.tolist(), *matrix.ravel().tolist(), *matrix.sum(axis=1).tolist()]
    lines = [disclosure.Line(tuple(range(1, cell)), 0)]
    for r in range(n_rows):
        lines.append(disclosure.Line(tuple(range(cell + r * n_columns, cell + (r + 1) * n_columns)), total + r))
    if int(matrix.sum()) == pupils:
        lines.append(disclosure.Line(tuple(range(total, total + n_rows)), 0))
        band = (np.subtract.outer(ends, starts).T.clip(-1, 4) + 1).ravel() if n_rows and n_columns else np.array([])
        diagonal = [tuple(cell + int(i) for i in np.flatnonzero(band == b)) for b in range(len(buckets))]
        if all(sum(values[i] for i in d) == buckets[b] for b, d in enumerate(diagonal)):
            lines += [disclosure.Line(d, 1 + b) for b, d in enumerate(diagonal) if d]
    kinds = disclosure.suppress(values, threshold, lines).tolist()
    matrix_kinds = [
        [*kinds[cell + r * n_columns : cell + (r + 1) * n_columns], kinds[total + r]] for r in range(n_rows)
    ]
    return {"pupils": kinds[0], "buckets": kinds[1:cell], "matrix": matrix_kinds}


@dataclass
class _Cohort:
    """The pupils of one key stage and subject with both a baseline and points now: their levels of progress
    (``lop``, bucket ``counts``), the transition ``matrix`` between the ``starts`` and ``ends`` levels, and
    what each count may show (``shown``) under the page's threshold ``t``."""

    subject: dict
    ks: str
    expected: int
    lop: np.ndarray
    listed: int  # pupils with a baseline, whether or not both levels are known
    counts: np.ndarray
    starts: dict[int, str]
    ends: dict[int, str]
    matrix: np.ndarray
    shown: dict
    t: int | None

    @property
    def pupils(self) -> int:
        return len(self.lop)

    @property
    def small(self) -> bool:
        return self.shown["pupils"] != SHOWN if self.t is not None else self.pupils < MIN_SIZE

    @property
    def drill(self) -> dict:
        return {"subject": int(self.subject["id"]), "panel": "levels", "ks": self.ks}

    @property
    def title(self) -> str:
        return f"{self.ks} to now: {self.subject['name']}"

    def hidden_bucket(self, b: int) -> bool:
        return self.t is not None and self.shown["buckets"][b] != SHOWN

    def share(self, part: np.ndarray, first_bucket: int) -> float | None:
        """The share of the pupils in ``part``, unless small or a hidden bucket from ``first_bucket`` on gives
        it away (a share of several buckets gives away a hidden one among them)."""
        if self.small or any(self.hidden_bucket(b) for b in range(first_bucket, 6)):
            return None
        return num(part.sum() / self.pupils * 100)


def _cohort(frames: Frames, subject: dict, ks: str, start: np.ndarray, end: np.ndarray, lop: np.ndarray) -> _Cohort:
    """``start``, ``end`` and ``lop``: whole levels of the key stage's and subject's pupils (NaN if unknown)."""
    known = ~np.isnan(lop)
    lop = lop[known]
    counts = np.bincount(lop.clip(-1, 4).astype(int) + 1, minlength=len(PROGRESS_BUCKETS))
    end_scale = "gcse_letter" if subject["scale_code"] == "gcse_letter" else "nc"
    start, end = start[known].astype(int), end[known].astype(int)
    starts, ends = _levels_in_range(start, "nc"), _levels_in_range(end, end_scale)
    matrix = _crosstab(start, end, list(starts), list(ends))
    t = frames.threshold
    shown = _levels_shown(int(known.sum()), counts, matrix, list(starts), list(ends), t)
    expected = frames.expectations.expected_levels[ks]
    return _Cohort(subject, ks, expected, lop, len(known), counts, starts, ends, matrix, shown, t)


def _levels_table(cohort: _Cohort) -> Table:
    c, t, ks, name = cohort, cohort.t, cohort.ks, cohort.subject["name"]
    lop_rows, lop_export = [], []
    for b, (bucket, count) in enumerate(zip(PROGRESS_BUCKETS, c.counts.tolist(), strict=True)):
        hidden = c.hidden_bucket(b)
        share = None if c.small or hidden else num(count / c.pupils * 100)
        value = disclosure.text(count, c.shown["buckets"][b], t) if hidden and t is not None else count
        label = f"{bucket} level{'s' if bucket != '1' else ''}"
        lop_rows.append(
            [
                Cell(label, header=True),
                Cell(value, drill={**c.drill, "bucket": bucket} if count and t is None else None),
                Cell(
                    share, text=pct(share) if share is not None else "—", note="" if share is not None else SUPPRESSED
                ),
            ]
        )
        lop_export.append([ks, name, bucket, value, share])
    missing_count = c.listed - c.pupils
    missing: int | str = missing_count
    if t is not None and missing_count < t:  # those without both: a count like any other
        missing = disclosure.small(t) if missing_count else 0
    return Table(
        key=f"levels-{ks}-{c.subject['id']}",
        title=f"Levels of progress, {c.title}",
        headers=["Levels of progress", "Pupils", "% of pupils"],
        rows=lop_rows,
        export_headers=["Key stage", "Subject", "Levels of progress", "Pupils", "% of pupils"],
        export_rows=lop_export,
        chart={
            "type": "bar",
            "data": {
                "labels": list(PROGRESS_BUCKETS),
                "datasets": [
                    {
                        "label": "Pupils",
                        "backgroundColor": "#2c5d8f",
                        # a hidden count is never plotted
                        "data": [v if isinstance(v, int) else None for v in (r[1].value for r in lop_rows)],
                    }
                ],
            },
            "options": {"plugins": {"legend": {"display": False}}},
        },
        extra={
            "pupils": c.pupils,
            "pupils_text": pupils_phrase(disclosure.text(c.pupils, c.shown["pupils"], t) if t else str(c.pupils)),
            "missing": missing,
            "expected_levels": c.expected,
            "pct_expected": c.share(c.lop >= c.expected, c.expected + 1),
            "pct_more": c.share(c.lop > c.expected, c.expected + 2),
            "small": c.small,
        },
    )


def _matrix_table(cohort: _Cohort) -> Table:
    c, t, ks = cohort, cohort.t, cohort.ks
    m_rows, m_export = [], []
    for r, (start_label, counts_now) in enumerate(zip(c.starts.values(), c.matrix.tolist(), strict=True)):
        values = [
            disclosure.text(count, kind, t) if kind != SHOWN and t is not None else count
            for count, kind in zip([*counts_now, sum(counts_now)], c.shown["matrix"][r], strict=True)
        ]
        row = [Cell(start_label, header=True)]
        for end_label, count, value in zip(c.ends.values(), counts_now, values, strict=False):
            link = count and t is None
            row.append(Cell(value, drill={**c.drill, "start": start_label, "end": end_label} if link else None))
        row.append(Cell(values[-1]))
        m_rows.append(row)
        m_export.append([ks, c.subject["name"], start_label, *values])
    now_headers = [f"Now {label}" for label in c.ends.values()]
    return Table(
        key=f"matrix-{ks}-{c.subject['id']}",
        title=f"Transition matrix, {c.title}",
        headers=[f"{ks} level", *now_headers, "Total"],
        rows=m_rows,
        export_headers=["Key stage", "Subject", f"{ks} level", *now_headers, "Total"],
        export_rows=m_export,
    )


def levels_panels(frames: Frames) -> list[dict]:
    """For each key stage and subject: the levels-of-progress table (RAISEonline style) and the transition
    matrix (whole level at the baseline × whole level now), both as Tables. The arithmetic is that of
    :func:`assessment.analytics.levels_of_progress_table` and :func:`~assessment.analytics.transition_matrix`,
    over the levels computed once for every subject."""
    frame = levels_frame(frames)
    panels: list[dict] = []
    if frame.empty:
        return panels
    subject_ids, key_stages = frame["subject_id"].to_numpy(), frame["key_stage"].to_numpy()
    start_all, end_all, lop_all = (frame[c].to_numpy() for c in ("start_whole", "end_whole", "lop"))
    for subject in frames.subjects.to_dict("records"):
        if subject["scale_code"] not in LEVEL_SCALES:
            continue
        for ks in KEY_STAGES:
            mask = (subject_ids == subject["id"]) & (key_stages == ks)
            if not mask.any():
                continue
            cohort = _cohort(frames, subject, ks, start_all[mask], end_all[mask], lop_all[mask])
            levels, matrix = _levels_table(cohort), _matrix_table(cohort)
            panels.append({"ks": ks, "subject": subject, "levels": levels, "matrix": matrix})
    return panels
