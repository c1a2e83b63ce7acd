"""Scales and the NC points arithmetic (pure: no Django, no database)."""

import math
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.scales import (
    BUILTIN_SCALES,
    GCSE_C_FROM_KS2_L4,
    GCSE_LETTER,
    NC,
    NC_FULL,
    POINTS_PER_LEVEL,
    POINTS_PER_SUBLEVEL,
    PSCALE,
    PSCALE_LABELS,
    SUBLEVELS,
    W_POINTS,
    ScaleKind,
    UnknownGrade,
    custom_scale,
    levels_between,
    nc_full_scale,
    nc_points,
    nc_split,
    post2014_points,
    pscale_with_points,
    sublevels_between,
    suggest_overall,
    whole_level_labels,
    whole_levels,
    whole_levels_array,
)

ALL_LABELS = [(code, label) for code, scale in BUILTIN_SCALES.items() for label in scale.labels()]
levels = st.integers(min_value=1, max_value=8)
sublevels = st.sampled_from(SUBLEVELS)
nc_sublevel_points = st.builds(nc_points, levels, sublevels)
points = st.floats(min_value=-100, max_value=100, allow_nan=False)


# --- Every built-in scale ----------------------------------------------------------------------


@pytest.mark.parametrize(("code", "label"), ALL_LABELS)
def test_every_builtin_label_round_trips_through_points(code, label):
    scale = BUILTIN_SCALES[code]
    assert scale.label_for(scale.points(label)) == label


@pytest.mark.parametrize("scale", BUILTIN_SCALES.values(), ids=list(BUILTIN_SCALES))
def test_builtin_scales_ascend_strictly_in_order_and_points(scale):
    assert [g.order for g in scale.grades] == list(range(len(scale.grades)))
    assert all(low.points < high.points for low, high in pairwise(scale.grades))
    assert scale.min_points == scale.grades[0].points
    assert scale.max_points == scale.grades[-1].points


def test_builtin_scales_are_keyed_by_their_code():
    assert set(BUILTIN_SCALES) == {
        "nc", "pscale", "nc_full", "gcse_letter", "gcse_numeric", "ks2_scaled", "ks2_ta", "ks2_met",
        "ks2_pscale_nominal", "ks1_scaled", "ks1_ta", "ks1_pk", "ks2_pk", "ks1_met",
    }  # fmt: skip
    assert all(code == scale.code for code, scale in BUILTIN_SCALES.items())


# --- DESIGN §3 facts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [("W", 3), ("1c", 7), ("1b", 9), ("2c", 13), ("2b", 15), ("2a", 17), ("4b", 27), ("8a", 53), ("EP", 57)],
)
def test_nc_points_match_the_design(label, expected):
    assert NC.points(label) == expected


@pytest.mark.parametrize("level", range(1, 9))
def test_secure_level_is_6n_plus_3(level):
    expected = [9, 15, 21, 27, 33, 39, 45, 51][level - 1]
    assert NC.points(str(level)) == expected == nc_points(level)
    assert NC.points(f"{level}c") == expected - 2
    assert NC.points(f"{level}a") == expected + 2


def test_nc_has_w_24_sublevels_and_ep():
    assert NC.labels()[0] == "W" and NC.labels()[-1] == "EP"
    assert len(NC.labels()) == 26


@pytest.mark.parametrize(
    ("label", "expected"),
    [("A*", 58), ("A", 52), ("B", 46), ("C", 40), ("D", 34), ("E", 28), ("F", 22), ("G", 16), ("U", 0)],
)
def test_gcse_letter_points(label, expected):
    assert GCSE_LETTER.points(label) == expected


def test_gcse_numeric_scores_its_number():
    scale = BUILTIN_SCALES["gcse_numeric"]
    assert [scale.points(str(n)) for n in range(9, 0, -1)] == list(range(9, 0, -1))
    assert scale.points("U") == 0


def test_ks2_level_4_to_gcse_c_is_13_points():
    assert GCSE_LETTER.points("C") - NC.points("4b") == GCSE_C_FROM_KS2_L4 == 13


def test_ks2_scaled_scores_are_their_own_points():
    scale = BUILTIN_SCALES["ks2_scaled"]
    assert scale.labels() == tuple(str(n) for n in range(80, 121))
    assert scale.points("100") == 100
    assert scale.kind is ScaleKind.SCALED_SCORE


