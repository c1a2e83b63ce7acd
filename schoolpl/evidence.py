"""Evidence for the self-review annex, computed from the product's own data.

Each app that has something to say provides ``<app>/evidence.py`` (the ``evidence`` hook of ``schoolpl.hooks``)
with ``def evidence(school, start: date, end: date) -> list[Evidence]`` (a constant number of aggregate
queries, no pupil names: a SIP reads these). ``collect`` gathers them by annex item code ("3c"); an app that
has not landed contributes nothing, so its figures are simply absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .discovery import app_modules


@dataclass(frozen=True)
class Evidence:
    item_code: str  # annex item, e.g. "3c"
    label: str  # what is measured, in the school's words
    value: str  # the figure, formatted ("84% (412 of 490)")
    method: str  # how it was computed, in one sentence
    url_name: str | None = None  # the page behind the figure
    url_query: str = ""


def collect(school, start: date, end: date) -> dict[str, list[Evidence]]:
    by_item: dict[str, list[Evidence]] = {}
    for module in app_modules("evidence"):
        for item in module.evidence(school, start, end):
            by_item.setdefault(item.item_code, []).append(item)
    return by_item
