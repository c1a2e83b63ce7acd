"""Impact arithmetic on hand-built histories (pure: no database)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from interventions import impact
from interventions.impact import Point

D = dt.date
MONTH = impact.DAYS_PER_MONTH


def test_rate_before_is_points_per_month_over_the_judgements_before_the_start():
    history = [(D(2024, 12, 19), 15), (D(2025, 3, 31), 16), (D(2025, 7, 22), 17), (D(2025, 12, 19), 30)]
    rate = impact.rate_before(history, start=D(2025, 9, 1))
    assert rate == pytest.approx(2 / ((D(2025, 7, 22) - D(2024, 12, 19)).days / MONTH))


def test_rate_before_needs_two_judgements():
    assert impact.rate_before([(D(2025, 7, 22), 17)], start=D(2025, 9, 1)) is None
    assert impact.rate_before([], start=D(2025, 9, 1)) is None


def test_entry_and_exit_are_taken_from_the_windows_around_the_provision():
    history = [(D(2025, 7, 22), 15), (D(2025, 12, 19), 17), (D(2026, 3, 31), 21), (D(2026, 7, 22), 23)]
    entry, exit_ = impact.pick_entry_exit(history, start=D(2026, 1, 5), end=D(2026, 3, 27))
    assert entry == Point(D(2025, 12, 19), 17)
    assert exit_ == Point(D(2026, 3, 31), 21)


def test_accelerated_gain_rates_and_cost_per_point():
    result = impact.pupil_impact((D(2026, 1, 1), 17), (D(2026, 4, 1), 21), rate_before=0.5, cost=120)
    months = 90 / MONTH
    assert result.measured
    assert result.gain == 4
    assert result.rate_during == pytest.approx(4 / months)
    assert result.rate_change == pytest.approx(4 / months - 0.5)
    assert result.outcome == impact.ACCELERATED  # 1.35 a month beats the expected 0.25
    assert result.cost_per_point == pytest.approx(30.0)


def test_no_change_has_zero_gain_and_no_cost_per_point():
    result = impact.pupil_impact((D(2026, 1, 1), 17), (D(2026, 4, 1), 17), rate_before=0.4, cost=120)
    assert result.gain == 0
    assert result.rate_during == 0
    assert result.outcome == impact.NO_CHANGE
    assert result.cost_per_point is None


def test_missing_exit_judgement_is_not_measured():
    result = impact.pupil_impact((D(2026, 1, 1), 17), None, rate_before=0.4, cost=120)
    assert not result.measured
    assert result.gain is None and result.rate_during is None and result.rate_change is None
    assert result.outcome == impact.NOT_MEASURED
    assert result.cost_per_point is None


def test_pupil_who_left_early_is_measured_to_the_judgement_at_leaving_and_costs_pro_rata():
    start, end, left = D(2026, 1, 5), D(2026, 3, 29), D(2026, 2, 15)
    history = [(D(2025, 12, 19), 17), (D(2026, 2, 14), 18), (D(2026, 3, 31), 21)]
    span_start, span_end = impact.place_span(start, end, start, left)
    assert (span_start, span_end) == (start, left)
    entry, exit_ = impact.pick_entry_exit(history, span_start, span_end)
    assert exit_ == Point(D(2026, 2, 14), 18)  # the judgement when they left, not the end-of-term one
    sessions, hours, cost = impact.place_figures(
        sessions_per_week=3,
        session_minutes=30,
        cost_basis="pupil",
        unit_cost=168,
        provision_start=start,
        provision_end=end,
        joined=start,
        left=left,
        group_pupils=4,
    )
    days = (left - start).days + 1
    assert cost == pytest.approx(168 * days / ((end - start).days + 1))
    assert sessions == pytest.approx(3 * days / 7)
    assert hours == pytest.approx(sessions / 2)
    result = impact.pupil_impact(entry, exit_, cost=cost)
    assert result.gain == 1
    assert result.cost_per_point == pytest.approx(cost)


def test_per_session_cost_is_shared_by_the_group():
    start = D(2026, 1, 5)
    _, _, cost = impact.place_figures(
        sessions_per_week=2,
        session_minutes=30,
        cost_basis="session",
        unit_cost=30,
        provision_start=start,
        provision_end=start + dt.timedelta(days=69),
        joined=start,
        left=None,
        group_pupils=3,
    )
    assert cost == pytest.approx(30 * 20 / 3)  # 10 weeks × 2 sessions × £30, shared by 3


def test_programme_summary_counts_and_cost_per_point_over_measured_pupils():
    impacts = [
        impact.pupil_impact((D(2026, 1, 1), 17), (D(2026, 4, 1), 21), rate_before=0.5, cost=100),  # +4
        impact.pupil_impact((D(2026, 1, 1), 15), (D(2026, 4, 1), 17), rate_before=1.0, cost=100),  # +2
        impact.pupil_impact((D(2026, 1, 1), 15), (D(2026, 4, 1), 15), rate_before=None, cost=100),  # 0
        impact.pupil_impact((D(2026, 1, 1), 15), None, cost=50),  # left, no exit
    ]
    s = impact.summarise(impacts)
    assert (s.pupils, s.measured, s.with_rate_before) == (4, 3, 2)
    assert s.mean_gain == pytest.approx(2.0)
    assert s.total_cost == 350
    assert s.measured_cost == 300
    assert s.total_gain == 6
    assert s.cost_per_point == pytest.approx(50.0)
    assert s.faster_than_before == 1  # 4 points in 3 months beats 0.5 a month; 2 in 3 months does not beat 1.0
    # Expected 3 points a year = 0.25 a month: +4 and +2 in 90 days (2.96 months) beat it, no gain does not.
    assert s.accelerated == 2 and s.accelerated_share == pytest.approx(2 / 3)


def test_summary_of_nothing_is_empty():
    s = impact.summarise([])
    assert (s.pupils, s.measured, s.cost_per_point, s.mean_gain) == (0, 0, None, None)


dates = st.dates(min_value=D(2024, 9, 1), max_value=D(2027, 7, 31))


@given(
    start=dates,
    length=st.integers(0, 200),
    join_after=st.integers(0, 60),
    leave_after=st.one_of(st.none(), st.integers(0, 200)),
    period_start=dates,
    period_len=st.integers(0, 120),
    basis=st.sampled_from(["session", "pupil"]),
    group=st.integers(1, 8),
)
def test_vectorised_map_figures_match_the_scalar_ones(
    start, length, join_after, leave_after, period_start, period_len, basis, group
):
    end = start + dt.timedelta(days=length)
    joined = min(end, start + dt.timedelta(days=join_after))
    left = None if leave_after is None else min(end, joined + dt.timedelta(days=leave_after))
    period_end = period_start + dt.timedelta(days=period_len)
    row = {
        "sessions_per_week": 3,
        "session_minutes": 40,
        "cost_basis": basis,
        "unit_cost": 25.0,
        "provision_start": start,
        "provision_end": end,
        "joined": joined,
        "left": left,
        "group_pupils": group,
    }
    expected = impact.place_figures(**row, period_start=period_start, period_end=period_end)
    got = impact.map_figures(pd.DataFrame([row]), period_start, period_end).iloc[0]
    assert (got["sessions"], got["hours"], got["cost"]) == pytest.approx(expected)


def test_score_card_averages_leave_out_views_not_given():
    per, overall = impact.card_averages([(1, 4, 4, 4), (2, 2, 3, None), (3, None, None, None)])
    assert per == {1: 4.0, 2: 2.5}
    assert overall == pytest.approx(3.25)


def test_change_from_baseline_per_characteristic():
    assert impact.change_from_baseline({1: 4.0, 2: 2.5}, {1: 6.0, 2: 2.0, 3: 7.0}) == {1: 2.0, 2: -0.5}


@pytest.mark.parametrize("value", [-1, 11, 100])
def test_ratings_outside_zero_to_ten_are_refused(value):
    with pytest.raises(ValueError, match="0 to 10"):
        impact.validate_rating(value)


# --- Against expected progress (DESIGN §3) ---------------------------------------------------------------


def test_two_provisions_judged_against_expected_progress_by_hand():
    # Expected: 3 points a year → 3 / 3 = 1 point a term → 0.25 points a month (a term is four months).
    # Both places run 1 Sep 2025 → 31 Dec 2025: 121 days = 121 / 30.4375 = 3.9754 months.
    # Provision A (Anna): 15 → 17, 2 points in 3.9754 months = 0.5031 a month = 2.012 a term ≥ 1: accelerated.
    #   Before: 0.2 a month = 0.8 a term; expected gain over the months 0.25 × 3.9754 = 0.9938, so 1.0062 points
    #   above expected, and £100 ÷ 1.0062 = £99.38 per point above expected.
    # Provision B (Ben): 15 → 15.5, 0.5 points = 0.1258 a month = 0.503 a term < 1: a gain, but not accelerated
    #   (the old "improved" counted him as a success). Before: 0.1 a month = 0.4 a term.
    start, end = D(2025, 9, 1), D(2025, 12, 31)
    anna = impact.pupil_impact((start, 15), (end, 17), rate_before=0.2, cost=100, expected_per_year=3)
    ben = impact.pupil_impact((start, 15), (end, 15.5), rate_before=0.1, cost=100, expected_per_year=3)
    a, b = impact.summarise([anna]), impact.summarise([ben])
    assert a.term_rate_before == pytest.approx(0.8)
    assert a.term_rate_during == pytest.approx(2.012, abs=1e-3)
    assert a.term_rate_expected == pytest.approx(1.0)
    assert (a.accelerated, a.accelerated_share, anna.outcome) == (1, 1.0, "accelerated")
    assert a.cost_per_point_above_expected == pytest.approx(99.38, abs=0.01)
    assert b.term_rate_before == pytest.approx(0.4)
    assert b.term_rate_during == pytest.approx(0.503, abs=1e-3)
    assert b.term_rate_expected == pytest.approx(1.0)
    assert (b.accelerated, b.accelerated_share) == (0, 0.0)
    assert ben.outcome == "gained, below expected"
    assert b.cost_per_point_above_expected is None  # nothing gained above expected
    assert b.faster_than_before == 1  # faster than before, yet still below expected progress


def test_exactly_the_expected_rate_is_accelerated_and_a_higher_bar_can_be_set(monkeypatch):
    start = D(2025, 9, 1)
    end = start + dt.timedelta(days=round(4 * MONTH * 100) / 100)
    months = impact.months_between(start, end)
    on_line = impact.pupil_impact((start, 15), (end, 15 + 0.25 * months), expected_per_year=3)
    assert on_line.accelerated
    monkeypatch.setattr(impact, "ACCELERATED_BAR", 1.5)
    assert not on_line.accelerated


def test_ratio_gain_eight_months_of_reading_age_in_four_months_is_substantial():
    # 1 Sep 2025 → 1 Jan 2026 = 122 days = 4.008 months; 8 months of reading age gained: 8 / 4.008 = 1.996 ≈ 2.0
    ratio = impact.ratio_gain(90, 98, D(2025, 9, 1), D(2026, 1, 1))
    assert ratio == pytest.approx(1.996, abs=1e-3)
    assert impact.ratio_band(ratio) == "substantial"


@pytest.mark.parametrize(
    "ratio, band",
    [
        (3.0, "remarkable"),
        (2.9, "substantial"),
        (2.0, "substantial"),
        (1.9, "useful"),
        (1.4, "useful"),
        (1.3, "modest"),
        (0.0, "modest"),
    ],
)
def test_ratio_gain_bands(ratio, band):
    assert impact.ratio_band(ratio) == band


def test_ratio_gain_needs_both_ages():
    assert impact.ratio_gain(None, 98, D(2025, 9, 1), D(2026, 1, 1)) is None
    assert impact.ratio_band(None) is None


def test_programme_summary_mean_ratio_gain_and_cost_per_pupil():
    start, end = D(2025, 9, 1), D(2025, 12, 31)
    impacts = [
        impact.pupil_impact((start, 15), (end, 17), cost=100, ratio_gain=2.0),
        impact.pupil_impact((start, 15), (end, 16), cost=100, ratio_gain=1.0),
        impact.pupil_impact((start, 15), None, cost=50),
    ]
    s = impact.summarise(impacts)
    assert (s.with_ratio, s.mean_ratio_gain, s.ratio_band) == (2, 1.5, "useful")
    assert s.cost_per_pupil == pytest.approx(250 / 3)


# --- Across the trust: pooled programmes, each school, small counts hidden ---------------------------------

# Sixteen months to the day (16 × 365.25 / 12 = 487 days), at 3 points a year: 4 points expected.
ENTRY, EXIT = D(2025, 1, 1), D(2026, 5, 3)


def _pupil(gain: float | None, cost: float, ratio: float | None = None) -> impact.PupilImpact:
    exit_ = None if gain is None else (EXIT, 15 + gain)
    return impact.pupil_impact((ENTRY, 15), exit_, cost=cost, expected_per_year=3, ratio_gain=ratio)


def _trust_impacts():
    """Ash (id 1, threshold 5): Reading catch-up (wave 2), 12 pupils at £100, 10 measured: five gained 6 points
    (2 above the 4 expected; ratio gain 2.0), five gained 3 (1 below). Birch (id 2, threshold 3): Reading
    catch-up, 4 pupils at £50 all measured, gains 6, 6, 6, 3; Spelling boost (wave 3), 2 pupils at £30, gains 6."""
    ash = [_pupil(6, 100, 2.0) for _ in range(5)] + [_pupil(3, 100) for _ in range(5)] + [_pupil(None, 100)] * 2
    birch = [_pupil(g, 50) for g in (6, 6, 6, 3)]
    return (
        [(1, 2, "Reading catch-up", i) for i in ash]
        + [(2, 2, "Reading catch-up", i) for i in birch]
        + [(2, 3, "Spelling boost", _pupil(6, 30)) for _ in range(2)]
    )


def test_the_trust_table_pools_each_programme_and_sums_each_school_by_hand():
    assert impact.months_between(ENTRY, EXIT) == pytest.approx(16)
    programmes, schools = impact.trust_rows(_trust_impacts(), [(1, "Ash", 5), (2, "Birch", 3)])
    reading, spelling = programmes
    assert (reading.label, reading.wave, reading.schools) == ("Reading catch-up", 2, 2)
    # Pooled under the stricter threshold (5): 16 pupils, 14 measured, 5 + 3 = 8 accelerated (6 not).
    r = reading.shown
    assert (r.pupils, r.measured, r.accelerated, r.accelerated_pct) == ("16", "14", "57% (8 of 14)", 57)
    assert r.cost_per_pupil == pytest.approx((1200 + 200) / 16)  # £87.50
    # Above expected: Ash 5 × 2 − 5 × 1 = 5, Birch 3 × 2 − 1 = 5; measured cost 1000 + 200 → £120 a point.
    assert r.cost_per_point_above_expected == pytest.approx(120)
    assert (r.mean_ratio_gain, r.ratio_band) == (2.0, "substantial")  # five pupils with reading ages
    # Spelling boost: Birch only (threshold 3), two pupils: nothing worked from them.
    s = spelling.shown
    assert (s.pupils, s.measured, s.accelerated, s.cost_per_pupil, s.cost_per_point_above_expected) == (
        "<3",
        "<3",
        "—",
        None,
        None,
    )
    ash, birch = schools
    a = ash.shown
    assert (ash.label, a.pupils, a.measured, a.accelerated) == ("Ash", "12", "10", "50% (5 of 10)")
    assert (a.cost_per_pupil, a.cost_per_point_above_expected) == (pytest.approx(100), pytest.approx(1000 / 5))
    b = birch.shown  # 6 pupils, all measured, 5 accelerated: the one not is under Birch's threshold
    assert (birch.label, b.pupils, b.measured, b.accelerated, b.accelerated_pct) == (
        "Birch",
        "6",
        "6",
        "all but <3 of 6",
        None,
    )
    assert b.cost_per_pupil == pytest.approx(260 / 6)
    assert b.cost_per_point_above_expected == pytest.approx(260 / 9)  # above: 5 + 2 × 2
    assert b.mean_ratio_gain is None  # no reading ages


def test_a_school_with_no_pupils_in_any_programme_has_no_row():
    programmes, schools = impact.trust_rows([], [(1, "Ash", 5)])
    assert programmes == [] and schools == []


def test_few_accelerated_is_shown_as_under_the_threshold():
    summary = impact.summarise([_pupil(6, 10)] * 2 + [_pupil(3, 10)] * 8)
    shown = impact.disclose(summary, 5)
    assert (shown.accelerated, shown.accelerated_pct) == ("<5 of 10", None)
    assert shown.mean_ratio_gain is None
