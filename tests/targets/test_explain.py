"""targets.explain: each flag's sentence, by hand (NC: 2 points a sub-level, 3c = 19, 3b = 21, 3a = 23)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assessment.scales import BUILTIN_SCALES, NC
from targets import trajectory
from targets.explain import Judged, explain, gap_words, scale_of
from targets.flags import flags_for
from tests.targets.factories import ProgressStatusFactory, PupilFactory, SubjectFactory, windows


def test_behind_one_sub_level_below_since_an_earlier_window():
    # line 21.5 (3b), judged 3c = 19: 2.5 points, one sub-level below
    text = explain(trajectory.BEHIND, expected=21.5, actual=19, window="Spring 1 2026", since="Autumn 2 2025", scale=NC)
    assert text == (
        "Behind: judged 3c in Spring 1 2026, one sub-level below the expected line (3b) since Autumn 2 2025."
    )


def test_well_behind_two_sub_levels_first_flagged_now():
    # line 23 (3a), judged 3c = 19: two sub-levels below; flagged in this very window: no "since"
    text = explain(trajectory.WELL_BEHIND, expected=23, actual=19, window="Summer 2026", since="Summer 2026", scale=NC)
    assert text == "Well behind: judged 3c in Summer 2026, two sub-levels below the expected line (3a)."


def test_on_the_line_and_within_a_sub_level():
    assert gap_words(21, 21, NC) == "on the expected line (3b)"
    # line 21.5 (3b), judged 3b = 21: half a point below, the same grade
    assert gap_words(21.5, 21, NC) == "within a sub-level of the expected line (3b)"
    assert explain(trajectory.ON_TRACK, expected=21, actual=21, window="Autumn 1 2025", scale=NC) == (
        "On track: judged 3b in Autumn 1 2025, on the expected line (3b)."
    )


def test_ahead_counts_steps_above():
    text = explain(trajectory.AHEAD, expected=21, actual=25, window="Spring 2 2026", since="Autumn 1 2025", scale=NC)
    assert text == "Ahead: judged 4c in Spring 2 2026, two sub-levels above the expected line (3b) since Autumn 1 2025."


def test_stuck_names_the_flat_windows():
    # 2a (17) in Summer 2025, Autumn 2025 and Spring 1 2026 after 2b (15) in Summer 2024; line 19.4 (3c)
    history = [
        Judged("Summer 2024", 15),
        Judged("Summer 2025", 17),
        Judged("Autumn 2025", 17),
        Judged("Spring 1 2026", 17),
    ]
    text = explain(
        trajectory.STUCK,
        expected=19.4,
        actual=17,
        window="Spring 1 2026",
        since="Spring 1 2026",
        scale=NC,
        history=history,
    )
    assert text == (
        "Stuck: no gain over the last 3 assessments: 2a since Summer 2025; one sub-level below the expected line (3c)."
    )


def test_stuck_after_a_fall_names_both_grades():
    history = [Judged("Summer 2025", 19), Judged("Autumn 2025", 17), Judged("Spring 1 2026", 17)]
    text = explain(trajectory.STUCK, expected=17, actual=17, window="Spring 1 2026", scale=NC, history=history)
    assert text == "Stuck: no gain over the last 3 assessments: 3c in Summer 2025, 2a now; on the expected line (2a)."


def test_stuck_through_a_dip_counts_from_the_same_points_before_it():
    # 2a, 2b, 2a: the rule compares the window two back (2a) with now (2a): no gain over three windows
    history = [Judged("Autumn 2025", 17), Judged("Spring 2026", 15), Judged("Summer 2026", 17)]
    text = explain(trajectory.STUCK, expected=17, actual=17, window="Summer 2026", scale=NC, history=history)
    assert text == "Stuck: no gain over the last 3 assessments: 2a since Autumn 2025; on the expected line (2a)."


def test_p_scale_steps_are_steps_not_sub_levels():
    pscale = BUILTIN_SCALES["pscale"]
    low, high = pscale.grades[3], pscale.grades[5]
    text = explain(trajectory.WELL_BEHIND, expected=high.points, actual=low.points, window="Summer 2026", scale=pscale)
    assert text == f"Well behind: judged {low.label} in Summer 2026, two steps below the expected line ({high.label})."


def test_without_a_scale_the_gap_is_in_points():
    text = explain(trajectory.BEHIND, expected=21.5, actual=19, window="Spring 1 2026", since="Autumn 2 2025")
    assert text == (
        "Behind: judged 19 points in Spring 1 2026, 2.5 points below the expected line (21.5 points) "
        "since Autumn 2 2025."
    )


def test_scale_of_reads_builtin_and_own_scales_without_a_query():
    assert scale_of(SimpleNamespace(scale_code="nc")) is NC
    own = {"wt": object()}
    assert scale_of(SimpleNamespace(scale_code="wt"), own) is own["wt"]
    assert scale_of(SimpleNamespace(scale_code="unknown")) is None


@pytest.mark.django_db
def test_flags_for_explains_the_classs_flags_at_a_window_in_one_query(school, django_assert_num_queries):
    reading = SubjectFactory(school=school, code="reading", name="Reading")
    w = windows(school, count=4)  # Autumn 2023, Spring 2024, Summer 2024, Autumn 2024
    flat, fine = PupilFactory(school=school), PupilFactory(school=school)
    for window, status in zip(w[1:], ["on_track", "on_track", "stuck"], strict=True):
        ProgressStatusFactory(
            pupil=flat, subject=reading, window=window, expected=17, actual=17, status=status, is_latest=False
        )
    ProgressStatusFactory(pupil=fine, subject=reading, window=w[3], expected=17, actual=17, status="on_track")
    with django_assert_num_queries(1):
        found = flags_for(school, reading, w[3], [flat.pk, fine.pk])
    assert found == {
        flat.pk: (
            "stuck",
            "Stuck: no gain over the last 3 assessments: 2a since Spring 2024; on the expected line (2a).",
        )
    }
    assert flags_for(school, reading, w[2], [flat.pk, fine.pk]) == {}  # on track then
