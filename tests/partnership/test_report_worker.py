"""The report job on a real Celery worker (Redis), for a whole year group, run twice: idempotent."""

from __future__ import annotations

import pytest
from django.db import transaction

from partnership import services
from partnership.models import Report, ReportRun
from tests.celery_support import wait_for
from tests.partnership import factories as f

pytestmark = pytest.mark.celery_worker


def _finished(run_pk):
    run = ReportRun.objects.get(pk=run_pk)
    return run if run.finished else None


def test_the_report_job_runs_on_a_real_worker_and_a_rerun_rewrites_the_same_rows(
    celery_worker_process, real_broker, school, leader
):
    window = f.window_of(school)
    reading = f.subject(school)
    pupils = [f.pupil(school) for _ in range(130)]  # more than one batch
    for p in pupils[:10]:
        f.judgement(p, reading, window)
    f.pupil(school, year_group=5)
    with transaction.atomic():
        run = services.report_run_start(school=school, window=window, year_group=6, started_by=leader)
    done = wait_for(lambda: _finished(run.pk), timeout=90)
    assert (done.status, done.total, done.done) == (ReportRun.Status.DONE, 130, 130)
    first_ids = set(Report.objects.values_list("pk", flat=True))
    assert len(first_ids) == 130
    assert Report.objects.get(pupil=pupils[0]).content["subjects"][0]["words"] == "working at level 4, secure (4b)"

    with transaction.atomic():
        again = services.report_run_start(school=school, window=window, year_group=6, started_by=leader)
    assert wait_for(lambda: _finished(again.pk), timeout=90).status == ReportRun.Status.DONE
    assert set(Report.objects.values_list("pk", flat=True)) == first_ids
