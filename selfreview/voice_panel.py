"""The self-review's "pupil and parent voice" panel: what the latest closed survey of pupils and of parents
said, beside the annex (the National Conversation's learner voice; parents as partners). Aggregates only, from
``partnership.voice.results`` with small counts hidden and no respondent named: a SIP reads it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from partnership import voice
from partnership.models import Survey

WHO = ((Survey.Audience.PUPILS, "Pupils"), (Survey.Audience.PARENTS, "Parents and carers"))


@dataclass(frozen=True)
class VoiceSummary:
    who: str
    survey: Survey
    rate: str  # the response rate, its denominator in words
    statements: list[tuple[str, str]]  # (statement, share agreeing of all answers)


def latest(school, today: dt.date | None = None) -> list[VoiceSummary]:
    """The latest survey of each audience that closed by ``today``, summarised (two queries for the surveys and
    their questions, then two per survey: at most six)."""
    today = today or timezone.localdate()
    found = voice.latest_closed(school, until=today)
    out = []
    for audience, who in WHO:
        survey = found.get(audience)
        if survey is None:
            continue
        data = voice.results(survey, school.small_count_threshold, fsm=False, today=today)
        statements = [(s["question"].text, s["cells"][0]) for s in data["statements"]]
        out.append(VoiceSummary(who, survey, data["rate"], statements))
    return out
