"""Learning-journal answers on a 0–10 scale ("How do I feel about my attitude to learning, from 0 to 10?").

A question asked on a scale is answered with a whole number from 0 to 10, stored as a number; what else the
pupil wrote is kept as a note. Pure module: no Django.
"""

from __future__ import annotations

import re

__all__ = ["is_scale_question", "parse_scale_answer", "split_scale_answer"]

_SCALE_QUESTION = re.compile(r"\b0\s*(?:to|-|–|—)\s*10\b", re.IGNORECASE)
_NUMBER_ALONE = re.compile(r"\s*(\d{1,2})\s*(?:(?:/|out\s+of)\s*10)?\s*[.!]?\s*", re.IGNORECASE)


def is_scale_question(text: str) -> bool:
    """True when a question asks for a number from 0 to 10 ("…, from 0 to 10?", "0-10", "0–10")."""
    return bool(_SCALE_QUESTION.search(text))


def parse_scale_answer(text: str) -> int | None:
    """The number of an answer that is only a number from 0 to 10 ("7", " 7/10", "7 out of 10"); else None."""
    match = _NUMBER_ALONE.fullmatch(text or "")
    if match is None:
        return None
    number = int(match.group(1))
    return number if 0 <= number <= 10 else None


def split_scale_answer(text: str) -> tuple[int | None, str]:
    """(score, note) for an answer written as text: "7" → (7, ""); "about a 6 I think" → (None, the text)."""
    score = parse_scale_answer(text)
    return (score, "") if score is not None else (None, (text or "").strip())
