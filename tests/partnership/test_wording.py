"""The pure wording and review-rhythm module."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from partnership import wording


def test_grades_in_plain_words():
    assert wording.grade_in_words("4b", 27) == "working at level 4, secure (4b)"
    assert wording.grade_in_words("2c", 13) == "working at level 2, just started (2c)"
    assert wording.grade_in_words("", None) == "not yet assessed"
    assert wording.grade_in_words("P7", 2.75).startswith("working at P7 on the P scales")
    assert wording.grade_in_words("W", 3) == "working towards level 1"
    assert wording.grade_in_words("104", 104, "ks2_scaled") == "a scaled score of 104 (100 is the expected standard)"


def test_overall_summary_counts_subjects_on_track():
    assert wording.overall_on_track([]).startswith("We do not yet have enough")
    assert (
        wording.overall_on_track(["on_track", "ahead"]) == "Your child is on track or ahead in every subject we track."
    )
    assert "1 of 3" in wording.overall_on_track(["on_track", "behind", "stuck"])


def test_help_at_home_is_deduplicated_and_ends_with_general_advice():
    tips = wording.help_at_home(["maths", "maths", "reading"])
    assert len(tips) == 3 and tips[-1] == wording.GENERAL_HELP


TERMS = [(dt.date(2025, 9, 1), dt.date(2025, 12, 19)), (dt.date(2026, 1, 5), dt.date(2026, 3, 31))]


def test_half_term_is_the_half_of_the_current_term():
    assert wording.half_term_start(dt.date(2025, 9, 20), TERMS) == dt.date(2025, 9, 1)
    assert wording.half_term_start(dt.date(2025, 12, 1), TERMS) == dt.date(2025, 10, 25)
    assert wording.half_term_start(dt.date(2025, 12, 28), TERMS) == dt.date(2025, 10, 25)  # holiday
    assert wording.half_term_start(dt.date(2025, 6, 1), []) == dt.date(2025, 4, 20)


def test_review_states():
    began, today = dt.date(2025, 10, 25), dt.date(2025, 12, 1)
    assert wording.review_state(dt.date(2025, 11, 2), began, today) == wording.DONE
    assert wording.review_state(dt.date(2025, 10, 20), began, today) == wording.DUE
    assert wording.review_state(dt.date(2025, 9, 10), began, today) == wording.OVERDUE
    assert wording.review_state(None, began, today) == wording.OVERDUE


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)))
def test_half_term_never_starts_after_today_inside_a_term(today):
    terms = [(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))]
    assert wording.half_term_start(today, terms) <= today
