"""Small-number suppression (DESIGN §4): the arithmetic, pure, in one place.

Any count under the school's threshold (``School.small_count_threshold``, default 5) in a figure that a
SIP, a trust view or an export sees is shown as "<5" (*primary* suppression). Because the figures come with
totals — a row's "Pupils", an "All years" row, a transition matrix's "Total" — a hidden count could be
worked out by subtraction, so further cells are hidden too (*secondary* suppression, shown as "x", as in
the DfE's own statistics) until no hidden count can be recovered:

* a line (a total and its parts) never has exactly one hidden member: if it has, the next-smallest
  shown part is hidden, or the total when every part is hidden already (DfE practice);
* nor can the reader pin a hidden count by bounds: "<5" cells lie in 0…threshold−1 and "x" cells at or
  above the threshold, so two "<5" cells that must add up to 8 are both 4 — that line gets another cell
  hidden too;
* nor by combining lines (a hidden cell that linear algebra over every line determines).

Zero is a count under the threshold too: showing the zeros of a row of one pupil would name that
pupil's category. A table is given as a flat array of counts and its :class:`Line`\\ s;
:func:`suppress_frame` builds the lines of an ordinary table with total rows and total columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

SHOWN, PRIMARY, SECONDARY = 0, 1, 2
#: What a secondary-suppressed cell shows (the DfE's symbol): it is not under the threshold, so "<5" would
#: be untrue.
SECONDARY_TEXT = "x"


@dataclass(frozen=True)
class Line:
    """``sum(parts) == total``, as positions in the flat array of counts."""

    parts: tuple[int, ...]
    total: int


def small(threshold: int) -> str:
    """How a count under ``threshold`` is shown: "<5"."""
    return f"<{threshold}"


def text(value, kind: int, threshold: int) -> str:
    """A count as shown: itself, "<5" or "x"."""
    if kind == PRIMARY:
        return small(threshold)
    if kind == SECONDARY:
        return SECONDARY_TEXT
    return str(value)


def suppress(
    counts: Sequence[int] | np.ndarray,
    threshold: int,
    lines: Iterable[Line] = (),
    *,
    fixed: Iterable[int] = (),
) -> np.ndarray:
    """What each count may show: :data:`SHOWN`, :data:`PRIMARY` ("<5") or :data:`SECONDARY` ("x").

    ``counts`` are non-negative integers; ``lines`` say which of them add up to which; ``fixed`` are
    positions the reader knows anyway (a total published elsewhere): never hidden, never chosen. Counts
    under ``threshold`` are hidden; then, while some hidden count can be worked out from the shown ones
    (one line, bounds, or all lines together), the smallest shown part of a line that gives it away is
    hidden too (or that line's total). A hidden count no hiding can protect — every member of every line
    it is in hidden or fixed — is left as it is."""
    values = np.asarray(counts, dtype=np.int64).reshape(-1)
    if (values < 0).any():
        raise ValueError("Counts are never negative.")
    fixed = set(fixed)
    kind = np.where(values < threshold, PRIMARY, SHOWN).astype(np.int8)
    for i in fixed:
        kind[i] = SHOWN
    lines = [line for line in lines if line.parts]
    by_cell: dict[int, list[Line]] = {}
    for line in lines:
        for i in (*line.parts, line.total):
            by_cell.setdefault(i, []).append(line)
    given_up: set[int] = set()
    for component in _components(lines):  # lines sharing no count are protected apart: much cheaper
        cells = np.unique([i for line in component for i in (*line.parts, line.total)])
        while True:
            found = _determined(values, kind, threshold, component, cells)
            exposed = [i for i in found if i not in given_up]
            if not exposed:
                break
            choice = _next_to_hide(exposed[0], values, kind, by_cell, set(exposed), fixed)
            if choice is None:
                given_up.add(exposed[0])
            else:
                kind[choice] = SECONDARY
    return kind


def _components(lines: list[Line]) -> list[list[Line]]:
    """The lines grouped by the counts they share (connected components)."""
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while parent.setdefault(i, i) != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for line in lines:
        first = root(line.total)
        for i in line.parts:
            parent[root(i)] = first
    groups: dict[int, list[Line]] = {}
    for line in lines:
        groups.setdefault(root(line.total), []).append(line)
    return list(groups.values())


def _next_to_hide(cell: int, values, kind, by_cell: dict, exposed: set[int], fixed: set[int]) -> int | None:
    """A shown member of the line through ``cell`` with the fewest hidden members: the one that also sits
    in the most lines giving a count away, then in the most lines with a hidden count already (so one
    hidden cell protects two lines), then the smallest — or that line's total when every part is hidden.
    None when every line through ``cell`` is hidden or fixed throughout."""

    def hidden(line: Line) -> int:
        return sum(kind[i] != SHOWN for i in (*line.parts, line.total))

    def weak(line: Line) -> bool:
        return any(i in exposed for i in (*line.parts, line.total))

    def score(i: int, line: Line) -> tuple:
        across = [other for other in by_cell.get(i, []) if other is not line]
        return (-sum(map(weak, across)), -sum(hidden(o) > 0 for o in across), values[i], i)

    for line in sorted(by_cell.get(cell, []), key=hidden):
        parts = [i for i in line.parts if kind[i] == SHOWN and i not in fixed]
        if parts:
            return min(parts, key=lambda i: score(i, line))
        if kind[line.total] == SHOWN and line.total not in fixed:
            return line.total
    return None


def _determined(values, kind, threshold: int, lines: list[Line], cells: np.ndarray) -> list[int]:
    """Hidden positions among ``cells`` (those of ``lines``) whose count a reader can work out from what is
    shown: by bounds propagated along the lines, or by the lines' equations alone."""
    hidden = cells[kind[cells] != SHOWN]
    if not len(hidden):
        return []
    lo, hi = _bounds(values, kind, threshold, lines)
    found = {int(i) for i in hidden if lo[i] == hi[i]}
    found |= _solvable(kind, lines, hidden)
    return sorted(found)


def _bounds(values, kind, threshold: int, lines: list[Line], passes: int = 50):
    """The tightest bounds each count has by interval propagation along the lines: shown counts are
    exact, "<N" counts lie in 0…N−1, "x" counts at N or more."""
    lo = np.where(kind == SHOWN, values, np.where(kind == PRIMARY, 0, threshold)).astype(float)
    hi = np.where(kind == SHOWN, values, np.where(kind == PRIMARY, threshold - 1, math.inf)).astype(float)
    if not lines:
        return lo, hi
    # Every line at once: parts padded with a dummy cell (the last, always 0) to a rectangle.
    dummy = len(lo)
    lo, hi = np.append(lo, 0.0), np.append(hi, 0.0)
    width = max(len(line.parts) for line in lines)
    parts = np.full((len(lines), width), dummy, dtype=np.int64)
    for r, line in enumerate(lines):
        parts[r, : len(line.parts)] = line.parts
    totals = np.array([line.total for line in lines], dtype=np.int64)
    for _ in range(passes):
        before_lo, before_hi = lo.copy(), hi.copy()
        p_lo, p_hi = lo[parts], hi[parts]
        infinite = np.isinf(p_hi)
        finite_hi = np.where(infinite, 0.0, p_hi)
        unbounded = infinite.sum(axis=1)
        low_sum, finite_sum = p_lo.sum(axis=1), finite_hi.sum(axis=1)
        np.maximum.at(lo, totals, low_sum)
        np.minimum.at(hi, totals, np.where(unbounded > 0, math.inf, finite_sum))
        # A part lies between the total less the others' upper bounds and the total less their lower bounds
        # (no lower bound from a line with another unbounded part).
        others_unbounded = (unbounded[:, None] - infinite) > 0
        with np.errstate(invalid="ignore"):
            new_lo = np.where(others_unbounded, -math.inf, lo[totals][:, None] - (finite_sum[:, None] - finite_hi))
        new_hi = hi[totals][:, None] - (low_sum[:, None] - p_lo)
        np.maximum.at(lo, parts, new_lo)
        np.minimum.at(hi, parts, new_hi)
        lo[dummy] = hi[dummy] = 0.0
        if np.array_equal(lo, before_lo) and np.array_equal(hi, before_hi):
            break
    lo, hi = lo[:-1], hi[:-1]
    return lo, hi


def _solvable(kind, lines: list[Line], hidden: np.ndarray) -> set[int]:
    """Hidden positions fixed by the lines' equations alone (whatever the bounds): those on which every
    solution of the homogeneous system over the hidden counts is zero."""
    rows = [line for line in lines if any(kind[i] != SHOWN for i in (*line.parts, line.total))]
    if not rows:
        return set()
    column = {int(i): j for j, i in enumerate(hidden)}
    matrix = np.zeros((len(rows), len(hidden)))
    for r, line in enumerate(rows):
        for i in line.parts:
            if i in column:
                matrix[r, column[i]] += 1.0
        if line.total in column:
            matrix[r, column[line.total]] -= 1.0
    # The null space's basis: hidden count j is free iff some null vector moves it.
    _u, s, vt = np.linalg.svd(matrix)
    rank = int((s > 1e-9).sum())
    null = vt[rank:]
    if not len(null):
        return {int(i) for i in hidden}
    moves = np.abs(null).max(axis=0)
    return {int(hidden[j]) for j in np.flatnonzero(moves < 1e-9)}


# --- Tables as DataFrames ---------------------------------------------------------------------------


def table_lines(
    shape: tuple[int, int], total_rows: Sequence[int] = (), total_columns: Sequence[int] = ()
) -> list[Line]:
    """The lines of a rows × columns table (flat positions, row by row) where each of ``total_columns``
    is the sum of the other columns of its row and each of ``total_rows`` the sum of the other rows of its
    column."""
    n_rows, n_columns = shape
    part_rows = [r for r in range(n_rows) if r not in set(total_rows)]
    part_columns = [c for c in range(n_columns) if c not in set(total_columns)]
    lines = []
    for r in range(n_rows):
        for t in total_columns:
            lines.append(Line(tuple(r * n_columns + c for c in part_columns), r * n_columns + t))
    for c in range(n_columns):
        for t in total_rows:
            lines.append(Line(tuple(r * n_columns + c for r in part_rows), t * n_columns + c))
    return lines


def suppress_frame(
    counts: pd.DataFrame, threshold: int, *, total_columns: Sequence = (), total_rows: Sequence = ()
) -> pd.DataFrame:
    """:func:`suppress` for a table of counts whose ``total_columns`` (labels) sum the other columns of
    each row and whose ``total_rows`` (index labels) sum the other rows: the kind of each cell, same shape."""
    columns, index = list(counts.columns), list(counts.index)
    lines = table_lines(
        counts.shape,
        total_rows=[index.index(r) for r in total_rows],
        total_columns=[columns.index(c) for c in total_columns],
    )
    kinds = suppress(counts.to_numpy(dtype=np.int64).reshape(-1), threshold, lines)
    return pd.DataFrame(kinds.reshape(counts.shape), index=counts.index, columns=counts.columns)


def shown_frame(counts: pd.DataFrame, kinds: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The counts as shown: numbers as text, "<5" and "x"."""
    out = [
        [text(v, k, threshold) for v, k in zip(vs, ks, strict=True)]
        for vs, ks in zip(counts.to_numpy().tolist(), kinds.to_numpy().tolist(), strict=True)
    ]
    return pd.DataFrame(out, index=counts.index, columns=counts.columns)


def share_hidden(part: int, whole: int, threshold: int) -> bool:
    """Whether ``part`` of ``whole`` as a percentage gives away a small count: the part, the rest or the
    whole under the threshold (100% of three looked-after pupils names their status as surely as "3")."""
    return part < threshold or whole - part < threshold or whole < threshold
