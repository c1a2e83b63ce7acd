"""A worker killed mid-task (SIGKILL, out of memory): its message comes back within minutes, and running a
task a second time — which is what a redelivery does — leaves one result, not two."""

# ruff: noqa: F811  (the ``tracked`` fixture is imported from tests/targets/conftest.py and used by name)

from __future__ import annotations

import pytest
from celery import current_app

from partnership import services as partnership_services
from partnership.models import Report, ReportRun
from partnership.tasks import generate_reports
from targets import tasks as target_tasks
from targets.models import Notification, ProgressStatus
from tests.partnership import factories as pf
from tests.targets.conftest import tracked  # noqa: F401

REDELIVERY_WITHIN = 300  # seconds: how long a school may wait for work a dead worker was holding


def project_tasks():
    current_app.loader.import_default_modules()
    return {name: task for name, task in current_app.tasks.items() if not name.startswith("celery.")}


def test_a_message_held_by_a_killed_worker_is_redelivered_within_five_minutes():
    conf = current_app.conf
    # Redis re-queues an unacknowledged message once the visibility timeout passes; with late acks a
    # message is only acknowledged when its task has finished, so a killed worker's task comes back.
    assert conf.broker_transport_options["visibility_timeout"] <= REDELIVERY_WITHIN
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1  # a dead worker holds one message, not a batch


def test_every_task_is_stopped_before_its_message_could_be_delivered_a_second_time():
    """A task still running when the visibility timeout passes would be run again alongside itself; so every
    task's hard time limit (and the soft one before it, which lets it log and stop) falls inside it."""
    conf = current_app.conf
    visibility = conf.broker_transport_options["visibility_timeout"]
    tasks = project_tasks()
    assert {"targets.tasks.recompute_school", "partnership.tasks.generate_reports"} <= set(tasks)
    for name, task in tasks.items():
        hard = task.time_limit or conf.task_time_limit
        soft = task.soft_time_limit or conf.task_soft_time_limit
        assert hard is not None and hard < visibility, name
        assert soft is not None and soft < hard, name
        assert task.acks_late, name
        if getattr(task, "retry_backoff", False):
            # A retry waits in Redis as an unacknowledged message too: its longest countdown must be shorter.
            ceiling = getattr(task, "retry_backoff_max", 600)  # Celery's default
            longest = min(ceiling, int(task.retry_backoff) * 2 ** (task.max_retries or 0))
            assert longest < visibility, name


@pytest.mark.django_db
def test_recompute_tasks_delivered_twice_leave_one_set_of_rows_and_notify_once(school, tracked):
    def keys():
        return sorted(ProgressStatus.objects.filter(school=school).values_list("pupil_id", "subject_id", "window_id"))

    first = target_tasks.recompute_school(school.pk)
    rows = keys()
    notifications = Notification.objects.count()
    again = target_tasks.recompute_school(school.pk)  # the same message, delivered again
    assert first["rows"] == again["rows"] == len(rows) == 18
    assert (again["written"], again["deleted"], again["notified"]) == (0, 0, 0)
    assert (
        sorted(ProgressStatus.objects.filter(school=school).values_list("pupil_id", "subject_id", "window_id")) == rows
    )
    assert Notification.objects.count() == notifications

    pupil_ids = [tracked["slipping"].pk, tracked["flat"].pk]
    for _ in range(2):
        result = target_tasks.recompute_pupils(school.pk, pupil_ids)
        assert (result["written"], result["deleted"], result["notified"]) == (0, 0, 0)
    assert ProgressStatus.objects.filter(school=school).count() == 18


@pytest.mark.django_db
def test_the_report_task_delivered_twice_leaves_one_report_per_pupil_and_a_finished_run(school, leader):
    window = pf.window_of(school)
    reading = pf.subject(school)
    pupils = [pf.pupil(school) for _ in range(3)]
    pf.judgement(pupils[0], reading, window)
    run = ReportRun.objects.create(school=school, window=window, year_group=6, total=3, started_by=leader)
    kwargs = {"school_id": school.pk, "window_id": window.pk, "year_group": 6, "run_id": run.pk}
    first = generate_reports.apply(kwargs=kwargs, throw=True).get()
    ids = set(Report.objects.values_list("pk", flat=True))
    partnership_services.reports_release(
        school=school, window=window, year_group=6, released_by=leader, report_ids=[min(ids)]
    )
    again = generate_reports.apply(kwargs=kwargs, throw=True).get()  # the same message, delivered again
    assert first == {"created": 3, "updated": 0, "kept": 0}
    assert again == {"created": 0, "updated": 2, "kept": 1}  # a released report stays as parents saw it
    assert set(Report.objects.values_list("pk", flat=True)) == ids
    run.refresh_from_db()
    assert (run.status, run.total, run.done) == (ReportRun.Status.DONE, 3, 3)
