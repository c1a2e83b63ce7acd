"""Pupils working below level 1 (issue 14): their expected line runs in the school's P-scale points at the
school's rate or the national quartile (median by default), never at the NC 3 points a year, and behind /
well behind are one / two P-scale steps. Pure: hand-computed figures, no database."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pandas as pd
import pytest

from assessment.scales import INTEGRATED_PSCALE_POINTS, NC, PSCALE, PSCALE_LABELS
from targets import pscale, trajectory
from targets.pscale import DEFAULT_PSCALE_POLICY, PScalePolicy

BASELINE_DATE, END = dt.date(2022, 7, 1), dt.date(2026, 7, 1)  # 1461 days = 4.0 years of 365.25
MIDWAY = dt.date(2024, 7, 1)  # 731 days: 2.0014 years
P = {label: PSCALE.points(label) for label in PSCALE_LABELS}  # recorded points: P4 = 2.0, P5 = 2.25 …
READING = 10


def _classify(rows, policies=None, at=END, subjects=frozenset({READING})):
    """rows: (pupil_id, baseline label or points, judged label or points) in one window ending ``at``."""

    def points(value):
        return P[value] if isinstance(value, str) else float(value)

    plans = pd.DataFrame(
        {
            "school_id": 1,
            "pupil_id": [r[0] for r in rows],
            "subject": READING,
            "baseline_points": [points(r[1]) for r in rows],
            "baseline_date": BASELINE_DATE,
            "points_per_year": 3.0,  # the school's NC rate
        }
    )
    plans, rules = pscale.with_pscale_lines(plans, policies or {}, subjects)
    judgements = pd.DataFrame(
        {"pupil_id": [r[0] for r in rows], "subject": READING, "window_id": 1, "points": [points(r[2]) for r in rows]}
    )
    windows = pd.DataFrame({"window_id": [1], "end_date": [at], "ordinal": [0]})
    out = trajectory.classify_frame(judgements, plans, windows, step_rules=rules)
    return dict(zip(out["pupil_id"], out["status"].astype(str), strict=True)), out, plans


def test_default_pscale_points_match_design():
    # DESIGN §3: P8 = 6, P7 = 5, P6 = 4, P5 = 3, P4 = 2; P1(i)–P3(ii) share the points below 2 in equal steps.
    assert INTEGRATED_PSCALE_POINTS == (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 3.0, 4.0, 5.0, 6.0)
    below_two = INTEGRATED_PSCALE_POINTS[:6]
    assert max(below_two) < 2 and len({round(b - a, 9) for a, b in pairwise(below_two)}) == 1
    assert NC.points("1a") - INTEGRATED_PSCALE_POINTS[PSCALE_LABELS.index("P7")] == 6  # P7 to 1a: one level
    assert DEFAULT_PSCALE_POLICY.points == INTEGRATED_PSCALE_POINTS
    assert (DEFAULT_PSCALE_POLICY.quartile, DEFAULT_PSCALE_POLICY.points_per_year) == (50, None)
    assert (DEFAULT_PSCALE_POLICY.behind_steps, DEFAULT_PSCALE_POLICY.well_behind_steps) == (1.0, 2.0)


def test_median_rate_from_p4_reaches_p6_over_a_key_stage():
    # Median from P4 (placeholder table): 2 steps over 4 years → P6; in school points 2 → 4: 0.5 a year.
    assert DEFAULT_PSCALE_POLICY.rates([P["P4"]]).tolist() == [0.5]
    # From P1(i): 4 steps (two P-levels of (i) and (ii)) → P3(i): 0.5 → 1.5 points, 0.25 a year.
    assert DEFAULT_PSCALE_POLICY.rates([P["P1(i)"]]).tolist() == [0.25]


def test_pscale_pupil_at_median_progress_is_on_track_and_one_step_below_is_behind():
    statuses, out, plans = _classify([(1, "P4", "P6"), (2, "P4", "P5"), (3, "P4", "P4"), (4, "P4", "P7")])
    assert statuses == {1: "on_track", 2: "behind", 3: "well_behind", 4: "ahead"}
    assert plans["points_per_year"].tolist() == [0.5] * 4  # never the NC 3 points a year
    assert out["expected"].tolist() == [P["P6"]] * 4  # the line, in recorded points: on P6 (2.5)


def test_median_progress_is_on_track_midway_too():
    # 2.0014 years at 0.5 a year: the line is at 3.0007 school points, just past P5 (3): judged P5 is on track.
    statuses, _, _ = _classify([(1, "P4", "P5"), (2, "P4", "P4")], at=MIDWAY)
    assert statuses == {1: "on_track", 2: "behind"}


def test_school_chosen_rate_overrides_the_quartiles():
    # 1 school point a year from P4 (2): 6 by July 2026 = P8. Judged P6 is two steps below: well behind.
    own = {1: PScalePolicy(points_per_year=1.0)}
    statuses, out, plans = _classify([(1, "P4", "P6"), (2, "P4", "P8"), (3, "P4", "P7")], policies=own)
    assert plans["points_per_year"].tolist() == [1.0] * 3
    assert statuses == {1: "well_behind", 2: "on_track", 3: "behind"}
    # The upper quartile instead of the median: 3 steps from P4 → P7 (5 points): 0.75 a year.
    upper = {1: PScalePolicy(quartile=75)}
    assert _classify([(1, "P4", "P6")], policies=upper)[0] == {1: "behind"}


def test_school_p_scale_points_shape_the_line():
    # A school's own points: half-point steps from P1(i) = 1.0 to P8 = 6.0 (below 1c = 7).
    points = tuple(1.0 + 0.5 * i for i in range(11))  # P4 = 4.0, P6 = 5.0
    own = {1: PScalePolicy(points=points, points_per_year=0.5)}  # two years: +1 point = 2 steps
    statuses, _, _ = _classify([(1, "P4", "P6"), (2, "P4", "P5")], policies=own, at=dt.date(2024, 6, 30))
    # 730 days = 1.9986 years → 4.9993 points: just below P6 (position 7.9986): P6 on track, P5 on track too
    # (0.9986 of a step below), because behind is a whole step.
    assert statuses == {1: "on_track", 2: "on_track"}


def test_a_one_step_rule_is_data_not_code():
    strict = {1: PScalePolicy(behind_steps=0.5, well_behind_steps=1.0)}
    assert _classify([(1, "P4", "P5")], policies=strict)[0] == {1: "well_behind"}


def test_nc_pupils_and_other_scales_keep_the_nc_line():
    # A 2b baseline keeps 3 points a year and no step rule; so does a P-scale-looking baseline on a subject
    # whose scale is not a P-scale (e.g. a school's 1-2-3 scale).
    statuses, out, plans = _classify([(1, 15.0, 27.0), (2, 15.0, 25.0)])
    assert statuses == {1: "on_track", 2: "behind"}
    assert plans["points_per_year"].tolist() == [3.0, 3.0] and plans["step_rule"].isna().all()
    _, _, other = _classify([(1, "P4", "P6")], subjects=frozenset())
    assert other["points_per_year"].tolist() == [3.0] and other["step_rule"].isna().all()


def test_w_judgement_reads_just_above_p8_on_the_ladder():
    rule = DEFAULT_PSCALE_POLICY.step_rule()
    assert rule.position([P["P8"], NC.points("1c")]).tolist() == [10.0, 11.0]
    assert 10 < float(rule.position([3.0])[0]) < 11  # W (3) between P8 and 1c


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"points": (0.5,) * 11}, "strictly ascend"),
        ({"points": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)}, "below level 1c"),
        ({"points": (1, 2, 3)}, "11 numbers"),
        ({"quartile": 60}, "quartile"),
        ({"points_per_year": 0}, "more than 0"),
        ({"behind_steps": 2, "well_behind_steps": 2}, "well_behind_steps"),
    ],
)
def test_inconsistent_policies_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PScalePolicy(**kwargs)


def test_a_plan_naming_an_unknown_step_rule_is_refused():
    plans = pd.DataFrame(
        {
            "pupil_id": [1], "subject": [READING], "baseline_points": [2.0], "baseline_date": [BASELINE_DATE],
            "points_per_year": [0.5], "step_rule": [99.0],
        }
    )  # fmt: skip
    judgements = pd.DataFrame({"pupil_id": [1], "subject": [READING], "window_id": [1], "points": [2.5]})
    windows = pd.DataFrame({"window_id": [1], "end_date": [END], "ordinal": [0]})
    with pytest.raises(ValueError, match="unknown step rule"):
        trajectory.classify_frame(judgements, plans, windows, step_rules={1.0: DEFAULT_PSCALE_POLICY.step_rule()})


def test_trajectory_points_follow_the_step_rule():
    windows = pd.DataFrame({"window_id": [1, 2], "end_date": [MIDWAY, END], "ordinal": [0, 1]})
    plan = {"baseline_points": P["P4"], "baseline_date": BASELINE_DATE, "points_per_year": 0.5}
    line = trajectory.trajectory_points(plan, windows, DEFAULT_PSCALE_POLICY.step_rule())
    assert line["expected"].round(4).tolist() == [round(P["P5"] + 0.0007 * 0.25, 4), P["P6"]]


def test_worked_example_for_the_settings_page():
    example = pscale.worked_example(DEFAULT_PSCALE_POLICY)
    assert (example["line_grade"], example["rate"]) == ("P6", 0.5)
    assert [(e["grade"], e["status"]) for e in example["examples"]] == [
        ("P6", "On track"), ("P5", "Behind"), ("P4", "Well behind"),
    ]  # fmt: skip
