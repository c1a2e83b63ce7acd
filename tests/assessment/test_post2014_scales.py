"""Post-2014 results (2016 on) on scales of their own: codes → points, their order, the scaled-score ranges, step
sizes, and which results can start a trajectory on a subject's scale (issue 14). Pure: no database."""

from __future__ import annotations

import pytest

from assessment.scales import (
    BUILTIN_SCALES,
    LEVEL_LINE,
    NC,
    POST2014_SCALES,
    PSCALE,
    ScaleKind,
    post2014_points,
    same_line,
)
from pupils.ctf.results import FRAMEWORKS, STATUS_CODES, read_result


@pytest.mark.parametrize(
    ("code", "labels"),
    [
        ("ks1_ta", ["BLW", "PKF", "WTS", "EXS", "GDS"]),
        ("ks1_pk", ["PK1", "PK2", "PK3", "PK4", "WTS", "EXS", "GDS"]),
        ("ks2_ta", ["BLW", "PKF", "PKE", "PKG", "WTS", "EXS", "GDS"]),
        ("ks2_pk", ["PK1", "PK2", "PK3", "PK4", "PK5", "PK6", "WTS", "EXS", "GDS"]),
        ("ks1_met", ["HNM", "EXS"]),
        ("ks2_met", ["HNM", "EXS"]),
    ],
)
def test_teacher_assessment_codes_score_1_2_3_lowest_first_on_an_ordinal_scale(code, labels):
    scale = BUILTIN_SCALES[code]
    assert scale.kind == ScaleKind.ORDINAL
    assert list(scale.labels()) == labels
    assert [scale.points(label) for label in labels] == list(range(1, len(labels) + 1))
    assert scale.step == 1  # one step is one code


def test_ks1_exs_and_gds_and_ks2_codes_by_hand():
    assert BUILTIN_SCALES["ks1_pk"].points("EXS") == 6
    assert BUILTIN_SCALES["ks1_pk"].points("GDS") == 7
    assert BUILTIN_SCALES["ks1_ta"].points("PKF") == 2
    assert BUILTIN_SCALES["ks2_pk"].points("pk 4") == 4
    assert BUILTIN_SCALES["ks2_pk"].points("EXS") == 8
    # Expected standard above working towards, greater depth above expected, on every TA scale.
    for code in ("ks1_ta", "ks1_pk", "ks2_ta", "ks2_pk"):
        scale = BUILTIN_SCALES[code]
        assert scale.points("WTS") < scale.points("EXS") < scale.points("GDS")


def test_the_tests_achieved_and_not_achieved_outcomes_are_met_and_not_met():
    met = BUILTIN_SCALES["ks2_met"]
    assert (met.points("AS"), met.points("NS")) == (met.points("EXS"), met.points("HNM")) == (2, 1)


@pytest.mark.parametrize(("code", "low", "high"), [("ks2_scaled", 80, 120), ("ks1_scaled", 85, 115)])
def test_scaled_scores_are_their_own_points_in_their_range(code, low, high):
    scale = BUILTIN_SCALES[code]
    assert scale.kind == ScaleKind.SCALED_SCORE
    assert (scale.min_points, scale.max_points, scale.step) == (low, high, 1)
    assert scale.points("100") == 100 and scale.parse("100").description == "Expected standard"
    assert not scale.contains(str(low - 1)) and not scale.contains(str(high + 1))
    assert scale.label_for(104.0) == "104"


def test_step_sizes_of_the_level_scales_are_unchanged():
    assert NC.step == 2  # a sub-level
    assert PSCALE.step == pytest.approx(0.15)  # the smallest gap of the default P-scale points (P7 → P8)


