"""Pure tests of targets.ambition (no Django, no database)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from targets.ambition import (
    KS1_TO_KS2_LEVELS,
    KS1_TO_KS2_YEARS,
    KS2_L4_TO_GCSE_C_POINTS,
    KS2_TO_GCSE_LEVELS,
    KS2_TO_GCSE_YEARS,
    POINTS_PER_LEVEL,
    POINTS_PER_SUB_LEVEL,
    AmbitionPolicy,
    expected_progress_points,
    propose_targets,
    years_between,
)

# 2010-09-01 -> 2014-09-01 is 1461 days = 4.0 years of 365.25 days.
START = dt.date(2010, 9, 1)
END = dt.date(2014, 9, 1)


def baselines(*rows):
    """rows: (pupil_id, subject, baseline_points[, baseline_date, target_date])."""
    records = []
    for row in rows:
        pupil_id, subject, points, *dates = row
        start, end = dates if dates else (START, END)
        records.append(
            {
                "pupil_id": pupil_id,
                "subject": subject,
                "baseline_points": points,
                "baseline_date": start,
                "target_date": end,
            }
        )
    return pd.DataFrame(records)


def as_rows(frame):
    return list(frame.itertuples(index=False, name=None))


# --------------------------------------------------------------------------------------------
# Domain facts
# --------------------------------------------------------------------------------------------


def test_domain_facts():
    assert POINTS_PER_SUB_LEVEL == 2.0
    assert POINTS_PER_LEVEL == 6.0
    # KS1 -> KS2: two whole levels = 12 points over four years = 3 points a year
    assert KS1_TO_KS2_LEVELS * POINTS_PER_LEVEL == 12.0
    assert expected_progress_points(KS1_TO_KS2_LEVELS, KS1_TO_KS2_YEARS) == 3.0
    # KS2 -> GCSE: three whole levels over five years
    assert expected_progress_points(KS2_TO_GCSE_LEVELS, KS2_TO_GCSE_YEARS) == 3.6
    # KS2 level 4 (27) -> GCSE C (40 on the old GCSE scale)
    assert KS2_L4_TO_GCSE_C_POINTS == 40 - 27 == 13.0


def test_expected_progress_points_needs_positive_years():
    with pytest.raises(ValueError, match="years must be greater than 0"):
        expected_progress_points(2, 0)


def test_years_between():
    assert years_between(START, END) == 4.0
    assert years_between(dt.date(2013, 9, 1), dt.date(2014, 9, 1)) == 1.0  # 365 days, rounded
    assert years_between(pd.Series([START]), pd.Series([dt.date(2012, 3, 1)])).tolist() == [1.5]


# --------------------------------------------------------------------------------------------
# Policy validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "hopeful"}, "kind must be one of expected, expected_plus, percentile"),
        ({"expected_points_per_year": -1}, "expected_points_per_year must not be negative"),
        ({"stretch_points": -2}, "stretch_points must not be negative"),
        ({"percentile": 0}, "percentile must be between 0 and 100"),
        ({"percentile": 100}, "percentile must be between 0 and 100"),
        ({"min_history": 0}, "min_history must be a whole number >= 1"),
        ({"min_history": 2.5}, "min_history must be a whole number >= 1"),
        ({"expected_points_per_year": math.inf}, "must be finite"),
        ({"stretch_points": "2"}, "stretch_points must be a number"),
    ],
)
def test_invalid_policy_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AmbitionPolicy(**kwargs)


def test_policy_from_mapping():
    policy = AmbitionPolicy.from_mapping(
        {"kind": "percentile", "percentile": "75", "min_history": 8.0, "stretch_points": None}
    )
    assert policy == AmbitionPolicy(kind="percentile", percentile=75, min_history=8)
    with pytest.raises(ValueError, match="unknown ambition policy setting"):
        AmbitionPolicy.from_mapping({"percentil": 75})
    with pytest.raises(ValueError, match="min_history must be a whole number"):
        AmbitionPolicy.from_mapping({"min_history": "2.5"})


# --------------------------------------------------------------------------------------------
# expected and expected_plus
# --------------------------------------------------------------------------------------------


def test_expected_progress_figures():
    policy = AmbitionPolicy(kind="expected", expected_points_per_year=3.0)
    out = propose_targets(
        baselines(
            (1, "maths", 15.0),
            (2, "english", 21.0),
            (3, "maths", 1.5, START, dt.date(2012, 3, 1)),  # P-scale pupil, 1.5 years
        ),
        policy,
    )
    assert list(out.columns) == ["pupil_id", "subject", "proposed_points", "basis"]
    assert as_rows(out) == [
        (1, "maths", 27.0, "expected progress: +12 points over 4.0 years"),
        (2, "english", 33.0, "expected progress: +12 points over 4.0 years"),
        (3, "maths", 6.0, "expected progress: +4.5 points over 1.5 years"),
    ]


def test_expected_plus_stretch_figures():
    policy = AmbitionPolicy(kind="expected_plus", expected_points_per_year=3.0, stretch_points=2.0)
    out = propose_targets(baselines((1, "maths", 15.0)), policy)
    assert as_rows(out) == [
        (1, "maths", 29.0, "expected progress +12 plus stretch +2: +14 points over 4.0 years"),
    ]


def test_ks2_to_gcse_expected_progress():
    policy = AmbitionPolicy(expected_points_per_year=expected_progress_points(3, 5))
    out = propose_targets(baselines((1, "maths", 27.0, dt.date(2010, 9, 1), dt.date(2015, 9, 1))), policy)
    assert out["proposed_points"].tolist() == [45.0]  # level 4 + 3 levels = level 7
    assert out["basis"].tolist() == ["expected progress: +18 points over 5.0 years"]


def test_rows_without_a_usable_baseline_or_dates_get_no_proposal():
    out = propose_targets(
        baselines(
            (1, "maths", math.nan),
            (2, "maths", 15.0, END, START),
            (3, "maths", 15.0, START, None),
            (4, "maths", 15.0),
        ),
        AmbitionPolicy(),
    )
    assert out["proposed_points"].isna().tolist() == [True, True, True, False]
    assert out["basis"].tolist()[:3] == [
        "no proposal: no baseline points",
        "no proposal: the target date is not after the baseline date",
        "no proposal: the target date is not after the baseline date",
    ]


def test_missing_columns_raise():
    with pytest.raises(ValueError, match="baselines is missing column"):
        propose_targets(pd.DataFrame({"pupil_id": [1]}), AmbitionPolicy())


# --------------------------------------------------------------------------------------------
# percentile
# --------------------------------------------------------------------------------------------


def history_frame():
    """Maths pupils starting at 15 (after rounding to the nearest point) gained 2, 2.5, 3 and 4
    points a year; other rows must be ignored or grouped elsewhere."""
    rows = [
        ("maths", 15.0, 8.0, 4.0),  # 2.0 a year
        ("maths", 14.6, 12.5, 5.0),  # rounds to 15; 2.5 a year
        ("maths", 14.5, 9.0, 3.0),  # halves round up: 15; 3.0 a year
        ("maths", 15.4, 16.0, 4.0),  # 4.0 a year
        ("maths", 15.5, 40.0, 4.0),  # rounds to 16: another group
        ("maths", 15.0, 99.0, 0.0),  # no time elapsed: ignored
        ("maths", 15.0, math.nan, 4.0),  # no result: ignored
        ("english", 15.0, 40.0, 4.0),  # another subject
    ]
    return pd.DataFrame(rows, columns=["subject", "baseline_points", "gained_points", "years"])


def test_percentile_exact_quantiles():
    # rates 2, 2.5, 3, 4: linear quantiles 50th = 2.75, 75th = 3.25; over 4 years: +11, +13
    b = baselines((1, "maths", 15.0), (2, "maths", 14.8))
    p50 = propose_targets(b, AmbitionPolicy(kind="percentile", percentile=50, min_history=4), history_frame())
    p75 = propose_targets(b, AmbitionPolicy(kind="percentile", percentile=75, min_history=4), history_frame())
    assert p50["proposed_points"].tolist() == [26.0, 25.8]
    assert p75["proposed_points"].tolist() == [28.0, 27.8]
    assert (
        p50["basis"].tolist()
        == ["50th percentile of 4 past pupils starting at 15 points: +11 points over 4.0 years"] * 2
    )
    assert (
        p75["basis"].tolist()
        == ["75th percentile of 4 past pupils starting at 15 points: +13 points over 4.0 years"] * 2
    )
    # the same figures as pandas' own quantile on the hand-picked rates
    rates = pd.Series([2.0, 2.5, 3.0, 4.0])
    assert (rates.quantile(0.5), rates.quantile(0.75)) == (2.75, 3.25)


def test_percentile_scaled_by_the_pupils_own_years():
    b = baselines((1, "maths", 15.0, START, dt.date(2012, 9, 1)))  # 2.0 years
    out = propose_targets(b, AmbitionPolicy(kind="percentile", percentile=75, min_history=4), history_frame())
    assert as_rows(out) == [
        (1, "maths", 21.5, "75th percentile of 4 past pupils starting at 15 points: +6.5 points over 2.0 years")
    ]


def test_percentile_falls_back_to_expected_progress_when_history_is_thin():
    policy = AmbitionPolicy(kind="percentile", percentile=75, min_history=5, expected_points_per_year=3.0)
    out = propose_targets(
        baselines((1, "maths", 15.0), (2, "maths", 16.0), (3, "english", 15.0), (4, "science", 21.0)),
        policy,
        history_frame(),
    )
    assert as_rows(out) == [
        (
            1,
            "maths",
            27.0,
            "fallback to expected progress: only 4 past pupils starting at 15 points; +12 points over 4.0 years",
        ),
        (
            2,
            "maths",
            28.0,
            "fallback to expected progress: only 1 past pupil starting at 16 points; +12 points over 4.0 years",
        ),
        (
            3,
            "english",
            27.0,
            "fallback to expected progress: only 1 past pupil starting at 15 points; +12 points over 4.0 years",
        ),
        (
            4,
            "science",
            33.0,
            "fallback to expected progress: no past pupils starting at 21 points; +12 points over 4.0 years",
        ),
    ]


def test_percentile_without_history_falls_back_for_everyone():
    out = propose_targets(baselines((1, "maths", 15.0)), AmbitionPolicy(kind="percentile"), None)
    assert as_rows(out) == [
        (
            1,
            "maths",
            27.0,
            "fallback to expected progress: no past pupils starting at 15 points; +12 points over 4.0 years",
        )
    ]


def test_percentile_mixes_trusted_and_fallback_rows_in_one_vectorised_call():
    rng = np.random.default_rng(7)
    history = pd.DataFrame(
        {
            "subject": "maths",
            "baseline_points": np.repeat([9.0, 15.0, 21.0], [30, 23, 2]),
            "gained_points": rng.uniform(4, 20, 55).round(1),
            "years": 4.0,
        }
    )
    b = baselines(*[(i, "maths", start) for i, start in enumerate([15.0, 21.0, 9.0, 15.2, 3.0])])
    out = propose_targets(b, AmbitionPolicy(kind="percentile", percentile=75, min_history=10), history)
    assert out["pupil_id"].tolist() == [0, 1, 2, 3, 4]  # the order of the baselines
    q15 = history.loc[history.baseline_points == 15.0, "gained_points"].div(4.0).quantile(0.75)
    q9 = history.loc[history.baseline_points == 9.0, "gained_points"].div(4.0).quantile(0.75)
    assert out["proposed_points"].tolist() == pytest.approx(
        [15 + 4 * q15, 21 + 12, 9 + 4 * q9, 15.2 + 4 * q15, 3 + 12], abs=0.005
    )
    assert out["basis"][0].startswith("75th percentile of 23 past pupils starting at 15 points: +")
    assert out["basis"][1].startswith("fallback to expected progress: only 2 past pupils starting at 21 points")
    assert out["basis"][2].startswith("75th percentile of 30 past pupils starting at 9 points")
    assert out["basis"][4].startswith("fallback to expected progress: no past pupils starting at 3 points")


def test_percentile_ordinal_suffixes():
    b = baselines((1, "maths", 15.0))
    for percentile, word in [(80, "80th"), (21, "21st"), (52, "52nd"), (33, "33rd"), (11, "11th"), (12.5, "12.5th")]:
        policy = AmbitionPolicy(kind="percentile", percentile=percentile, min_history=1)
        assert propose_targets(b, policy, history_frame())["basis"][0].startswith(f"{word} percentile of 4")


def test_history_missing_columns_raise():
    with pytest.raises(ValueError, match="history is missing column"):
        propose_targets(
            baselines((1, "maths", 15.0)),
            AmbitionPolicy(kind="percentile"),
            pd.DataFrame({"subject": ["maths"], "baseline_points": [15.0]}),
        )
