"""Pure tests of targets.trajectory (no Django, no database)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from targets.trajectory import (
    AHEAD,
    BEHIND,
    DEFAULT_THRESHOLDS,
    LABELS,
    ON_TRACK,
    SEVERITY,
    STATUS_CHOICES,
    STATUSES,
    STUCK,
    WELL_BEHIND,
    Thresholds,
    classify,
    classify_frame,
    expected_points,
    gap_status,
    latest_status,
    more_severe,
    trajectory_points,
)

# One expected-progress line used by the hand-worked cases: 15 rising 12 points every 400 days, so
# the windows below sit at exactly 18, 21, 24, 27 and 30 expected points (the line is not clamped at
# the target: it is expected progress, not the target).
D0 = dt.date(2020, 1, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


# Ordinals deliberately not contiguous and the frame deliberately not in order.
WINDOWS = pd.DataFrame(
    {
        "window_id": ["w3", "w1", "w5", "w2", "w4"],
        "end_date": [day(300), day(100), day(500), day(200), day(400)],
        "ordinal": [30, 10, 50, 20, 40],
    }
)


def plan(pupil_id, subject="maths", baseline=15.0, target=27.0, start=0, end=400, rate=None):
    """A plan whose expected-progress line reaches ``target`` at day ``end`` (rate in points a year),
    unless ``rate`` is given; ``target_points`` is also the aspirational target (met: never stuck)."""
    if rate is None:
        rate = (target - baseline) * 365.25 / (end - start)
    return {
        "pupil_id": pupil_id,
        "subject": subject,
        "baseline_points": baseline,
        "baseline_date": day(start),
        "points_per_year": rate,
        "target_points": target,
    }


def judgements_for(pupil_id, points_by_window, subject="maths"):
    return [
        {"pupil_id": pupil_id, "subject": subject, "window_id": w, "points": p} for w, p in points_by_window.items()
    ]


JUDGEMENT_COLUMNS = ["pupil_id", "subject", "window_id", "points"]


def run(plans, judgements, thresholds=DEFAULT_THRESHOLDS, windows=WINDOWS):
    judgements = pd.DataFrame(judgements, columns=JUDGEMENT_COLUMNS)
    return classify_frame(judgements, pd.DataFrame(plans), windows, thresholds)


def rows_of(frame, pupil_id, subject="maths"):
    sub = frame[(frame["pupil_id"] == pupil_id) & (frame["subject"] == subject)]
    return [(r.window_id, r.expected, r.actual, str(r.status), r.since_window_id) for r in sub.itertuples()]


# --------------------------------------------------------------------------------------------
# Status constants
# --------------------------------------------------------------------------------------------


def test_statuses_are_ordered_by_severity():
    assert STATUSES == ("ahead", "on_track", "behind", "stuck", "well_behind")
    assert SEVERITY[AHEAD] < SEVERITY[ON_TRACK] < SEVERITY[BEHIND] < SEVERITY[STUCK] < SEVERITY[WELL_BEHIND]
    assert [LABELS[s] for s in STATUSES] == ["Ahead", "On track", "Behind", "Stuck", "Well behind"]
    assert STATUS_CHOICES[0] == ("ahead", "Ahead")
    assert more_severe(BEHIND, STUCK) == STUCK
    assert more_severe(WELL_BEHIND, STUCK) == WELL_BEHIND


# --------------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------------


def test_threshold_defaults():
    t = Thresholds()
    assert (t.ahead_by, t.behind_by, t.well_behind_by, t.stuck_windows) == (2.0, 2.0, 4.0, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ahead_by": -1}, "ahead_by must not be negative"),
        ({"behind_by": -0.5}, "behind_by must not be negative"),
        ({"well_behind_by": -3}, "well_behind_by must not be negative"),
        ({"ahead_by": 0}, "ahead_by must be greater than 0"),
        ({"well_behind_by": 2.0}, r"well_behind_by \(2\) must be greater than behind_by \(2\)"),
        ({"behind_by": 0}, "behind_by must be greater than 0"),
        ({"stuck_windows": 1}, "stuck_windows must be a whole number of windows >= 2"),
        ({"behind_by": 5.0}, "must be greater than behind_by"),
        ({"stuck_windows": 0}, "stuck_windows must be a whole number"),
        ({"stuck_windows": 1.5}, "stuck_windows must be a whole number"),
        ({"stuck_windows": True}, "stuck_windows must be a whole number"),
        ({"ahead_by": math.nan}, "ahead_by must be a finite number"),
        ({"behind_by": "1"}, "behind_by must be a number"),
    ],
)
def test_invalid_thresholds_raise_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Thresholds(**kwargs)


def test_thresholds_are_frozen():
    with pytest.raises(AttributeError):
        Thresholds().ahead_by = 3.0  # type: ignore[misc]


def test_thresholds_from_mapping_reads_stored_values():
    t = Thresholds.from_mapping({"ahead_by": "3", "behind_by": 0.5, "well_behind_by": None, "stuck_windows": 3.0})
    assert t == Thresholds(ahead_by=3.0, behind_by=0.5, well_behind_by=4.0, stuck_windows=3)
    assert Thresholds.from_mapping(None) == Thresholds()
    assert Thresholds.from_mapping(t.as_dict()) == t


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ahed_by": 2}, "unknown trajectory threshold"),
        ({"ahead_by": "lots"}, "ahead_by must be a number"),
        ({"stuck_windows": "2.5"}, "stuck_windows must be a number"),
        ({"behind_by": 3, "well_behind_by": 2}, "must be greater than behind_by"),
    ],
)
def test_thresholds_from_mapping_rejects_bad_values(values, message):
    with pytest.raises(ValueError, match=message):
        Thresholds.from_mapping(values)


# --------------------------------------------------------------------------------------------
# expected_points
# --------------------------------------------------------------------------------------------


RATE = 12 * 365.25 / 400  # points a year: 3 points every 100 days


def test_expected_points_on_the_line_and_not_before_the_baseline():
    def e(at):
        return expected_points(15.0, day(0), RATE, at)

    assert e(day(0)) == 15.0
    assert e(day(100)) == 18.0
    assert e(day(200)) == 21.0
    assert e(day(400)) == 27.0
    assert math.isnan(e(day(-50)))  # before the baseline: no line
    assert e(day(800)) == 39.0  # expected progress goes on past any target date
    assert isinstance(e(day(100)), float)


def test_expected_points_accepts_datetime64_and_strings():
    assert expected_points(15, np.datetime64("2020-01-01"), RATE, np.datetime64(day(300))) == 24.0
    assert expected_points(15, "2020-01-01", 3.0, "2024-01-01") == 27.0  # 1461 days = 4 years


def test_expected_points_vectorised_on_arrays_and_series():
    at = pd.Series(pd.to_datetime([day(-10), day(100), day(300), day(400)]), index=[7, 8, 9, 10])
    result = expected_points(15.0, day(0), RATE, at)
    assert isinstance(result, pd.Series)
    assert list(result.index) == [7, 8, 9, 10]
    assert result.tolist()[1:] == [18.0, 24.0, 27.0] and math.isnan(result.iloc[0])

    arr = expected_points(
        np.array([1.0, 15.0]),
        np.array([day(0), day(0)], dtype="datetime64[D]"),
        np.array([RATE / 12, RATE]),
        np.array([day(200), day(100)], dtype="datetime64[D]"),
    )
    assert isinstance(arr, np.ndarray)
    assert arr.tolist() == [1.5, 18.0]


def test_expected_points_missing_values_give_nan():
    assert math.isnan(expected_points(15.0, None, RATE, day(100)))
    assert math.isnan(expected_points(math.nan, day(0), RATE, day(100)))
    assert math.isnan(expected_points(15.0, day(0), math.nan, day(900)))


points_st = st.floats(min_value=-10, max_value=80, allow_nan=False)
days_st = st.integers(min_value=-2000, max_value=4000)


@given(b=points_st, rate=st.floats(min_value=0, max_value=10), start=days_st, a1=days_st, a2=days_st)
def test_expected_points_rise_from_the_baseline_at_the_rate(b, rate, start, a1, a2):
    a1, a2 = sorted((max(a1, start), max(a2, start)))
    e1 = expected_points(b, day(start), rate, day(a1))
    e2 = expected_points(b, day(start), rate, day(a2))
    assert b - 1e-6 <= e1 <= e2 + 1e-6
    assert expected_points(b, day(start), rate, day(start)) == pytest.approx(b, abs=1e-6)


def test_trajectory_points_for_the_profile_chart():
    tp = trajectory_points(plan(1), WINDOWS)
    assert tp["window_id"].tolist() == ["w1", "w2", "w3", "w4", "w5"]
    assert tp["ordinal"].tolist() == [10, 20, 30, 40, 50]
    assert tp["expected"].tolist() == [18.0, 21.0, 24.0, 27.0, 30.0]
    assert list(tp.columns) == ["window_id", "ordinal", "end_date", "expected"]
    assert trajectory_points(pd.Series(plan(2, baseline=1.0, target=2.0)), WINDOWS)["expected"].tolist() == [
        1.25,
        1.5,
        1.75,
        2.0,
        2.25,
    ]
    late = trajectory_points(plan(3, start=150), WINDOWS)["expected"].tolist()
    assert math.isnan(late[0])  # no line before the baseline


# --------------------------------------------------------------------------------------------
# classify (one judgement)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "status"),
    [
        (0.0, ON_TRACK),
        (1.99, ON_TRACK),
        (2.0, AHEAD),
        (-1.0, ON_TRACK),
        (-1.99, ON_TRACK),
        (-2.0, BEHIND),
        (-3.99, BEHIND),
        (-4.0, WELL_BEHIND),
    ],
)
def test_gap_status_boundaries(gap, status):
    assert gap_status(gap) == status
    assert classify(20.0 + gap, 20.0, [], 30.0) == status


def test_classify_stuck_uses_the_first_of_the_last_stuck_windows_windows():
    # previous_points oldest first: [two windows back, one window back]; 3 windows with this one
    assert classify(21.0, 21.0, [21.0, 22.0], 27.0) == STUCK
    assert classify(21.0, 21.0, [20.0, 21.0], 27.0) == ON_TRACK  # progress since two windows back
    assert classify(21.0, 21.0, [None, 21.0], 27.0) == ON_TRACK  # insufficient evidence
    assert classify(21.0, 21.0, [math.nan, 21.0], 27.0) == ON_TRACK
    assert classify(21.0, 21.0, [21.0], 27.0) == ON_TRACK  # only two windows: not stuck
    assert classify(21.0, 21.0, [21.0, None, None], 27.0, Thresholds(stuck_windows=4)) == STUCK
    assert classify(21.0, 21.0, [21.0], 27.0, Thresholds(stuck_windows=2)) == STUCK


def test_classify_takes_the_more_severe_of_gap_and_stuck():
    assert classify(25.0, 21.0, [25.0, 25.0], 27.0) == STUCK  # ahead by gap, but stuck
    assert classify(18.5, 21.0, [18.5, 18.5], 27.0) == STUCK  # on track by gap, but stuck
    assert classify(19.0, 21.0, [19.0, 19.0], 27.0) == STUCK  # behind < stuck
    assert classify(17.0, 21.0, [17.0, 17.0], 27.0) == WELL_BEHIND  # well behind > stuck


def test_classify_target_met_is_never_stuck():
    assert classify(27.0, 27.0, [27.0, 27.0], 27.0) == ON_TRACK
    assert classify(28.0, 24.0, [28.0, 28.0], 27.0) == AHEAD


def test_classify_requires_points():
    with pytest.raises(ValueError, match="required"):
        classify(math.nan, 20.0, [], 27.0)


maybe_points = st.one_of(st.none(), st.floats(min_value=0, max_value=60, allow_nan=False))


@st.composite
def thresholds_st(draw):
    behind = draw(st.floats(min_value=0.01, max_value=5))
    well = behind + draw(st.floats(min_value=0.01, max_value=6))
    ahead = draw(st.floats(min_value=0.01, max_value=6))
    return Thresholds(ahead_by=ahead, behind_by=behind, well_behind_by=well, stuck_windows=draw(st.integers(2, 4)))


@given(
    a1=st.floats(min_value=0, max_value=60),
    a2=st.floats(min_value=0, max_value=60),
    expected=st.floats(min_value=0, max_value=60),
    previous=st.lists(maybe_points, max_size=4),
    target=st.floats(min_value=0, max_value=60),
    thresholds=thresholds_st(),
)
def test_more_points_never_make_the_status_worse(a1, a2, expected, previous, target, thresholds):
    low, high = sorted((a1, a2))
    s_low = classify(low, expected, previous, target, thresholds)
    s_high = classify(high, expected, previous, target, thresholds)
    assert SEVERITY[s_high] <= SEVERITY[s_low]


@given(
    expected=st.floats(min_value=0, max_value=60),
    target=st.floats(min_value=0, max_value=60),
    thresholds=thresholds_st(),
)
def test_a_pupil_exactly_on_the_line_is_on_track(expected, target, thresholds):
    assert classify(expected, expected, [], target, thresholds) == ON_TRACK


# --------------------------------------------------------------------------------------------
# classify_frame: hand-worked cases (expected at w1..w5 = 18, 21, 24, 27, 27)
# --------------------------------------------------------------------------------------------


def test_on_track_exactly_on_the_line():
    out = run([plan(1)], judgements_for(1, {"w1": 18.0, "w2": 21.0, "w3": 24.0, "w4": 27.0}))
    assert rows_of(out, 1) == [
        ("w1", 18.0, 18.0, ON_TRACK, "w1"),
        ("w2", 21.0, 21.0, ON_TRACK, "w1"),
        ("w3", 24.0, 24.0, ON_TRACK, "w1"),
        ("w4", 27.0, 27.0, ON_TRACK, "w1"),
    ]
    assert list(out.columns) == [
        "pupil_id",
        "subject",
        "window_id",
        "window_ordinal",
        "expected",
        "actual",
        "status",
        "since_window_id",
    ]
    assert out["window_ordinal"].tolist() == [10, 20, 30, 40]


def test_behind_well_behind_and_ahead():
    out = run(
        [plan(1), plan(2), plan(3), plan(4)],
        judgements_for(1, {"w1": 18.0, "w3": 22.0})  # -2 -> behind
        + judgements_for(2, {"w1": 18.0, "w3": 19.5})  # -4.5 -> well behind
        + judgements_for(3, {"w2": 23.0})  # +2 -> ahead
        + judgements_for(4, {"w2": 17.0}),  # -4 exactly (two sub-levels) -> well behind
    )
    assert rows_of(out, 1)[-1] == ("w3", 24.0, 22.0, BEHIND, "w3")
    assert rows_of(out, 2)[-1] == ("w3", 24.0, 19.5, WELL_BEHIND, "w3")
    assert rows_of(out, 3) == [("w2", 21.0, 23.0, AHEAD, "w2")]
    assert rows_of(out, 4) == [("w2", 21.0, 17.0, WELL_BEHIND, "w2")]


def test_stuck_when_flat_over_three_windows_not_two():
    out = run(
        [plan(1), plan(2), plan(3)],
        judgements_for(1, {"w1": 24.0, "w2": 24.0, "w3": 24.0})  # ahead, ahead, then flat: stuck
        + judgements_for(2, {"w1": 21.0, "w2": 22.0, "w3": 21.0})  # went back: behind by gap, stuck
        + judgements_for(3, {"w2": 24.0, "w3": 24.0}),  # flat over two windows only: not stuck
    )
    assert rows_of(out, 1) == [
        ("w1", 18.0, 24.0, AHEAD, "w1"),
        ("w2", 21.0, 24.0, AHEAD, "w1"),
        ("w3", 24.0, 24.0, STUCK, "w3"),
    ]
    assert rows_of(out, 2)[-1] == ("w3", 24.0, 21.0, STUCK, "w3")
    assert rows_of(out, 3)[-1] == ("w3", 24.0, 24.0, ON_TRACK, "w3")  # ahead at w2, on the line at w3


def test_well_behind_outranks_stuck():
    out = run([plan(1)], judgements_for(1, {"w1": 18.0, "w2": 17.0, "w3": 18.0}))
    assert rows_of(out, 1)[-1][3] == WELL_BEHIND


def test_p_scale_pupil_small_points():
    # P-scale points 1.0 -> 2.0: expected 1.25, 1.5, 1.75 at w1..w3.
    p_scale = Thresholds(ahead_by=0.5, behind_by=0.2, well_behind_by=0.5)
    out = run(
        [plan(1, baseline=1.0, target=2.0), plan(2, baseline=1.0, target=2.0), plan(3, baseline=1.0, target=2.0)],
        judgements_for(1, {"w1": 1.25, "w2": 1.5, "w3": 1.75})
        + judgements_for(2, {"w1": 1.25, "w2": 1.25, "w3": 1.25})
        + judgements_for(3, {"w1": 1.25, "w2": 1.5, "w3": 1.2}),
        thresholds=p_scale,
    )
    assert [r[3] for r in rows_of(out, 1)] == [ON_TRACK, ON_TRACK, ON_TRACK]
    assert rows_of(out, 1)[1][1] == 1.5
    # -0.5 at w3 is well behind (at the threshold), which outranks stuck (flat since w1)
    assert [r[3] for r in rows_of(out, 2)] == [ON_TRACK, BEHIND, WELL_BEHIND]
    assert rows_of(out, 3)[-1][3] == WELL_BEHIND  # -0.55


def test_missing_windows_give_no_rows_and_no_stuck_without_evidence():
    # Plan 20 -> 21: expected 20.25, 20.5, 20.75, 21 at w1..w4. No judgement in w2.
    out = run(
        [plan(1, baseline=20.0, target=21.0)],
        judgements_for(1, {"w1": 20.2, "w3": 20.4, "w4": 20.2}),
    )
    # At w4 the window two back (w2, by the global order) has no judgement: not stuck, although
    # the pupil's own judgement two back (w1) is no lower.
    assert rows_of(out, 1) == [
        ("w1", 20.25, 20.2, ON_TRACK, "w1"),
        ("w3", 20.75, 20.4, ON_TRACK, "w1"),
        ("w4", 21.0, 20.2, ON_TRACK, "w1"),
    ]


def test_stuck_across_a_missing_window_when_the_window_two_back_was_judged():
    # Plan 20 -> 21: expected 20.75 at w3; w1 (exactly two windows back) was judged, w2 was not.
    out = run([plan(1, baseline=20.0, target=21.0)], judgements_for(1, {"w1": 20.5, "w3": 20.5}))
    assert rows_of(out, 1) == [
        ("w1", 20.25, 20.5, ON_TRACK, "w1"),
        ("w3", 20.75, 20.5, STUCK, "w3"),
    ]


def test_target_met_is_never_stuck():
    # Plan 15 -> 21: expected 16.5, 18, 19.5, 21 at w1..w4; the pupil is at 21 throughout.
    out = run([plan(1, target=21.0)], judgements_for(1, {"w1": 21.0, "w2": 21.0, "w3": 21.0, "w4": 21.0}))
    assert rows_of(out, 1) == [
        ("w1", 16.5, 21.0, AHEAD, "w1"),
        ("w2", 18.0, 21.0, AHEAD, "w1"),
        ("w3", 19.5, 21.0, ON_TRACK, "w3"),
        ("w4", 21.0, 21.0, ON_TRACK, "w3"),
    ]


def test_since_window_id_follows_runs_of_the_same_status():
    out = run([plan(1)], judgements_for(1, {"w1": 18.0, "w2": 19.0, "w3": 22.0, "w4": 26.5, "w5": 27.0}))
    assert [(r[0], r[3], r[4]) for r in rows_of(out, 1)] == [
        ("w1", ON_TRACK, "w1"),
        ("w2", BEHIND, "w2"),
        ("w3", BEHIND, "w2"),
        ("w4", ON_TRACK, "w4"),
        ("w5", BEHIND, "w5"),  # the expected line goes on to 30 (it is not clamped at a target)
    ]


def test_runs_do_not_leak_between_pupils_or_subjects():
    out = run(
        [plan(1), plan(1, subject="english"), plan(2)],
        judgements_for(1, {"w1": 18.0, "w2": 21.0})
        + judgements_for(1, {"w2": 21.0, "w3": 24.0}, subject="english")
        + judgements_for(2, {"w1": 18.0, "w2": 21.0, "w3": 21.0}),
    )
    assert [(r[0], r[4]) for r in rows_of(out, 1, "english")] == [("w2", "w2"), ("w3", "w2")]
    assert [(r[0], r[4]) for r in rows_of(out, 2)] == [("w1", "w1"), ("w2", "w1"), ("w3", "w3")]
    # sorted by pupil, subject, window order
    assert list(zip(out.pupil_id, out.subject, out.window_id, strict=True)) == [
        (1, "english", "w2"),
        (1, "english", "w3"),
        (1, "maths", "w1"),
        (1, "maths", "w2"),
        (2, "maths", "w1"),
        (2, "maths", "w2"),
        (2, "maths", "w3"),
    ]


def test_rows_only_where_judgement_and_complete_plan_exist():
    out = run(
        [plan(1), plan(2, target=math.nan), {**plan(3), "baseline_date": None}],
        judgements_for(1, {"w1": 18.0, "w2": math.nan})
        + judgements_for(2, {"w1": 18.0})
        + judgements_for(3, {"w1": 18.0})
        + judgements_for(4, {"w1": 18.0})  # no plan
        + judgements_for(1, {"w1": 18.0}, subject="art"),  # no plan in that subject
    )
    assert list(zip(out.pupil_id, out.subject, out.window_id, strict=True)) == [(1, "maths", "w1")]


def test_empty_inputs_give_an_empty_frame_with_the_columns():
    out = run([plan(1)], [])
    assert out.empty
    assert "status" in out.columns and "since_window_id" in out.columns
    empty_j = pd.DataFrame(columns=["pupil_id", "subject", "window_id", "points"])
    empty_p = pd.DataFrame(columns=["pupil_id", "subject", "baseline_points", "baseline_date", "points_per_year"])
    assert classify_frame(empty_j, empty_p, WINDOWS).empty


def test_status_column_is_an_ordered_categorical():
    out = run([plan(1)], judgements_for(1, {"w1": 18.0, "w2": 16.5, "w3": 30.0}))
    assert out["status"].cat.ordered
    assert out["status"].max() == WELL_BEHIND


@pytest.mark.parametrize(
    ("plans", "judgements", "message"),
    [
        ([plan(1), plan(1)], judgements_for(1, {"w1": 18.0}), "one plan per pupil_id x subject"),
        (
            [plan(1)],
            judgements_for(1, {"w1": 18.0}) + judgements_for(1, {"w1": 19.0}),
            "one \\(latest\\) judgement",
        ),
        ([plan(1)], judgements_for(1, {"w9": 18.0}), "unknown window_id.*w9"),
    ],
)
def test_bad_input_raises(plans, judgements, message):
    with pytest.raises(ValueError, match=message):
        run(plans, judgements)


def test_bad_windows_raise():
    with pytest.raises(ValueError, match="ordinal must be present and unique"):
        run([plan(1)], [], windows=WINDOWS.assign(ordinal=[1, 1, 2, 3, 4]))
    with pytest.raises(ValueError, match="every window needs an end_date"):
        run([plan(1)], [], windows=WINDOWS.assign(end_date=[day(1), None, day(3), day(4), day(5)]))
    with pytest.raises(ValueError, match="missing column"):
        run([plan(1)], [], windows=WINDOWS.drop(columns="ordinal"))


def test_latest_status_keeps_each_pupils_latest_window():
    out = run(
        [plan(1), plan(2), plan(2, subject="english")],
        judgements_for(1, {"w1": 18.0, "w3": 19.0})
        + judgements_for(2, {"w1": 18.0, "w2": 21.0})
        + judgements_for(2, {"w4": 27.0}, subject="english"),
    )
    shuffled = out.sample(frac=1, random_state=3)
    latest = latest_status(shuffled)
    assert list(zip(latest.pupil_id, latest.subject, latest.window_id, latest.status.astype(str), strict=True)) == [
        (1, "maths", "w3", WELL_BEHIND),
        (2, "english", "w4", ON_TRACK),
        (2, "maths", "w2", ON_TRACK),
    ]
    assert latest_status(out.iloc[:0]).empty


# --------------------------------------------------------------------------------------------
# classify_frame agrees with classify on random frames
# --------------------------------------------------------------------------------------------

half_points = st.integers(min_value=0, max_value=24).map(lambda n: n / 2)  # ties are likely


@st.composite
def school(draw):
    n_windows = draw(st.integers(1, 6))
    ordinals = sorted(draw(st.lists(st.integers(-5, 60), min_size=n_windows, max_size=n_windows, unique=True)))
    end_days = draw(st.lists(st.integers(0, 900), min_size=n_windows, max_size=n_windows))
    windows = pd.DataFrame(
        {
            "window_id": [f"w{o}" for o in ordinals],
            "end_date": [day(d) for d in end_days],
            "ordinal": ordinals,
        }
    )
    windows = windows.sample(frac=1, random_state=draw(st.integers(0, 1000))).reset_index(drop=True)
    plans, judgements = [], []
    for pupil_id in range(draw(st.integers(1, 4))):
        for subject in ("maths", "english"):
            if draw(st.booleans()):
                start = draw(st.integers(-100, 600))
                plans.append(
                    {
                        "pupil_id": pupil_id,
                        "subject": subject,
                        "baseline_points": draw(half_points),
                        "baseline_date": day(start),
                        "points_per_year": draw(st.sampled_from([0.0, 1.5, 3.0, 3.6]))
                        if draw(st.integers(0, 7))
                        else math.nan,
                        "target_points": draw(half_points) if draw(st.integers(0, 3)) else math.nan,
                        "start_date": day(start + draw(st.integers(-50, 300))) if draw(st.booleans()) else pd.NaT,
                    }
                )
            for window_id in windows["window_id"]:
                if draw(st.integers(0, 2)):  # about 2 in 3 windows judged
                    points = draw(half_points) if draw(st.integers(0, 9)) else math.nan
                    judgements.append(
                        {"pupil_id": pupil_id, "subject": subject, "window_id": window_id, "points": points}
                    )
    plans_df = pd.DataFrame(
        plans,
        columns=[
            "pupil_id",
            "subject",
            "baseline_points",
            "baseline_date",
            "points_per_year",
            "target_points",
            "start_date",
        ],
    )
    judgements_df = pd.DataFrame(judgements, columns=["pupil_id", "subject", "window_id", "points"])
    judgements_df = judgements_df.sample(frac=1, random_state=draw(st.integers(0, 1000)))
    return windows, plans_df, judgements_df, draw(thresholds_st())


def reference(windows, plans, judgements, thresholds):
    """Row-by-row reference built on the scalar classify()."""
    ordered = windows.sort_values("ordinal")
    window_ids = ordered["window_id"].tolist()
    end_dates = dict(zip(ordered["window_id"], ordered["end_date"], strict=True))
    points = {
        (r.pupil_id, r.subject, r.window_id): r.points for r in judgements.itertuples() if not math.isnan(r.points)
    }
    rows = []
    for p in plans.sort_values(["pupil_id", "subject"]).itertuples():
        if math.isnan(p.points_per_year):
            continue
        start = (
            p.baseline_date if pd.isna(p.start_date) else max(pd.Timestamp(p.baseline_date), pd.Timestamp(p.start_date))
        )

        def classified(w, p=p, start=start):  # a judgement in a window that ends on/after the start
            return points.get((p.pupil_id, p.subject, w)) if pd.Timestamp(end_dates[w]) >= pd.Timestamp(start) else None

        previous_status, since = None, None
        for i, window_id in enumerate(window_ids):
            actual = classified(window_id)
            if actual is None:
                continue
            expected = expected_points(p.baseline_points, p.baseline_date, p.points_per_year, end_dates[window_id])
            previous = [classified(w) for w in window_ids[:i]]
            status = classify(actual, expected, previous, p.target_points, thresholds)
            if status != previous_status:
                since = window_id
            previous_status = status
            rows.append((p.pupil_id, p.subject, window_id, expected, actual, status, since))
    return rows


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(school())
def test_classify_frame_agrees_with_scalar_classify(data):
    windows, plans, judgements, thresholds = data
    out = classify_frame(judgements, plans, windows, thresholds)
    got = [
        (r.pupil_id, r.subject, r.window_id, r.expected, r.actual, str(r.status), r.since_window_id)
        for r in out.itertuples()
    ]
    assert got == reference(windows, plans, judgements, thresholds)


@settings(max_examples=100, deadline=None)
@given(
    baseline=half_points,
    rise=st.integers(1, 20).map(float),
    window_days=st.lists(st.integers(1, 800), min_size=1, max_size=6, unique=True),
    thresholds=thresholds_st(),
)
def test_a_pupil_on_the_line_in_every_window_is_on_track(baseline, rise, window_days, thresholds):
    window_days = sorted(window_days)
    windows = pd.DataFrame(
        {
            "window_id": list(range(len(window_days))),
            "end_date": [day(d) for d in window_days],
            "ordinal": list(range(len(window_days))),
        }
    )
    p = plan(1, baseline=baseline, target=baseline + rise, start=0, end=400)
    j = [
        {
            "pupil_id": 1,
            "subject": "maths",
            "window_id": i,
            "points": expected_points(baseline, day(0), rise * 365.25 / 400, day(d)),
        }
        for i, d in enumerate(window_days)
    ]
    out = run([p], j, thresholds=thresholds, windows=windows)
    assert set(out["status"].astype(str)) == {ON_TRACK}
    assert (out["since_window_id"] == 0).all()


# --------------------------------------------------------------------------------------------
# Issue 14: the flag line is the expected-progress line; defaults; no status before the baseline
# --------------------------------------------------------------------------------------------

# Baseline 2b (15) on 1 July 2022, expected 3 points a year: the line is 27 (4b) on 1 July 2026
# (1461 days = 4.0 years of 365.25 days) and 24 on 1 July 2025 (1096 days = 3.0007 years, 24.002).
KS1 = dt.date(2022, 7, 1)
ISSUE_WINDOWS = pd.DataFrame(
    {
        "window_id": ["pre", "y3", "y4", "y5a", "y5b", "y6"],
        "end_date": [
            dt.date(2022, 3, 31),  # before the baseline: no status
            dt.date(2023, 7, 1),
            dt.date(2024, 7, 1),
            dt.date(2025, 3, 31),
            dt.date(2025, 7, 1),
            dt.date(2026, 7, 1),
        ],
        "ordinal": [0, 1, 2, 3, 4, 5],
    }
)


def issue_plan(pupil_id, target=29.0, rate=3.0, start_date=None):
    row = {
        "pupil_id": pupil_id,
        "subject": "reading",
        "baseline_points": 15.0,
        "baseline_date": KS1,
        "points_per_year": rate,
        "target_points": target,  # the stretched target (27 + 2): NOT the flag line
    }
    if start_date is not None:
        row["start_date"] = start_date
    return row


def issue_run(plans, points, thresholds=DEFAULT_THRESHOLDS):
    judgements = [
        {"pupil_id": p, "subject": "reading", "window_id": w, "points": v}
        for p, series in points.items()
        for w, v in series.items()
    ]
    frame = classify_frame(
        pd.DataFrame(judgements, columns=JUDGEMENT_COLUMNS), pd.DataFrame(plans), ISSUE_WINDOWS, thresholds
    )
    return {(r.pupil_id, r.window_id): (round(r.expected, 2), str(r.status)) for r in frame.itertuples()}


def test_new_flag_defaults():
    assert DEFAULT_THRESHOLDS.as_dict() == {
        "ahead_by": 2.0,
        "behind_by": 2.0,
        "well_behind_by": 4.0,
        "stuck_windows": 3,
    }


def test_expected_line_is_baseline_plus_expected_rate_not_the_target():
    assert expected_points(15, KS1, 3.0, dt.date(2026, 7, 1)) == pytest.approx(27.0)
    assert math.isnan(expected_points(15, KS1, 3.0, dt.date(2022, 6, 30)))  # no line before the baseline


def test_exactly_on_the_expected_line_is_on_track_even_below_a_stretched_target():
    out = issue_run([issue_plan(1)], {1: {"y6": 27.0}})
    assert out[(1, "y6")] == (27.0, ON_TRACK)  # the target is 29; the line is 27


def test_one_step_below_the_line_is_behind_and_two_steps_well_behind():
    out = issue_run([issue_plan(1), issue_plan(2), issue_plan(3)], {1: {"y6": 25.0}, 2: {"y6": 23.0}, 3: {"y6": 26.0}})
    assert out[(1, "y6")] == (27.0, BEHIND)  # 4c: 2 points (one sub-level) below
    assert out[(2, "y6")] == (27.0, WELL_BEHIND)  # 3a: 4 points (two sub-levels) below
    assert out[(3, "y6")] == (27.0, ON_TRACK)  # 1 point below: less than a step


@pytest.mark.parametrize(
    ("gap", "status"),
    [
        (0.0, ON_TRACK),
        (-1.99, ON_TRACK),
        (-2.0, BEHIND),
        (-3.99, BEHIND),
        (-4.0, WELL_BEHIND),
        (1.99, ON_TRACK),
        (2.0, AHEAD),
    ],
)
def test_default_gap_boundaries(gap, status):
    assert gap_status(gap) == status


def test_flat_over_two_windows_is_not_stuck_and_over_three_is():
    # A fast-rising line would make the pupil "behind" too: a zero rate isolates the stuck rule.
    out = issue_run(
        [issue_plan(1, rate=0.0, target=40.0), issue_plan(2, rate=0.0, target=40.0)],
        {1: {"y5a": 20.0, "y5b": 20.0}, 2: {"y4": 20.0, "y5a": 20.0, "y5b": 20.0}},
    )
    assert out[(1, "y5b")][1] == AHEAD  # two flat windows: not stuck
    assert out[(2, "y5a")][1] == AHEAD  # two flat windows so far
    assert out[(2, "y5b")][1] == STUCK  # three flat windows: stuck


def test_stuck_scalar_rule_looks_at_the_first_of_the_last_three_windows():
    assert classify(20, 20, [20, 22], 40) == STUCK  # 20 then 22 then 20: no gain over the first
    assert classify(20, 20, [19, 20], 40) == ON_TRACK  # gained since the first of the three
    assert classify(20, 20, [20], 40) == ON_TRACK  # two windows only


def test_a_window_before_the_baseline_has_no_status():
    out = issue_run([issue_plan(1)], {1: {"pre": 9.0, "y3": 18.0}})
    assert (1, "pre") not in out
    assert out[(1, "y3")] == (18.0, ON_TRACK)


def test_a_window_before_the_pupil_joined_has_no_status():
    out = issue_run([issue_plan(1, start_date=dt.date(2024, 1, 1))], {1: {"y3": 10.0, "y4": 21.0}})
    assert (1, "y3") not in out
    assert out[(1, "y4")] == (21.0, ON_TRACK)


@settings(max_examples=60, deadline=None)
@example(baseline=3.0, rate=2.0, days=22, steps=1)  # (3.120465 + 2) - 3.120465 < 2 in floating point
@given(
    baseline=st.sampled_from([3.0, 9.0, 15.0, 21.0]),
    rate=st.sampled_from([2.0, 3.0, 3.6]),
    days=st.integers(min_value=0, max_value=2000),
    steps=st.integers(min_value=-4, max_value=3),
)
def test_whole_steps_below_the_line_give_the_documented_status(baseline, rate, days, steps):
    expected = expected_points(baseline, KS1, rate, KS1 + dt.timedelta(days=days))
    status = classify(expected + 2 * steps, expected, [], math.nan)
    assert status == {-4: WELL_BEHIND, -3: WELL_BEHIND, -2: WELL_BEHIND, -1: BEHIND, 0: ON_TRACK}.get(steps, AHEAD)