@pytest.mark.parametrize(
    ("stage", "result", "kw", "expected"),
    [
        ("KS2", "104", {"method": "TT", "year": 2024}, ("ks2_scaled", 104.0)),
        ("KS2", "120", {"method": "TT", "year": 2024}, ("ks2_scaled", 120.0)),
        ("KS2", "121", {"method": "TT", "year": 2024}, None),
        ("KS2", "79", {"method": "TT", "year": 2024}, None),
        ("KS1", "115", {"method": "TT", "year": 2019}, ("ks1_scaled", 115.0)),
        ("KS1", "116", {"method": "TT", "year": 2019}, None),
        ("KS1", "EXS", {"subject": "WRI", "method": "TA", "year": 2019}, ("ks1_pk", 6.0)),
        ("KS1", "GDS", {"subject": "REA", "method": "TA", "year": 2017}, ("ks1_ta", 5.0)),
        ("KS1", "PKF", {"method": "TA", "year": 2019}, ("ks1_ta", 2.0)),  # only on the interim framework
        ("KS1", "PK5", {"method": "TA", "year": 2020}, None),  # KS1 stops at PK4
        ("KS1", "EXS", {"subject": "SCI", "method": "TA", "year": 2019}, ("ks1_met", 2.0)),
        ("KS2", "PK6", {"method": "TA", "year": 2023}, ("ks2_pk", 6.0)),
        ("KS2", "EXS", {"subject": "WRI", "method": "TA", "year": 2023}, ("ks2_pk", 8.0)),
        ("KS2", "HNM", {"subject": "REA", "method": "TA", "year": 2017}, ("ks2_met", 1.0)),
        ("KS2", "AS", {"subject": "MAT", "method": "TT", "year": 2017}, ("ks2_met", 2.0)),
        ("KS2", "A", {"method": "TA", "year": 2024}, None),  # absent: a status, no attainment
        ("KS2", "XYZ", {"method": "TA", "year": 2024}, None),
        ("KS2", "4b", {"method": "TA", "year": 2012}, None),  # a level: on the subject's scale, not here
    ],
)
def test_post2014_points_read_the_result_in_its_key_stage_year_and_subject(stage, result, kw, expected):
    assert post2014_points(result, stage=stage, **kw) == expected


def test_without_a_year_the_shared_codes_are_read_on_the_interim_framework():
    assert post2014_points("EXS") == ("ks2_ta", 6.0)
    assert post2014_points("PK2") == ("ks2_pk", 2.0)


def test_unknown_codes_and_out_of_range_scores_are_problems_that_say_why():
    unknown = read_result("KS2", "XYZ", method="TA", year=2024)
    assert unknown.kind == "problem" and "“XYZ” is not a KS2 result" in unknown.message
    assert "PK1–PK6" in unknown.message and "80–120" in unknown.message
    high = read_result("KS2", "125", method="TT", year=2024)
    assert (high.kind, high.message) == ("problem", "125 is outside the KS2 scaled-score range 80–120")
    assert read_result("KS1", "PK5", method="TA", year=2020).kind == "problem"
    assert read_result("KS2", " ", method="TA", year=2024).kind == "problem"


def test_statuses_levels_and_other_stages_are_not_problems():
    assert {read_result("KS2", code).kind for code in STATUS_CODES} == {"status"}
    assert read_result("KS2", "P7", year=2017).kind == "level"  # P-scales were reported beside BLW
    assert read_result("KS1", "2b", year=2012).kind == "level"
    assert read_result("KS2", "4b").kind == "level"
    assert read_result("EYFSP", "anything").kind == "other"


def test_every_framework_is_a_post2014_scale_and_none_is_a_level_scale():
    assert set(FRAMEWORKS) == POST2014_SCALES
    assert POST2014_SCALES.issubset(BUILTIN_SCALES)
    assert not POST2014_SCALES & LEVEL_LINE


@pytest.mark.parametrize(
    ("result_scale", "subject_scale", "expected"),
    [
        ("nc_full", "nc_full", True),
        ("nc", "nc_full", True),
        ("pscale", "nc_full", True),
        ("", "nc_full", True),  # stored before results named their scale: the subject's
        ("ks2_scaled", "nc_full", False),
        ("ks1_pk", "nc", False),
        ("ks2_scaled", "ks2_scaled", True),  # a subject tracked on scaled scores starts from one
        ("ks2_pk", "ks2_ta", False),
        ("gcse_letter", "nc_full", False),
    ],
)
def test_only_results_on_the_subjects_line_can_start_its_trajectory(result_scale, subject_scale, expected):
    assert same_line(result_scale, subject_scale) is expected
