"""The academic year rollover job (``pupils.rollover``), queued from its confirmation page."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .models import RolloverRun
from .rollover import RolloverRefused, report_progress, run

log = logging.getLogger(__name__)


@shared_task(name="pupils.tasks.roll_over", acks_late=True)
def roll_over(school_id: int, run_id: int) -> dict:
    """Run a queued rollover. Safe to deliver twice: the work and the run's "done" mark commit together, and a
    run already done is left alone. Not retried: a failure changed nothing, is shown on the run's page with
    its reason, and staff start again from a fresh preview."""
    with transaction.atomic():
        record = RolloverRun.objects.select_for_update().filter(pk=run_id, school_id=school_id).first()
        if record is None or record.status in {RolloverRun.Status.DONE, RolloverRun.Status.FAILED}:
            return {"skipped": True}
        RolloverRun.objects.filter(pk=run_id).update(status=RolloverRun.Status.RUNNING, started_at=timezone.now())
    say = report_progress(run_id)
    say(0, "Starting")
    try:
        summary = run(
            record.school,
            record.from_year,
            record.to_year_name,
            record.fingerprint,
            record.started_by,
            carry_teachers=record.carry_teachers,
            create_groups=record.create_groups,
            progress=say,
            record=record,
        )
    except Exception as exc:  # noqa: BLE001 — every failure is shown on the run's page; nothing was changed
        if not isinstance(exc, RolloverRefused):
            log.exception("rollover %s failed", run_id)
        message = str(exc) if isinstance(exc, RolloverRefused) else f"{type(exc).__name__}: {exc}"
        RolloverRun.objects.filter(pk=run_id).update(
            status=RolloverRun.Status.FAILED, error=message[:2000], finished_at=timezone.now()
        )
        return {"failed": message}
    log.info("rollover %s: %s", run_id, summary)
    return summary
