"""Explicit, synchronous events between apps that must not import each other.

Dependencies point one way (schoolpl ← pupils ← assessment ← targets ← interventions), yet a later app
sometimes needs to act when an earlier one changes something: targets recompute a pupil's trajectory when a
judgement changes. The earlier app calls ``publish("judgements_changed", ...)`` inside its transaction; every
app that wants it defines a function of that name in ``<app>/subscribers.py`` (the ``subscribers`` hook of
``schoolpl.hooks``). Subscribers run in the same transaction and should only do cheap work, such as
``schoolpl.outbox.enqueue``.

The events (``schoolpl.hooks.EVENTS``; ``publish`` refuses any other name):
- ``judgements_changed(school_id: int, pupil_ids: list[int], subject_ids: list[int])``, published by
  ``assessment.services`` when a judgement is saved;
- ``targets_changed(school_id: int, pupil_ids: list[int], subject_ids: list[int])``, published by
  ``targets.services`` when targets are proposed, accepted or adjusted.
"""

from __future__ import annotations

from .discovery import app_modules
from .hooks import EVENTS


def publish(event: str, **payload) -> int:
    """Call ``<app>.subscribers.<event>(**payload)`` for every app that defines it; return how many ran."""
    if event not in EVENTS:
        raise KeyError(f"{event!r} is not an event; the events are listed in schoolpl/hooks.py: {', '.join(EVENTS)}")
    ran = 0
    for module in app_modules("subscribers"):
        handler = getattr(module, event, None)
        if handler is not None:
            handler(**payload)
            ran += 1
    return ran
