"""Progress analytics over DataFrames (pure: no Django, no database)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.analytics import (
    DEFAULT_GROUPS,
    PROGRESS_BUCKETS,
    STATUSES,
    Group,
    expand_groups,
    gap_trend,
    group_gaps,
    group_split,
    latest_per_pupil,
    levels_of_progress,
    levels_of_progress_table,
    points_gained,
    share_by_status,
    transition_matrix,
    transition_matrix_percent,
)

NaN = math.nan
WINDOWS = {1: "2020-09-01", 2: "2021-01-04", 3: "2021-04-19", 4: "2021-09-01"}


def judgements(rows):
    """A judgement frame from (pupil_id, subject, window_id, points) rows."""
    frame = pd.DataFrame(rows, columns=["pupil_id", "subject", "window_id", "points"])
    frame["window_start"] = pd.to_datetime(frame["window_id"].map(WINDOWS))
    return frame


def pupils(pairs):
    """A pupil frame from (start_points, end_points) pairs."""
    return pd.DataFrame(pairs, columns=["start_points", "end_points"], dtype=float)


# Eight pupils with both judgements and one without an end; whole levels in the comments.
COHORT = pupils(
    [
        (15, 27),  # 2b → 4b: 2 → 4
        (13, 21),  # 2c → 3b: 2 → 3
        (17, 29),  # 2a → 4a: 2 → 4
        (21, 33),  # 3b → 5b: 3 → 5
        (3, 9),  # W → 1b: 0 → 1
        (27, 27),  # 4b → 4b: 4 → 4
        (21, NaN),  # no end: left out
        (19, 25),  # 3a → 4c: 3 → 4
        (9, 23),  # 1b → 3a: 1 → 3
    ]
)


# --- Latest judgements and points gained ------------------------------------------------------


def test_latest_per_pupil_takes_the_last_judged_window_per_subject():
    df = judgements([(1, "maths", 1, 15), (1, "maths", 3, 19), (1, "maths", 2, 17), (1, "english", 1, 21)])
    latest = latest_per_pupil(df)
    assert latest[["pupil_id", "subject", "points"]].values.tolist() == [[1, "english", 21], [1, "maths", 19]]


def test_latest_per_pupil_as_of_a_date_ignores_later_and_unjudged_rows():
    df = judgements([(1, "maths", 1, 15), (1, "maths", 2, NaN), (1, "maths", 3, 19)])
    assert latest_per_pupil(df, as_of="2021-03-01")["points"].tolist() == [15]
    assert latest_per_pupil(df, as_of="2021-04-19")["points"].tolist() == [19]
    assert latest_per_pupil(df, as_of="2020-01-01").empty


def test_points_gained_with_missing_data():
    df = judgements(
        [
            (1, "maths", 1, 15),
            (1, "maths", 2, 17),
            (1, "maths", 3, 19),
            (1, "english", 1, 21),  # nothing since: gained 0
            (2, "maths", 2, 13),  # joined after the start
            (2, "maths", 3, NaN),  # not judged at the end: the earlier judgement counts
            (3, "maths", 3, 21),  # joined after the start
            (4, "maths", 4, 25),  # only after the end
        ]
    )
    gained = points_gained(df, start="2020-12-31", end="2021-04-30")
    assert list(gained.columns) == ["pupil_id", "subject", "start_points", "end_points", "gained"]
    expected = pd.DataFrame(
        {
            "pupil_id": [1, 1, 2, 3, 4],
            "subject": ["english", "maths", "maths", "maths", "maths"],
            "start_points": [21, 15, NaN, NaN, NaN],
            "end_points": [21, 19, 13, 21, NaN],
            "gained": [0, 4, NaN, NaN, NaN],
        }
    )
    pd.testing.assert_frame_equal(gained, expected, check_dtype=False)


def test_points_gained_start_must_not_be_after_end():
    with pytest.raises(ValueError, match="after"):
        points_gained(judgements([(1, "maths", 1, 15)]), start="2021-01-01", end="2020-01-01")


# --- Levels of progress ------------------------------------------------------------------------


def test_levels_of_progress_counts_whole_levels_not_points():
    result = levels_of_progress(pd.Series([13.0, 17, 17, NaN]), pd.Series([27.0, 25, NaN, 27]))
    assert result.dtype == "Int64"
    assert result.tolist()[:2] == [2, 2]  # 2c → 4b and 2a → 4c are both two levels
    assert result.isna().tolist() == [False, False, True, True]


def test_levels_of_progress_ks2_to_gcse():
    result = levels_of_progress(
        pd.Series([27.0, 33, 21]), pd.Series([40.0, 52, 28]), end_scale="gcse_letter"
    )  # L4 → C, L5 → A, L3 → E
    assert result.tolist() == [3, 4, 2]


def test_levels_of_progress_table_by_hand():
    frame = pd.concat([COHORT, pupils([(33, 27), (9, 33)])], ignore_index=True)  # 5 → 4: -1; 1 → 5: 4
    result = levels_of_progress_table(frame, expected_levels=2)
    # levels: 2, 1, 2, 2, 1, 0, (missing), 1, 2, -1, 4
    assert result.table["pupils"].to_dict() == {"<0": 1, "0": 1, "1": 3, "2": 4, "3": 0, "4+": 1}
    assert result.table["percent"].tolist() == [10.0, 10.0, 30.0, 40.0, 0.0, 10.0]
    assert list(result.table.index) == list(PROGRESS_BUCKETS)
    assert (result.pupils, result.missing, result.expected_levels) == (10, 1, 2)
    assert result.pct_expected == 50.0
    assert result.pct_more_than_expected == 10.0


def test_levels_of_progress_table_of_nobody():
    result = levels_of_progress_table(pupils([(15, NaN)]), expected_levels=2)
    assert result.pupils == 0 and result.missing == 1
    assert result.table["pupils"].sum() == 0
    assert math.isnan(result.pct_expected)


sublevel_points = st.sampled_from([3.0, *range(7, 54, 2), 57.0, NaN])


@given(st.lists(st.tuples(sublevel_points, sublevel_points), max_size=30), st.integers(0, 4))
def test_levels_of_progress_table_accounts_for_every_pupil(pairs, expected):
    result = levels_of_progress_table(pupils(pairs), expected_levels=expected)
    assert result.table["pupils"].sum() == result.pupils
    assert result.pupils + result.missing == len(pairs)
    if result.pupils:
        assert result.table["percent"].sum() == pytest.approx(100)
        assert result.pct_more_than_expected <= result.pct_expected


# --- Transition matrices -------------------------------------------------------------------------


def test_transition_matrix_by_hand():
    matrix = transition_matrix(COHORT)
    expected = pd.DataFrame(
        [
            [1, 0, 0, 0, 0],  # W
            [0, 0, 1, 0, 0],  # 1
            [0, 0, 1, 2, 0],  # 2
            [0, 0, 0, 1, 1],  # 3
            [0, 0, 0, 1, 0],  # 4
        ],
        index=pd.Index(["W", "1", "2", "3", "4"], name="start"),
        columns=pd.Index(["1", "2", "3", "4", "5"], name="end"),
    )
    pd.testing.assert_frame_equal(matrix, expected)


def test_transition_matrix_fills_levels_nobody_reached():
    matrix = transition_matrix(pupils([(9, 27), (27, 45)]))  # 1 → 4, 4 → 7
    assert list(matrix.index) == ["1", "2", "3", "4"]
    assert list(matrix.columns) == ["4", "5", "6", "7"]
    assert matrix.loc["2"].sum() == 0


def test_transition_matrix_ks2_to_gcse_uses_grade_labels():
    frame = pd.DataFrame({"ks2": [27.0, 27, 33], "gcse": [40.0, 34, 58]})
    matrix = transition_matrix(frame, "ks2", "gcse", end_scale="gcse_letter")
    assert list(matrix.columns) == ["D", "C", "B", "A", "A*"]
    assert matrix.loc["4"].tolist() == [1, 1, 0, 0, 0]
    assert matrix.loc["5", "A*"] == 1


def test_transition_matrix_of_nobody_is_empty():
    assert transition_matrix(pupils([(NaN, 27)])).empty


def test_transition_matrix_percent_is_row_percentages():
    percent = transition_matrix_percent(transition_matrix(COHORT))
    assert percent.loc["2"].tolist() == pytest.approx([0, 0, 100 / 3, 200 / 3, 0])
    assert percent.loc["W"].tolist() == [100, 0, 0, 0, 0]


def test_transition_matrix_percent_of_an_empty_row_is_nan():
    percent = transition_matrix_percent(transition_matrix(pupils([(9, 27), (27, 45)])))
    assert percent.loc["2"].isna().all()


@given(st.lists(st.tuples(sublevel_points, sublevel_points), max_size=30))
def test_transition_matrix_counts_every_pupil_with_both_points(pairs):
    frame = pupils(pairs)
    matrix = transition_matrix(frame)
    assert matrix.to_numpy().sum() == frame.notna().all(axis=1).sum()


# --- Group gaps ---------------------------------------------------------------------------------


@pytest.fixture
def class_of_twelve():
    ids = list(range(1, 13))
    return pd.DataFrame(
        {
            "pupil_id": ids,
            "gained": [2, 4, 6, 8, 10, 12, 1, 3, 5, 7, 9, 11],
            "fsm": [True] * 6 + [False] * 5 + [None],  # pupil 12: not known
            "eal": [True, True] + [False] * 10,
            "gender": ["F" if i % 2 else "M" for i in ids],
        }
    )


def test_group_gaps_with_a_suppressed_small_group(class_of_twelve):
    gaps = group_gaps(class_of_twelve, "gained").set_index("label")
    assert list(gaps.index) == ["FSM", "EAL", "Gender: F", "Gender: M"]  # no sen column: no SEN rows
    assert list(gaps.columns) == ["n_group", "n_rest", "mean_group", "mean_rest", "gap", "suppressed"]

    fsm = gaps.loc["FSM"]
    assert (fsm.n_group, fsm.n_rest) == (6, 5)  # pupil 12's FSM is unknown: in neither
    assert (fsm.mean_group, fsm.mean_rest, fsm.gap) == (7.0, 5.0, 2.0)
    assert not fsm.suppressed

    eal = gaps.loc["EAL"]
    assert (eal.n_group, eal.n_rest) == (2, 10)
    assert eal.suppressed
    assert np.isnan([eal.mean_group, eal.mean_rest, eal.gap]).all()

    assert gaps.loc["Gender: F", "gap"] == 5.5 - 7.5
    assert gaps.loc["Gender: M", "gap"] == 7.5 - 5.5


def test_group_gaps_suppress_when_the_rest_is_small(class_of_twelve):
    class_of_twelve["eal"] = [True] * 9 + [False] * 3
    eal = group_gaps(class_of_twelve, "gained", min_size=5).set_index("label").loc["EAL"]
    assert eal.suppressed and math.isnan(eal.gap)


def test_group_gaps_leave_out_pupils_without_a_value(class_of_twelve):
    class_of_twelve.loc[0, "gained"] = NaN
    fsm = group_gaps(class_of_twelve, "gained").set_index("label").loc["FSM"]
    assert fsm.n_group == 5
    assert fsm.mean_group == 8.0


def test_sen_groups():
    frame = pd.DataFrame({"sen": ["N"] * 6 + ["K"] * 5 + ["E"] * 5, "gained": [4] * 6 + [2] * 5 + [1] * 5})
    gaps = group_gaps(frame, "gained").set_index("label")
    assert gaps.loc["SEN K", "n_rest"] == 11
    assert gaps.loc["SEN K", "gap"] == pytest.approx(2 - (6 * 4 + 5 * 1) / 11)
    assert gaps.loc["SEN K or E", "n_group"] == 10
    assert gaps.loc["SEN K or E", "gap"] == 1.5 - 4


def test_expand_groups_one_per_value_present(class_of_twelve):
    labels = [group.label for group in expand_groups(class_of_twelve, DEFAULT_GROUPS)]
    assert labels == ["FSM", "EAL", "Gender: F", "Gender: M"]


def test_group_split_needs_a_concrete_group(class_of_twelve):
    with pytest.raises(ValueError, match="expand_groups"):
        group_split(class_of_twelve, "gained", Group("Gender", "gender"))


def test_group_split_of_nobody_is_suppressed():
    empty = pd.DataFrame({"fsm": pd.Series([], dtype=bool), "gained": pd.Series([], dtype=float)})
    gap = group_split(empty, "gained", Group("FSM", "fsm", (True,)))
    assert (gap.n_group, gap.n_rest, gap.suppressed) == (0, 0, True)


def test_gap_trend_per_window():
    rows = []
    for window, (fsm_points, other_points) in {1: (13, 15), 2: (17, 21)}.items():
        rows += [(pid, "maths", window, fsm_points) for pid in range(5)]
        rows += [(pid, "maths", window, other_points) for pid in range(5, 10)]
    df = judgements(rows)
    df["fsm"] = df["pupil_id"] < 5
    trend = gap_trend(df, "points", Group("FSM", "fsm", (True,)), windows=[2, 1, 3])
    assert list(trend.index) == [2, 1, 3]
    assert trend.loc[1, "gap"] == -2 and trend.loc[2, "gap"] == -4
    assert trend.loc[3, ["n_group", "n_rest"]].tolist() == [0, 0]
    assert trend["suppressed"].tolist() == [False, False, True]


# --- Trajectory statuses ---------------------------------------------------------------------------


def test_share_by_status_always_has_every_status():
    frame = pd.DataFrame({"year": [3, 3, 3, 4], "status": ["ahead", "stuck", "stuck", "on_track"]})
    shares = share_by_status(frame, by=["year"])
    assert list(shares.columns) == ["year", "n", *STATUSES, *(f"pct_{s}" for s in STATUSES)]
    year3 = shares.set_index("year").loc[3]
    assert (year3.n, year3.ahead, year3.stuck, year3.behind, year3.well_behind) == (3, 1, 2, 0, 0)
    assert year3.pct_stuck == pytest.approx(200 / 3)
    assert shares.set_index("year").loc[4, "pct_on_track"] == 100


def test_share_by_status_for_the_whole_frame():
    shares = share_by_status(pd.DataFrame({"status": ["behind", "behind", None, "ahead"]}))
    assert len(shares) == 1
    assert shares.loc[0, ["n", "behind", "ahead", "stuck"]].tolist() == [3, 2, 1, 0]


def test_share_by_status_of_nobody_still_has_every_status():
    shares = share_by_status(pd.DataFrame({"status": pd.Series([], dtype=object)}))
    assert shares.loc[0, ["n", *STATUSES]].tolist() == [0] * 6


def test_share_by_status_rejects_an_unknown_status():
    with pytest.raises(ValueError, match="late"):
        share_by_status(pd.DataFrame({"status": ["ahead", "late"]}))
