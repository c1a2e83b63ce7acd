"""Small-number suppression (schoolpl.disclosure): pure, no database."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from schoolpl import disclosure
from schoolpl.disclosure import PRIMARY, SECONDARY, SHOWN, Line, suppress, suppress_frame, table_lines


def with_margins(parts: np.ndarray) -> pd.DataFrame:
    """A table of ``parts`` with a "Total" column and an "All" row, as the dashboard's overview has."""
    frame = pd.DataFrame(parts, columns=[f"c{i}" for i in range(parts.shape[1])])
    frame.insert(0, "Total", frame.sum(axis=1))
    frame.loc["All"] = frame.sum(axis=0)
    return frame


def recovered_by_subtraction(values: np.ndarray, kinds: np.ndarray, lines: list[Line]) -> set[int]:
    """What a reader works out by subtraction, line after line, from the shown counts: any line with one
    unknown member gives it away, and a count found so helps in the next line."""
    known = kinds == SHOWN
    found: set[int] = set()
    progress = True
    while progress:
        progress = False
        for line in lines:
            members = [*line.parts, line.total]
            unknown = [i for i in members if not known[i]]
            if len(unknown) == 1:
                known[unknown[0]] = True
                found.add(unknown[0])
                progress = True
    return found


def determined_by_equations(kinds: np.ndarray, lines: list[Line]) -> set[int]:
    """Hidden counts that the lines' equations fix whatever else (linear algebra over every line)."""
    hidden = np.flatnonzero(kinds != SHOWN)
    column = {int(i): j for j, i in enumerate(hidden)}
    matrix = np.zeros((len(lines), len(hidden)))
    for r, line in enumerate(lines):
        for i in line.parts:
            if i in column:
                matrix[r, column[i]] += 1
        if line.total in column:
            matrix[r, column[line.total]] -= 1
    rank = np.linalg.matrix_rank(matrix) if len(hidden) else 0
    out = set()
    for j, i in enumerate(hidden):
        unit = np.zeros(len(hidden))
        unit[j] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            out.add(int(i))
    return out


tables = st.integers(1, 5).flatmap(
    lambda rows: st.integers(1, 5).flatmap(
        lambda cols: st.lists(
            st.one_of(st.integers(0, 6), st.integers(0, 60)), min_size=rows * cols, max_size=rows * cols
        ).map(lambda values: np.array(values, dtype=np.int64).reshape(rows, cols))
    )
)


@settings(max_examples=300, deadline=None)
@given(parts=tables, threshold=st.integers(2, 6))
def test_no_suppressed_count_can_be_recovered_by_subtraction(parts, threshold):
    frame = with_margins(parts)
    kinds = suppress_frame(frame, threshold, total_columns=["Total"], total_rows=["All"])
    lines = table_lines(frame.shape, total_rows=[frame.shape[0] - 1], total_columns=[0])
    flat = kinds.to_numpy().reshape(-1)
    assert not recovered_by_subtraction(frame.to_numpy().reshape(-1), flat, lines) & set(np.flatnonzero(flat))


@settings(max_examples=300, deadline=None)
@given(parts=tables, threshold=st.integers(2, 6))
def test_no_suppressed_count_is_fixed_by_the_totals_together(parts, threshold):
    frame = with_margins(parts)
    kinds = suppress_frame(frame, threshold, total_columns=["Total"], total_rows=["All"])
    lines = table_lines(frame.shape, total_rows=[frame.shape[0] - 1], total_columns=[0])
    assert not determined_by_equations(kinds.to_numpy().reshape(-1), lines)


