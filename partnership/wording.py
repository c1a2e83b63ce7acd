"""Plain words for parents and pupils, and the half-termly review rhythm. Pure: no Django, no ORM.

Grades become sentences a parent understands ("working at level 4, secure: the middle of level 4"), the
tracking statuses become reassuring but honest phrases, and ``review_state`` says whether a pupil is due a
review with their personal tutor.
"""

from __future__ import annotations

import datetime as dt
import re

from assessment import scales

SUBLEVEL_PLAIN = {"c": "just started", "b": "secure", "a": "high"}
SUBLEVEL_HINT = {
    "c": "has started working at this level",
    "b": "is secure at this level",
    "a": "is nearly ready for the next level",
}

#: The tracking statuses (targets.trajectory) in words for a parent.
STATUS_WORDS = {
    "ahead": "Ahead of where we expect",
    "on_track": "On track",
    "behind": "A little behind where we expect",
    "well_behind": "Behind where we expect",
    "stuck": "Not yet moving forward this term",
}
STATUS_EXPLAINED = {
    "ahead": "Your child is making faster progress than we planned for.",
    "on_track": "Your child is making the progress we planned for.",
    "behind": "Your child is slightly behind the progress we planned; their teacher is keeping a close eye on it.",
    "well_behind": "Your child is behind the progress we planned; the school is putting extra help in place.",
    "stuck": "Your child's assessments have not moved on for two terms; the school is looking at why and how to help.",
}
#: Statuses that count as "on track" in a yes/no summary.
ON_TRACK_STATUSES = frozenset({"ahead", "on_track"})

_NC_LABEL = re.compile(r"^(\d)([abc])$")

#: Ways to help at home, by subject code family. Short, practical, no jargon.
HELP_AT_HOME = {
    "english": "Read together for ten minutes most days and talk about the story: what might happen next, and why.",
    "reading": "Read together for ten minutes most days and ask questions about what you have read.",
    "writing": "Encourage writing for a reason: a shopping list, a card, a diary. Praise ideas before spelling.",
    "maths": "Use numbers every day: cooking, shopping, telling the time. Practise times tables little and often.",
    "mathematics": "Use numbers every day: cooking, shopping, telling the time. Practise times tables little and "
    "often.",
    "science": "Ask 'why?' and 'what if?' about everyday things, and try simple experiments in the kitchen.",
}
GENERAL_HELP = "Ask your child to tell you about their targets and what they learned this week; praise effort."


def grade_in_words(grade: str, points: float | None = None, scale_code: str = "nc_full") -> str:
    """A grade as a sentence fragment: ``4b`` → "working at level 4, secure"."""
    label = (grade or "").strip()
    if not label:
        return "not yet assessed"
    if scale_code in {"nc", "nc_full"}:
        match = _NC_LABEL.match(label.lower())
        if match is None and points is not None:
            try:
                level, sub = scales.nc_split(points)
            except ValueError:
                level = None
            if level is not None:
                match = _NC_LABEL.match(f"{level}{sub}")
        if match:
            shown, sub = match.group(1), match.group(2)
            return f"working at level {shown}, {SUBLEVEL_PLAIN[sub]} ({shown}{sub})"
        if label.upper() == "W":
            return "working towards level 1"
        if label.upper() == "EP":
            return "working beyond level 8 (exceptional performance)"
        if label.upper().startswith("P"):
            return f"working at {label} on the P scales (steps before National Curriculum level 1)"
    if scale_code == "ks2_scaled":
        return f"a scaled score of {label} (100 is the expected standard)"
    if scale_code.startswith("gcse"):
        return f"working at GCSE grade {label}"
    return f"working at {label}"


def status_in_words(status: str | None) -> str:
    return STATUS_WORDS.get(status or "", "Not yet tracked")


def status_explained(status: str | None) -> str:
    return STATUS_EXPLAINED.get(status or "", "There is not yet enough assessment to say how progress is going.")


def overall_on_track(statuses: list[str]) -> str:
    """A one-line summary across subjects for the top of the report."""
    if not statuses:
        return "We do not yet have enough assessments this year to say whether your child is on track."
    behind = [s for s in statuses if s not in ON_TRACK_STATUSES]
    if not behind:
        return "Your child is on track or ahead in every subject we track."
    if len(behind) == len(statuses):
        return "Your child is behind where we expect in the subjects we track; the school is helping them catch up."
    return (
        f"Your child is on track or ahead in {len(statuses) - len(behind)} of {len(statuses)} subjects we track; "
        "we are helping with the others."
    )


def help_at_home(subject_codes: list[str]) -> list[str]:
    """Practical tips for the subjects named (deduplicated, in order), always ending with a general one."""
    tips: list[str] = []
    for code in subject_codes:
        tip = HELP_AT_HOME.get((code or "").lower())
        if tip and tip not in tips:
            tips.append(tip)
    tips.append(GENERAL_HELP)
    return tips


# --- the half-termly review rhythm --------------------------------------------------------------------

DONE, DUE, OVERDUE = "done", "due", "overdue"
REVIEW_STATE_WORDS = {DONE: "Reviewed this half-term", DUE: "Due this half-term", OVERDUE: "Overdue"}
#: Longest gap between reviews before one is overdue: a half-term is six or seven weeks.
MAX_GAP_DAYS = 49


def half_term_start(today: dt.date, terms: list[tuple[dt.date, dt.date]]) -> dt.date:
    """The first day of the half-term containing ``today``: the term (window) containing it split at its
    midpoint. Between terms (holidays) it is the start of the second half of the term just ended; with no
    terms at all, six weeks ago."""
    current = [(s, e) for s, e in terms if s <= today <= e]
    if not current:
        past = [(s, e) for s, e in terms if e < today]
        if not past:
            return today - dt.timedelta(days=42)
        s, e = max(past)
    else:
        s, e = current[0]
    middle = s + (e - s) / 2
    return middle if today >= middle else s


def review_state(last_review: dt.date | None, half_term_began: dt.date, today: dt.date) -> str:
    """``done`` if reviewed since the half-term began; ``overdue`` if never reviewed or the last review was more
    than MAX_GAP_DAYS ago; otherwise ``due``."""
    if last_review is not None and last_review >= half_term_began:
        return DONE
    if last_review is None or (today - last_review).days > MAX_GAP_DAYS:
        return OVERDUE
    return DUE
