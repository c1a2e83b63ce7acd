import logging

from celery import shared_task
from django.core.cache import cache

from . import uploads
from .outbox import publish_pending

log = logging.getLogger(__name__)


@shared_task(name="schoolpl.tasks.publish_outbox")
def publish_outbox() -> int:
    """Sweeper: publish every task still waiting in the outbox (for example after a Redis outage)."""
    sent = publish_pending()
    if sent:
        log.info("outbox: published %d pending task(s)", sent)
    return sent


@shared_task(name="schoolpl.tasks.ping")
def ping(token: str) -> str:
    """A trivial task proving the broker → worker wiring: it leaves ``pong`` in the cache."""
    cache.set(f"ping:{token}", "pong", timeout=300)
    return "pong"


@shared_task(name="schoolpl.tasks.expire_uploads")
def expire_uploads() -> int:
    """Remove uploads left awaiting confirmation for longer than ``schoolpl.uploads.MAX_AGE``."""
    removed = uploads.expire()
    if removed:
        log.info("uploads: removed %d expired upload(s)", removed)
    return removed
