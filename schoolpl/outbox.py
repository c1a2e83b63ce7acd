"""Publishing Celery tasks through an outbox.

``enqueue`` writes an ``OutboxMessage`` in the caller's transaction and, once that commits, tries to
publish it straight away. If the broker is down the row simply stays pending — the save that asked for
it has already succeeded — and ``publish_pending`` (run every minute by beat, and by
``manage.py publish_outbox``) sends it when the broker is back. Each row is claimed with a conditional
UPDATE, so two publishers never send the same message twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20


def enqueue(task_name: str, *, dedupe_key: str = "", **kwargs) -> OutboxMessage:
    """Ask for ``task_name(**kwargs)`` to run after the current transaction commits.

    A pending message with the same non-empty ``dedupe_key`` is reused, so saving a grid row twelve times
    in a minute asks for one recompute, not twelve.
    """
    if dedupe_key:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key, published_at__isnull=True).first()
        if existing is not None:
            return existing
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs, dedupe_key=dedupe_key)
    transaction.on_commit(lambda: publish_pending(ids=[message.pk]), robust=True)
    return message


def _publish_one(message: OutboxMessage) -> None:
    from celery import current_app

    if message.task_name not in current_app.tasks:
        current_app.loader.import_default_modules()  # autodiscovery is lazy outside a worker
    task = current_app.tasks[message.task_name]
    if current_app.conf.task_always_eager:
        task.apply(kwargs=message.kwargs, throw=True)
        return
    # The app's producer pool reuses broker connections; retry=False fails fast when the broker is down.
    task.apply_async(kwargs=message.kwargs, retry=False)


def publish_pending(ids: Iterable[int] | None = None, limit: int = 500) -> int:
    """Publish pending messages (all, or just ``ids``); return how many were sent."""
    pending = OutboxMessage.objects.filter(published_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    if ids is not None:
        pending = pending.filter(pk__in=list(ids))
    sent = 0
    for message in pending.order_by("created_at")[:limit]:
        claimed = OutboxMessage.objects.filter(pk=message.pk, published_at__isnull=True).update(
            published_at=timezone.now(), attempts=F("attempts") + 1
        )
        if not claimed:
            continue  # another publisher took it
        try:
            _publish_one(message)
        except Exception as exc:  # broker down, task missing: keep it pending and say why
            log.warning("outbox: could not publish %s (%s): %s", message.task_name, message.pk, exc)
            OutboxMessage.objects.filter(pk=message.pk).update(published_at=None, last_error=str(exc)[:2000])
            if ids is None and "Connection" in type(exc).__name__ + str(exc):
                break  # the broker is down: the rest would fail the same way
            continue
        sent += 1
    return sent
