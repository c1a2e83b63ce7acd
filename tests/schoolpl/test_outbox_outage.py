"""The outbox while Redis is down: saves never wait on the broker, and the sweeper sends the work later."""

# ruff: noqa: F811  (the grid fixtures are imported from tests/assessment/conftest.py and used by name)

from __future__ import annotations

import socket
import time

import pytest
from django.db import transaction
from django.urls import reverse

from schoolpl import outbox
from schoolpl.models import OutboxMessage
from schoolpl.outbox import enqueue, publish_pending
from tests.assessment.conftest import group, previous_window, pupils, reading, subjects, window, year  # noqa: F401
from tests.celery_support import DEAD_REDIS_URL, TEST_REDIS_URL, queue_key, redis_client

# Each save must finish within the budget's "Redis stopped: each < 200 ms"; a normal save takes ~50 ms.
SAVE_BUDGET = 0.2


@pytest.fixture(autouse=True)
def _closed_breaker():
    outbox.reset_breaker()
    yield
    outbox.reset_breaker()


def cell_url(teaching_group, assessment_window, subject):
    return reverse("assessment:grid_cell", args=[teaching_group.pk, assessment_window.pk, subject.pk])


def test_grid_saves_stay_fast_while_redis_is_down_and_the_sweeper_sends_them_once_it_is_back(
    transactional_db,
    real_broker,
    client_as,
    teacher,
    school,
    group,
    window,
    reading,
    pupils,
):
    client = client_as(teacher, school)
    url = cell_url(group, window, reading)
    # One save while Redis is up pays the one-off costs (templates, imports, the first connection).
    assert client.post(url, {"pupil": pupils[-1].pk, "grade": "2a", "version": 0}).status_code == 200
    real_broker(DEAD_REDIS_URL)
    timings = []
    saves = [(pupil, "3c", 0) for pupil in pupils[:-1]] + [(pupils[0], "3b", 1), (pupils[-1], "3a", 1)]
    for pupil, grade, version in saves:
        start = time.perf_counter()
        response = client.post(url, {"pupil": pupil.pk, "grade": grade, "version": version})
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200
        assert "Saved" in response.content.decode()
    assert max(timings) < SAVE_BUDGET, [f"{t * 1000:.0f} ms" for t in timings]

    waiting = OutboxMessage.objects.filter(task_name="targets.tasks.recompute_pupils", published_at__isnull=True)
    assert waiting.count() == len(pupils)  # one per pupil: a second save of a pupil reused its message

    real_broker(TEST_REDIS_URL)  # Redis is back: the sweeper sends what waited
    before = redis_client().llen(queue_key())
    assert publish_pending() == len(pupils)
    assert not waiting.exists()
    assert redis_client().llen(queue_key()) == before + len(pupils)


def test_after_one_failure_inline_publishing_pauses_and_leaves_rows_to_the_sweeper(transactional_db, real_broker):
    real_broker(DEAD_REDIS_URL)
    with transaction.atomic():
        first = enqueue("schoolpl.tasks.ping", token="first")
    first.refresh_from_db()
    assert (first.published_at, first.attempts) == (None, 1)  # tried once after commit, and failed
    assert first.last_error

    with transaction.atomic():
        second = enqueue("schoolpl.tasks.ping", token="second")
    second.refresh_from_db()
    assert (second.published_at, second.attempts) == (None, 0)  # not even tried: the broker is known down

    # The sweeper ignores the pause: it is the one that finds out the broker is back.
    real_broker(TEST_REDIS_URL)
    assert publish_pending() == 2
    with transaction.atomic():
        third = enqueue("schoolpl.tasks.ping", token="third")
    third.refresh_from_db()
    assert third.published_at is not None  # a successful send closed the breaker


def test_inline_publishing_resumes_by_itself_once_the_pause_is_over(transactional_db, real_broker, monkeypatch):
    real_broker(DEAD_REDIS_URL)
    with transaction.atomic():
        enqueue("schoolpl.tasks.ping", token="trips")
    assert outbox.inline_publishing_paused()
    now = time.monotonic()
    monkeypatch.setattr(outbox.time, "monotonic", lambda: now + outbox.INLINE_PAUSE_SECONDS + 1)
    assert not outbox.inline_publishing_paused()
    real_broker(TEST_REDIS_URL)
    with transaction.atomic():
        message = enqueue("schoolpl.tasks.ping", token="after-pause")
    message.refresh_from_db()
    assert message.published_at is not None


def test_a_broker_that_accepts_but_never_answers_costs_one_save_under_the_budget(transactional_db, real_broker):
    # A listening socket nobody accepts from: the connection opens, then every read waits (a hung Redis).
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(16)
    try:
        real_broker(f"redis://127.0.0.1:{hung.getsockname()[1]}/0")
        timings = []
        for token in ("a", "b", "c"):
            start = time.perf_counter()
            with transaction.atomic():
                enqueue("schoolpl.tasks.ping", token=token)
            timings.append(time.perf_counter() - start)
    finally:
        hung.close()
    assert max(timings) < SAVE_BUDGET, [f"{t * 1000:.0f} ms" for t in timings]
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 3