def test_ks2_teacher_assessment_codes_are_ordinal_1_to_7():
    # HNM ("has not met") is not a teacher-assessment step below BLW (issue 14): it is on ks2_met.
    scale = BUILTIN_SCALES["ks2_ta"]
    assert scale.labels() == ("BLW", "PKF", "PKE", "PKG", "WTS", "EXS", "GDS")
    assert [g.points for g in scale.grades] == list(range(1, 8))
    assert scale.kind is ScaleKind.ORDINAL
    assert not scale.contains("HNM")


def test_hnm_orders_only_against_exs():
    met = BUILTIN_SCALES["ks2_met"]
    assert met.labels() == ("HNM", "EXS")
    assert met.points("HNM") < met.points("EXS")
    assert met.kind is ScaleKind.ORDINAL


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ("104", ("ks2_scaled", 104.0)),
        ("80", ("ks2_scaled", 80.0)),
        ("EXS", ("ks2_ta", 6.0)),
        ("gds", ("ks2_ta", 7.0)),
        ("PKF", ("ks2_ta", 2.0)),
        ("BLW", ("ks2_ta", 1.0)),
        ("HNM", ("ks2_met", 1.0)),
        ("2b", None),
        ("P4", None),
        ("79", None),
    ],
)
def test_post2014_results_get_points_on_their_own_scales(result, expected):
    assert post2014_points(result) == expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("P1(i)", 59),
        ("P2(ii)", 59),
        ("p3 ii", 59),
        ("P4", 61),
        ("P5", 63),
        ("P6", 65),
        ("P7", 67),
        ("P8", 69),
    ],
)
def test_ks2_pscale_nominal_points(label, expected):
    assert BUILTIN_SCALES["ks2_pscale_nominal"].points(label) == expected


def test_pscales_in_design_order_ascending_and_below_w():
    assert PSCALE.labels() == PSCALE_LABELS
    assert PSCALE_LABELS == (
        "P1(i)",
        "P1(ii)",
        "P2(i)",
        "P2(ii)",
        "P3(i)",
        "P3(ii)",
        "P4",
        "P5",
        "P6",
        "P7",
        "P8",
    )
    assert PSCALE.max_points < W_POINTS


def test_nc_full_runs_from_p_scales_into_level_1():
    assert NC_FULL.labels() == PSCALE.labels() + NC.labels()
    assert NC_FULL.next_grade("P8").label == "W"
    assert NC_FULL.next_grade("W").label == "1c"
    assert NC_FULL.points("4b") == 27


# --- Tolerant parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "text", "label"),
    [
        ("nc", "4b", "4b"),
        ("nc", "4B", "4b"),
        ("nc", " L4b ", "4b"),
        ("nc", "level 4 b", "4b"),
        ("nc", "4 secure", "4b"),
        ("nc", "4  LOW", "4c"),
        ("nc", "4 high", "4a"),
        ("nc", "4", "4b"),
        ("nc", "L4", "4b"),
        ("nc", "w", "W"),
        ("nc", "EP", "EP"),
        ("nc", "ep", "EP"),
        ("nc", "Exceptional", "EP"),
        ("nc", "exceptional  performance", "EP"),
        ("pscale", "P1(i)", "P1(i)"),
        ("pscale", "P1i", "P1(i)"),
        ("pscale", "p1 i", "P1(i)"),
        ("pscale", "P1 (ii)", "P1(ii)"),
        ("pscale", "p3ii", "P3(ii)"),
        ("pscale", "P4", "P4"),
        ("pscale", "p8", "P8"),
        ("nc_full", "p2 ii", "P2(ii)"),
        ("nc_full", "2 high", "2a"),
        ("gcse_letter", "a*", "A*"),
        ("gcse_letter", "A*", "A*"),
        ("gcse_letter", "c", "C"),
        ("gcse_numeric", "4", "4"),
        ("ks2_scaled", " 100 ", "100"),
        ("ks2_ta", "exs", "EXS"),
        ("ks2_pscale_nominal", "P2i", "P1(i)-P3(ii)"),
    ],
)
def test_parse_is_tolerant(code, text, label):
    scale = BUILTIN_SCALES[code]
    assert scale.parse(text).label == label
    assert scale.contains(text)


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("nc", "9b"),
        ("nc", "4d"),
        ("nc", "P4"),
        ("nc", ""),
        ("pscale", "P1"),  # P1 has two steps: ambiguous
        ("pscale", "P9"),
        ("pscale", "4b"),
        ("gcse_letter", "A**"),
        ("gcse_numeric", "4b"),
        ("ks2_scaled", "79"),
        ("ks2_ta", "EXP"),
    ],
)
def test_parse_rejects_what_is_not_on_the_scale(code, text):
    scale = BUILTIN_SCALES[code]
    with pytest.raises(UnknownGrade):
        scale.parse(text)
    assert not scale.contains(text)


