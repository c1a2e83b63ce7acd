"""The report job: write a year group's termly reports for a window, in batches, updating its ReportRun."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from schoolpl.models import AssessmentWindow, School

from . import services
from .models import ReportRun

log = logging.getLogger(__name__)


@shared_task(name="partnership.tasks.generate_reports", acks_late=True)
def generate_reports(school_id: int, window_id: int, year_group: int, run_id: int | None = None) -> dict:
    """Idempotent: a repeat rewrites the same draft Report rows (one per pupil and window). Not retried by the
    worker: a failure marks the run failed with its error, and staff start the run again from the reports page."""
    school = School.objects.get(pk=school_id)
    window = AssessmentWindow.objects.get(pk=window_id, school=school)
    run = ReportRun.objects.filter(pk=run_id, school=school).first() if run_id else None
    try:
        result = services.reports_generate(school=school, window=window, year_group=year_group, run=run)
    except Exception as exc:
        if run is not None:
            ReportRun.objects.filter(pk=run.pk).update(
                status=ReportRun.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
            )
        log.exception("report run %s failed", run_id)
        raise
    log.info("report run %s: %s", run_id, result)
    return result
