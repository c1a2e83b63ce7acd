"""Publishing Celery tasks through an outbox.

``enqueue`` writes an ``OutboxMessage`` in the caller's transaction and, once that commits, tries to
publish it straight away — with a broker connection that gives up within ``INLINE_TIMEOUT`` (50 ms), so
a save never waits on a dead or hung Redis. After one such failure this process stops trying inline for
``INLINE_PAUSE_SECONDS`` (a circuit breaker, per broker URL) and leaves new rows to the sweeper:
``publish_pending`` (run every minute by beat, and by ``manage.py publish_outbox``) ignores the pause,
sends what is pending when the broker is back, and closes the breaker. Each row is claimed with a
conditional UPDATE, so two publishers never send the same message twice.

A row whose sending has failed ``MAX_ATTEMPTS`` times for its own sake (an unknown task, say; a broker that
is down does not count) is no longer swept; school admins (and operators) see it on
the outbox page, where ``outbox_retry`` puts it back in the queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .models import OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20
#: Seconds an inline publish may spend connecting to, or waiting on, the broker. Redis beside the app answers
#: in about a millisecond; a save's budget with Redis stopped is 200 ms (a normal save takes ~50), and a hung
#: Redis costs this plus the failure's own handling. A Redis too slow for it is not an error: the breaker
#: opens and the sweeper sends the work, within a minute.
INLINE_TIMEOUT = 0.05
#: After an inline publish fails, this process leaves new rows to the sweeper for this long.
INLINE_PAUSE_SECONDS = 30.0

_paused_until: dict[str, float] = {}  # broker URL → time.monotonic() until which inline publishing waits


def _broker_url() -> str:
    from celery import current_app

    return str(current_app.conf.broker_url)


def inline_publishing_paused() -> bool:
    """True while this process believes the broker is down (an inline publish failed recently)."""
    return _paused_until.get(_broker_url(), 0.0) > time.monotonic()


def reset_breaker() -> None:
    _paused_until.clear()


def pending() -> QuerySet[OutboxMessage]:
    """Rows still to be sent, that the sweeper will try."""
    return OutboxMessage.objects.filter(published_at__isnull=True, attempts__lt=MAX_ATTEMPTS)


def failed() -> QuerySet[OutboxMessage]:
    """Rows the sweeper has given up on: they wait for someone to press Retry."""
    return OutboxMessage.objects.filter(published_at__isnull=True, attempts__gte=MAX_ATTEMPTS)


def enqueue(task_name: str, *, dedupe_key: str = "", **kwargs) -> OutboxMessage:
    """Ask for ``task_name(**kwargs)`` to run after the current transaction commits.

    A pending message with the same non-empty ``dedupe_key`` is reused, so saving a grid row twelve times
    in a minute asks for one recompute, not twelve.
    """
    if dedupe_key:
        existing = pending().filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs, dedupe_key=dedupe_key)
    transaction.on_commit(lambda: _publish_after_commit(message.pk), robust=True)
    return message


def _publish_after_commit(message_id: int) -> None:
    from celery import current_app

    if not current_app.conf.task_always_eager and inline_publishing_paused():
        return  # the broker failed moments ago: the sweeper will send this one
    _publish(ids=[message_id], limit=1, inline=True)


def _is_broker_error(exc: Exception) -> bool:
    from kombu.exceptions import KombuError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return isinstance(exc, (KombuError, OSError, RedisConnectionError, RedisTimeoutError))


def _inline_producers():
    """A pool of producers whose connection fails fast: no connection retries, short socket timeouts.

    Kept apart from the app's own pool, which workers use with the patient settings from ``settings.py``.
    kombu keys its pools by the connection's parameters, so a changed broker URL gets a pool of its own.
    """
    from celery import current_app
    from kombu import pools

    connection = current_app.connection_for_write(
        connect_timeout=INLINE_TIMEOUT,
        transport_options={
            "max_retries": 0,
            "socket_connect_timeout": INLINE_TIMEOUT,
            "socket_timeout": INLINE_TIMEOUT,
        },
    )
    return pools.producers[connection]


def _publish_one(message: OutboxMessage, *, inline: bool) -> None:
    from celery import current_app

    if message.task_name not in current_app.tasks:
        current_app.loader.import_default_modules()  # autodiscovery is lazy outside a worker
    task = current_app.tasks[message.task_name]
    if current_app.conf.task_always_eager:
        task.apply(kwargs=message.kwargs, throw=True)
        return
    if inline:
        with _inline_producers().acquire(block=True, timeout=INLINE_TIMEOUT) as producer:
            task.apply_async(kwargs=message.kwargs, retry=False, producer=producer)
        return
    # The app's producer pool reuses broker connections; retry=False fails fast when the broker is down.
    task.apply_async(kwargs=message.kwargs, retry=False)


def publish_pending(ids: Iterable[int] | None = None, limit: int = 500) -> int:
    """The sweeper: publish pending messages (all, or just ``ids``); return how many were sent.

    It ignores the inline pause, and a send that succeeds ends it."""
    return _publish(ids=ids, limit=limit, inline=False)


def _publish(*, ids: Iterable[int] | None, limit: int, inline: bool) -> int:
    rows = pending()
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    url = _broker_url()
    sent = 0
    for message in rows.order_by("created_at")[:limit]:
        claimed = OutboxMessage.objects.filter(pk=message.pk, published_at__isnull=True).update(
            published_at=timezone.now(), attempts=F("attempts") + 1
        )
        if not claimed:
            continue  # another publisher took it
        try:
            _publish_one(message, inline=inline)
        except Exception as exc:  # broker down, task missing: keep it pending and say why
            log.warning("outbox: could not publish %s (%s): %s", message.task_name, message.pk, exc)
            broker_down = _is_broker_error(exc)
            OutboxMessage.objects.filter(pk=message.pk).update(
                published_at=None,
                last_error=str(exc)[:2000],
                # Attempts count failures of the message itself: an outage, however long, is waited out.
                attempts=F("attempts") - 1 if broker_down else F("attempts"),
            )
            if broker_down:
                _paused_until[url] = time.monotonic() + INLINE_PAUSE_SECONDS
                break  # the broker is down: the rest would fail the same way
            continue
        _paused_until.pop(url, None)
        sent += 1
    return sent


# --- Failed rows: shown to the people who can act on them, with a retry ---------------------------------

#: What each task does, in the school's words, for the page that lists failed ones.
TASK_LABELS = {
    "targets.tasks.recompute_school": "Recalculate progress for the whole school",
    "targets.tasks.recompute_pupils": "Recalculate progress for some pupils",
    "targets.tasks.recompute_schools": "Recalculate progress for a batch of schools",
    "targets.tasks.recompute_all": "Nightly progress recalculation",
    "targets.tasks.weekly_digest": "Weekly email of pupils off trajectory",
    "partnership.tasks.generate_reports": "Write reports to parents",
    "pupils.tasks.roll_over": "Move up to the new school year",
    "schoolpl.tasks.ping": "Connection check",
    "schoolpl.tasks.publish_outbox": "Send waiting background tasks",
}


def task_label(task_name: str) -> str:
    return TASK_LABELS.get(task_name, task_name)


def failed_for(school) -> QuerySet[OutboxMessage]:
    """Failed rows about ``school`` (its id in the task's arguments); every failed row when ``school`` is None,
    which only the operators may ask for — a row of no school, or of several, is theirs to deal with."""
    rows = failed()
    return rows if school is None else rows.filter(kwargs__school_id=school.pk)


@transaction.atomic
def outbox_retry(*, message: OutboxMessage, by) -> OutboxMessage:
    """Put a failed row back in the queue: attempts start again from nought, and it is published after commit
    (or by the sweeper, if the broker is still down). Logged with who asked."""
    claimed = failed().filter(pk=message.pk).update(attempts=0, last_error="")
    if not claimed:
        raise ValidationError("This task is not waiting for a retry: it has been sent, or is still being tried.")
    log.info(
        "outbox: %s (user %s) retried message %s, %s %s, after %s failed attempts: %s",
        getattr(by, "username", by), getattr(by, "pk", None), message.pk, message.task_name, message.kwargs,
        message.attempts, message.last_error[:200],
    )  # fmt: skip
    transaction.on_commit(lambda: _publish_after_commit(message.pk), robust=True)
    message.refresh_from_db()
    return message
