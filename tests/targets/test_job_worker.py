"""The recompute job end to end through a real Celery worker on Redis (the ``celery_worker_process``
fixture): queued through the outbox after commit, run by the worker, idempotent when run again."""

from __future__ import annotations

import pytest
from django.db import transaction

from schoolpl import events
from schoolpl.outbox import enqueue
from targets.models import ProgressStatus
from tests.celery_support import cache_key, queue_key, wait_for

pytestmark = pytest.mark.celery_worker


def rows(school):
    return sorted(
        ProgressStatus.objects.filter(school=school).values_list(
            "pupil_id", "subject_id", "window_id", "expected", "actual", "status", "since_window_id", "is_latest"
        )
    )


def test_the_worker_recomputes_a_school_and_a_second_run_changes_nothing(
    celery_worker_process, real_broker, school, tracked
):
    with transaction.atomic():
        enqueue("targets.tasks.recompute_school", school_id=school.pk)
    wait_for(lambda: ProgressStatus.objects.filter(school=school).count() == 18, timeout=60)
    first = rows(school)
    stamps = dict(ProgressStatus.objects.values_list("pk", "computed_at"))
    with transaction.atomic():
        enqueue("targets.tasks.recompute_school", school_id=school.pk)
        enqueue("targets.tasks.recompute_school", school_id=school.pk)  # and concurrently queued twice more
        enqueue("targets.tasks.recompute_all")
    # The worker drains its queue: a marker task queued last tells us the earlier ones have run.
    with transaction.atomic():
        enqueue("schoolpl.tasks.ping", token="targets-done")
    from schoolpl.models import OutboxMessage

    try:
        wait_for(lambda: celery_worker_process.get(cache_key("ping:targets-done")), timeout=60)
    except AssertionError:
        print(list(OutboxMessage.objects.values_list("task_name", "published_at", "last_error")))
        print(celery_worker_process.keys(cache_key("*")))
        raise
    wait_for(lambda: celery_worker_process.llen(queue_key()) == 0, timeout=60)
    assert rows(school) == first
    assert dict(ProgressStatus.objects.values_list("pk", "computed_at")) == stamps  # nothing rewritten


def test_a_changed_judgement_is_recomputed_by_the_worker_for_that_pupil_only(
    celery_worker_process, real_broker, school, tracked
):
    from assessment.models import Judgement

    with transaction.atomic():
        enqueue("targets.tasks.recompute_school", school_id=school.pk)
    wait_for(lambda: ProgressStatus.objects.filter(school=school).count() == 18, timeout=60)
    others = dict(ProgressStatus.objects.exclude(pupil=tracked["steady"]).values_list("pk", "computed_at"))
    last = tracked["windows"][5]
    with transaction.atomic():
        Judgement.objects.filter(pupil=tracked["steady"], window=last).update(points=15)
        events.publish(
            "judgements_changed",
            school_id=school.pk,
            pupil_ids=[tracked["steady"].pk],
            subject_ids=[tracked["reading"].pk],
        )
    wait_for(
        lambda: ProgressStatus.objects.filter(pupil=tracked["steady"], window=last, status="well_behind").exists(),
        timeout=60,
    )
    assert dict(ProgressStatus.objects.exclude(pupil=tracked["steady"]).values_list("pk", "computed_at")) == others