@settings(max_examples=300, deadline=None)
@given(parts=tables, threshold=st.integers(2, 6))
def test_every_count_under_the_threshold_is_hidden_and_only_hidden_counts_say_so(parts, threshold):
    frame = with_margins(parts)
    kinds = suppress_frame(frame, threshold, total_columns=["Total"], total_rows=["All"])
    shown = disclosure.shown_frame(frame, kinds, threshold)
    values, flat, texts = frame.to_numpy().ravel(), kinds.to_numpy().ravel(), shown.to_numpy().ravel()
    assert ((values < threshold) == (flat == PRIMARY)).all()
    assert set(texts[flat == PRIMARY]) <= {f"<{threshold}"}
    assert set(texts[flat == SECONDARY]) <= {"x"}
    assert (texts[flat == SHOWN] == values[flat == SHOWN].astype(str)).all()


def test_a_cohort_of_one_hides_every_count_of_its_row():
    frame = with_margins(np.array([[3, 12, 4, 1, 0], [0, 1, 0, 0, 0]]))
    kinds = suppress_frame(frame, 5, total_columns=["Total"], total_rows=["All"])
    assert kinds.iloc[1].tolist() == [PRIMARY] * 6


def test_one_small_cell_in_a_row_hides_the_next_smallest_too():
    frame = pd.DataFrame({"Total": [40], "a": [20], "b": [12], "c": [6], "d": [2]})
    kinds = suppress_frame(frame, 5, total_columns=["Total"])
    assert kinds.iloc[0].tolist() == [SHOWN, SHOWN, SHOWN, SECONDARY, PRIMARY]
    assert disclosure.shown_frame(frame, kinds, 5).iloc[0].tolist() == ["40", "20", "12", "x", "<5"]


def test_two_small_cells_pinned_by_their_bounds_hide_a_third():
    # 4 + 4 = 50 − 42: two "<5" cells that must add up to 8 are both 4.
    frame = pd.DataFrame({"Total": [50], "a": [42], "b": [4], "c": [4]})
    kinds = suppress_frame(frame, 5, total_columns=["Total"])
    assert (kinds.iloc[0] != SHOWN).sum() >= 3 or kinds.iloc[0]["Total"] != SHOWN


def test_a_total_is_hidden_when_every_part_is():
    frame = pd.DataFrame({"Total": [8], "a": [4], "b": [4]})
    kinds = suppress_frame(frame, 5, total_columns=["Total"])
    assert kinds.iloc[0].tolist() == [SECONDARY, PRIMARY, PRIMARY]


def test_a_known_total_is_never_hidden():
    kinds = suppress([2, 30, 32], 5, [Line((0, 1), 2)], fixed=[2])
    assert kinds.tolist() == [PRIMARY, SECONDARY, SHOWN]


def test_shares_of_small_parts_or_small_rests_are_hidden():
    assert disclosure.share_hidden(1, 100, 5)
    assert disclosure.share_hidden(98, 100, 5)
    assert disclosure.share_hidden(3, 3, 5)
    assert not disclosure.share_hidden(50, 100, 5)


@settings(max_examples=100, deadline=None)
@given(first=tables, second=tables, threshold=st.integers(2, 6))
def test_tables_that_share_no_count_are_protected_as_each_alone(first, second, threshold):
    a, b = with_margins(first), with_margins(second)
    lines_a = table_lines(a.shape, total_rows=[a.shape[0] - 1], total_columns=[0])
    lines_b = table_lines(b.shape, total_rows=[b.shape[0] - 1], total_columns=[0])
    offset = a.size
    shifted = [Line(tuple(i + offset for i in line.parts), line.total + offset) for line in lines_b]
    values = np.concatenate([a.to_numpy().ravel(), b.to_numpy().ravel()])
    together = suppress(values, threshold, lines_a + shifted)
    alone = np.concatenate(
        [suppress(a.to_numpy().ravel(), threshold, lines_a), suppress(b.to_numpy().ravel(), threshold, lines_b)]
    )
    assert together.tolist() == alone.tolist()


def test_a_group_and_the_rest_of_a_known_whole_hide_together():
    # 3 looked-after pupils of 200: the rest (197) would give the 3 away against the 200 known from other rows.
    kinds = suppress([3, 197, 200], 5, [Line((0, 1), 2)], fixed=[2])
    assert kinds.tolist() == [PRIMARY, SECONDARY, SHOWN]
