""" "Stuck" for a pupil on the P-scales (issue 14): the school's stuck window count still applies, but a flat
run is only stuck where the pupil's expected line rose at least one P-scale step over those windows
(``trajectory.STUCK_STEPS``); a pupil expected to gain less than a step in that time is not stuck for having
gained nothing. NC pupils keep the plain rule. Pure: hand-computed, no database."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from assessment.scales import PSCALE, PSCALE_LABELS
from targets import pscale, trajectory
from targets.pscale import PScalePolicy

P = {label: PSCALE.points(label) for label in PSCALE_LABELS}  # recorded points: P4 = 2.0, P5 = 2.25, P6 = 2.5
READING = 10
BASELINE = dt.date(2024, 7, 1)
# Three termly windows: 171, 273 and 386 days after the baseline (0.4682, 0.7474 and 1.0568 years).
WINDOWS = pd.DataFrame(
    {
        "window_id": [1, 2, 3],
        "end_date": [dt.date(2024, 12, 19), dt.date(2025, 3, 31), dt.date(2025, 7, 22)],
        "ordinal": [0, 1, 2],
    }
)


def _latest(baseline: float, judged: float, policy: PScalePolicy | None = None, rate: float = 3.0) -> str:
    """The status at the third window of a pupil judged ``judged`` (recorded points) in all three."""
    plans = pd.DataFrame(
        {"school_id": [1], "pupil_id": [1], "subject": [READING], "baseline_points": [baseline]}
        | {"baseline_date": [BASELINE], "points_per_year": [rate]}
    )
    plans, rules = pscale.with_pscale_lines(plans, {1: policy} if policy else {}, {READING})
    judgements = pd.DataFrame({"pupil_id": 1, "subject": READING, "window_id": [1, 2, 3], "points": judged})
    out = trajectory.classify_frame(judgements, plans, WINDOWS, step_rules=rules)
    return str(out["status"].iloc[-1])


def test_a_pscale_pupil_at_median_is_not_stuck_for_a_flat_term_or_two():
    # Median from P4: 0.5 school points a year, one step (P4 → P5, 2 → 3) every two years. Between the first
    # and third windows the line rises 0.5 × (386 − 171) / 365.25 = 0.29 points: 0.29 of a step, under one.
    # At the third window it is at 2 + 0.5 × 1.0568 = 2.53 (P4 + 0.53 step): P5 flat is 0.47 step above it.
    assert _latest(P["P4"], P["P5"]) == "on_track"
    # Flat at P4 (0.53 step below: on track too) is not stuck either.
    assert _latest(P["P4"], P["P4"]) == "on_track"


def test_a_flat_pscale_pupil_whose_line_rose_a_step_is_stuck():
    # The school's own rate, 2 school points a year from P4 (2): the line is at 2.9363 (position 6.9363) at the
    # first window and 4.1136 (P6 + 0.1136, position 8.1136) at the third: 1.18 steps over the stuck windows.
    # Judged P6 throughout: 0.11 step below the line (on track by the gap) but no gain over three windows.
    fast = PScalePolicy(points_per_year=2.0)
    assert _latest(P["P4"], P["P6"], fast) == "stuck"


def test_a_flat_pscale_pupil_whose_line_rose_under_a_step_is_not_stuck():
    # 1 school point a year: the line goes from 2.4682 (position 6.4682) to 3.0568 (P5 + 0.0568): 0.59 of a
    # step. Judged P5 throughout: 0.06 step below (on track), and the flat run is no evidence: on track.
    slow = PScalePolicy(points_per_year=1.0)
    assert _latest(P["P4"], P["P5"], slow) == "on_track"


def test_an_nc_pupil_flat_over_three_windows_is_still_stuck():
    # 2b (15) at 3 points a year: the line is 15 + 3 × 1.0568 = 18.17 at the third window; 17 is 1.17 below
    # (on track: behind is 2), but no gain over three windows is stuck, as before.
    assert _latest(15.0, 17.0) == "stuck"
