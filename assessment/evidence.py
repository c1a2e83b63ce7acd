"""Annex evidence from assessment data: aggregates only (a SIP reads these)."""

from __future__ import annotations

from datetime import date

from schoolpl.evidence import Evidence
from schoolpl.models import AssessmentWindow

from . import selectors


def evidence(school, start: date, end: date) -> list[Evidence]:
    window = AssessmentWindow.objects.filter(school=school, start_date__lte=end).order_by("-start_date").first()
    if window is None:
        return []
    judged, total = selectors.judged_share(school=school, window=window)
    share = f"{round(100 * judged / total)}% ({judged} of {total})" if total else "no pupils in Year 1 and above"
    return [
        Evidence(
            item_code="3c",
            label=f"Pupils with an up-to-date periodic assessment ({window.name})",
            value=share,
            method=(
                f"On-roll pupils in Year 1 and above with at least one overall judgement recorded in "
                f"{window.name}, the latest assessment window starting on or before {end:%d %B %Y}."
            ),
            url_name="assessment:grid",
            url_query=f"?window={window.pk}",
        )
    ]
