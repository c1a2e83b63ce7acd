"""Celery tasks that keep ProgressStatus and send the weekly digest.

All take ids, are idempotent (``targets.recompute`` writes only what changed) and acknowledge late, so a
worker that dies mid-task leaves the message to be redelivered and run again safely. The nightly run fans
out one task per batch of schools; beat's schedule lives in the database (see migration 0003).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from . import recompute

log = logging.getLogger(__name__)


@shared_task(
    name="targets.tasks.recompute_school",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def recompute_school(school_id: int) -> dict:
    result = recompute.progress_recompute(school_id=school_id)
    return {"rows": result.rows, "written": result.written, "deleted": result.deleted, "notified": result.notified}


@shared_task(
    name="targets.tasks.recompute_pupils",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def recompute_pupils(school_id: int, pupil_ids: list[int]) -> dict:
    result = recompute.progress_recompute(school_id=school_id, pupil_ids=pupil_ids)
    return {"rows": result.rows, "written": result.written, "deleted": result.deleted, "notified": result.notified}


@shared_task(
    name="targets.tasks.recompute_schools",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def recompute_schools(school_ids: list[int]) -> dict:
    results = recompute.progress_recompute_schools(school_ids)
    return {
        "schools": len(results),
        "unchanged": sum(r.unchanged for r in results),
        "written": sum(r.written for r in results),
        "deleted": sum(r.deleted for r in results),
        "notified": sum(r.notified for r in results),
    }


@shared_task(name="targets.tasks.recompute_all", acks_late=True)
def recompute_all() -> int:
    """Nightly: one recompute task per batch of schools of about 20,000 pupils (never per pupil)."""
    batches = recompute.school_batches()
    for batch in batches:
        recompute_schools.delay(batch)
    log.info("recompute_all: queued %d batch(es) of %d school(s)", len(batches), sum(map(len, batches)))
    return len(batches)


@shared_task(name="targets.tasks.weekly_digest", acks_late=True)
def weekly_digest() -> int:
    """Weekly email to each teacher and SENCO listing their pupils off trajectory (once per week)."""
    return recompute.digest_send_weekly()