def test_unknown_grade_message_names_the_scale_and_the_allowed_labels():
    with pytest.raises(UnknownGrade) as caught:
        GCSE_LETTER.parse("Z")
    message = str(caught.value)
    assert "'Z'" in message
    assert "GCSE grades A*–G" in message and "gcse_letter" in message
    assert "U, G, F, E, D, C, B, A, A*" in message


def test_unknown_grade_is_a_value_error():
    assert issubclass(UnknownGrade, ValueError)


# --- Points back to labels ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "label"),
    [(27, "4b"), (27.0, "4b"), (28, "4b"), (28.999, "4b"), (29, "4a"), (3, "W"), (6.9, "W"), (60, "EP")],
)
def test_label_for_is_exact_else_the_grade_below(value, label):
    assert NC.label_for(value) == label


def test_label_for_tolerates_float_noise():
    assert NC.label_for(0.1 * 3 * 90) == "4b"  # 26.999999999999996


@pytest.mark.parametrize("value", [2.9, -1, math.nan])
def test_label_for_below_the_lowest_grade_or_nan_raises(value):
    with pytest.raises(ValueError):
        NC.label_for(value)


def test_nearest_grade_ties_go_down():
    assert NC.nearest(28).label == "4b"
    assert NC.nearest(28.1).label == "4a"
    assert NC.nearest(0).label == "W"
    assert NC.nearest(99).label == "EP"


def test_next_and_previous_grade():
    assert NC.next_grade("4b").label == "4a"
    assert NC.next_grade("4a").label == "5c"
    assert NC.previous_grade("1c").label == "W"
    assert NC.next_grade("EP") is None
    assert NC.previous_grade("W") is None


# --- Custom and P-scale overrides -----------------------------------------------------------------


def test_custom_scale_for_assessment_without_levels():
    scale = custom_scale("awl", "Age-related", [("Working towards", 1), ("Expected", 2), ("Greater depth", 3)])
    assert scale.kind is ScaleKind.CUSTOM
    assert scale.points("expected") == 2
    assert scale.label_for(3) == "Greater depth"
    assert scale.parse(" working   towards ").order == 0


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([("Expected", 2), ("expected", 3)], "used twice"),
        ([("Expected", 2), ("  ", 3)], "must not be empty"),
        ([("Working towards", 2), ("Expected", 2)], "strictly ascend"),
        ([("Working towards", 3), ("Expected", 2)], "Expected (2) is not above Working towards (3)"),
        ([], "no grades"),
    ],
)
def test_custom_scale_validation(steps, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        custom_scale("awl", "Age-related", steps)


def test_custom_scale_may_not_reuse_a_builtin_code():
    with pytest.raises(ValueError, match="built-in"):
        custom_scale("nc", "Levels", [("Low", 1), ("High", 2)])


def test_pscale_with_a_schools_own_points():
    scale = pscale_with_points({f"p{label[1:]}": i / 10 for i, label in enumerate(PSCALE_LABELS, 1)})
    assert scale.labels() == PSCALE_LABELS
    assert scale.points("P1(i)") == 0.1
    assert scale.points("P8") == pytest.approx(1.1)
    assert nc_full_scale(scale).points("P8") == pytest.approx(1.1)


def test_pscale_with_points_must_ascend():
    mapping = dict(zip(PSCALE_LABELS, range(11), strict=True))
    mapping["P5"] = 2
    with pytest.raises(ValueError, match=r"P5 \(2\) is not above P4 \(6\)"):
        pscale_with_points(mapping)


def test_pscale_with_points_needs_every_step():
    mapping = dict(zip(PSCALE_LABELS[:-1], range(10), strict=True))
    with pytest.raises(ValueError, match="missing for: P8"):
        pscale_with_points(mapping)


def test_pscale_with_points_rejects_a_step_given_twice():
    mapping = dict(zip(PSCALE_LABELS, range(11), strict=True)) | {"p4": 6}
    with pytest.raises(ValueError, match="P4 is given twice"):
        pscale_with_points(mapping)


def test_nc_full_needs_p_scales_below_w():
    high = pscale_with_points(dict(zip(PSCALE_LABELS, range(1, 12), strict=True)))
    with pytest.raises(ValueError, match="W"):
        nc_full_scale(high)


# --- NC helpers -----------------------------------------------------------------------------------


def test_points_per_sublevel_and_level():
    assert (POINTS_PER_SUBLEVEL, POINTS_PER_LEVEL) == (2, 6)
    assert nc_points(3, "low") == nc_points(3, "c") == 19
    assert nc_points(3, "High") == 23


@given(levels, sublevels)
def test_nc_split_inverts_nc_points(level, sublevel):
    assert nc_split(nc_points(level, sublevel)) == (level, sublevel)


@given(nc_sublevel_points)
def test_nc_points_inverts_nc_split(value):
    assert nc_points(*nc_split(value)) == value
    assert nc_split(float(value)) == nc_split(value)


@pytest.mark.parametrize("value", [3, 6, 8, 27.5, 55, 57, math.nan])
def test_nc_split_rejects_non_sublevel_points(value):
    with pytest.raises(ValueError):
        nc_split(value)


@pytest.mark.parametrize(("level", "sublevel"), [(0, "b"), (9, "b"), (4, "d")])
def test_nc_points_rejects_unknown_levels(level, sublevel):
    with pytest.raises(ValueError):
        nc_points(level, sublevel)


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (7, 1),
        (9, 1),
        (11, 1),
        (12, 1),
        (13, 2),
        (27, 4),
        (53, 8),
        (56, 8),
        (57, 9),
        (3, 0),
        (6.9, 0),
        (0.5, 0),
    ],
)
def test_whole_levels(value, level):
    assert whole_levels(value) == level


