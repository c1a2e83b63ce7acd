"""Annex evidence from lesson observations and learning walks: for each focus (1c questioning, modelling and
explaining; 1d pupil talk; 1e independence; 5b grouping options; 5c guided learning; 6a classroom
organisation; 6b learning resources and ICT; 6d the outdoor classroom), the observations dated in the period
that looked at it and the share judged secure. One query for all eight; counts only (a SIP reads these), linked
to the summary by focus, which names no one."""

from __future__ import annotations

import datetime as dt

from assessment.roll import share
from schoolpl.evidence import Evidence

from .models import Focus
from .walks import focus_counts, focus_whole_words

LABEL = "Lesson observations and learning walks: focus judged secure"
METHOD = (
    "Lesson observations and classes visited on learning walks dated in the period that looked at this focus; "
    "the share of them in which it was judged secure (the rest: developing, or looked for and not seen)."
)


def evidence(school, start: dt.date, end: dt.date) -> list[Evidence]:
    """Queries: 1."""
    counts = focus_counts(school, start, end)
    threshold = school.small_count_threshold
    whole = focus_whole_words(start, end)
    query = f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"
    items = []
    for focus in Focus:
        total, secure = counts.get(focus.value, (0, 0))
        items.append(
            Evidence(
                focus.value,
                LABEL,
                share(secure, total, threshold, whole),
                METHOD,
                url_name="selfreview:observation_summary",
                url_query=query,
            )
        )
    return items