@pytest.mark.parametrize("value", [None, math.nan])
def test_whole_levels_of_missing_points_is_none(value):
    assert whole_levels(value) is None


@given(levels, sublevels)
def test_whole_level_of_a_sublevel_is_its_level(level, sublevel):
    assert whole_levels(nc_points(level, sublevel)) == level


def test_gcse_grades_count_as_levels_so_l4_to_c_is_three():
    grades = [GCSE_LETTER.points(g) for g in ("U", "G", "D", "C", "B", "A*")]
    assert whole_levels_array(grades, "gcse_letter").tolist() == [0, 3, 6, 7, 8, 10]
    assert whole_levels_array([GCSE_LETTER.points("C")], "gcse_letter")[0] - whole_levels(27) == 3


def test_whole_level_labels():
    assert list(whole_level_labels().values()) == ["W", "1", "2", "3", "4", "5", "6", "7", "8", "EP"]
    assert whole_level_labels("gcse_letter")[7] == "C"
    with pytest.raises(ValueError, match="ks2_ta"):
        whole_level_labels("ks2_ta")


def test_levels_and_sublevels_between():
    assert levels_between(15, 27) == 2
    assert sublevels_between(15, 27) == 6
    assert levels_between(27, 40) == pytest.approx(13 / 6)


@given(points, points)
def test_levels_between_is_antisymmetric(a, b):
    assert levels_between(a, b) == -levels_between(b, a)
    assert sublevels_between(a, b) == pytest.approx(3 * levels_between(a, b))


# --- Suggested overall judgement -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("focuses", "expected"),
    [
        ([27], 27),
        ([25, 27, 33], 27),
        ([25, 27], 25),  # half-way: the lower sub-level
        ([25, 29], 27),
        ([21, 27, 29, 33], 27),  # median 28 is half-way between 4b and 4a
        ([15, None, 17, math.nan, 19], 17),
        ([3, 3, 7], 3),
    ],
)
def test_suggest_overall_examples(focuses, expected):
    assert suggest_overall(focuses) == expected


@pytest.mark.parametrize("focuses", [[], [None], [math.nan]])
def test_suggest_overall_without_judgements_is_none(focuses):
    assert suggest_overall(focuses) is None


@given(st.lists(nc_sublevel_points, min_size=1, max_size=8))
def test_suggest_overall_is_a_sublevel_between_the_focuses(focuses):
    suggestion = suggest_overall(focuses)
    assert min(focuses) <= suggestion <= max(focuses)
    assert nc_points(*nc_split(suggestion)) == suggestion


def test_suggest_overall_on_another_scale():
    assert suggest_overall([PSCALE.points("P4"), PSCALE.points("P6")], PSCALE) == PSCALE.points("P5")
