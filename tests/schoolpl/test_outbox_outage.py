"""The outbox while Redis is down: saves never wait on the broker, and the sweeper sends the work later."""

# ruff: noqa: F811  (the grid fixtures are imported from tests/assessment/conftest.py and used by name)

from __future__ import annotations

import socket
import statistics
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from schoolpl import outbox
from schoolpl.models import OutboxMessage
from schoolpl.outbox import enqueue, publish_pending
from tests.assessment.conftest import group, previous_window, pupils, reading, subjects, window, year  # noqa: F401
from tests.celery_support import DEAD_REDIS_URL, TEST_REDIS_URL, queue_key, redis_client

# The budget (DESIGN §7): with Redis stopped each save < 200 ms, where a normal save takes ~50 ms on an idle
# machine. This machine is shared, so the test measures normal saves in the same run and allows a save with
# Redis down the budget's 150 ms over them (on an idle machine: under 200 ms). Before the fix: 2,000 ms more.
SAVE_BUDGET = 0.2
NORMAL_SAVE = 0.05
ALLOWANCE = SAVE_BUDGET - NORMAL_SAVE


def ms(timings) -> list[str]:
    return [f"{t * 1000:.0f} ms" for t in timings]


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


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

    def save(pupil, grade, version):
        response = client.post(url, {"pupil": pupil.pk, "grade": grade, "version": version})
        assert response.status_code == 200
        assert "Saved" in response.content.decode()

    save(pupils[0], "2a", 0)  # pays the one-off costs (templates, imports, the first connection)
    normal = [timed(lambda p=p: save(p, "2a", 0)) for p in pupils[1:]]  # Redis up
    real_broker(DEAD_REDIS_URL)
    saves = [(p, "3c", 1) for p in pupils] + [(pupils[0], "3b", 2), (pupils[1], "3a", 2)]
    down = [timed(lambda args=args: save(*args)) for args in saves]  # the first pays the failed connection
    reference = statistics.median(normal)
    # Before the fix every save waited about 2 s on the broker. On a shared 2-core machine one save in a
    # run can stall for reasons of its own (a busy core, a GC pause), so the typical save is held to the
    # budget and every save to well under the old wait.
    timings = f"Redis down: {ms(down)}; Redis up: {ms(normal)}"
    assert statistics.median(down) < reference + ALLOWANCE, timings
    assert sum(t < reference + ALLOWANCE for t in down) >= 0.75 * len(down), timings
    assert max(down) < 1.0, timings

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
    assert first.published_at is None  # tried once after commit, and failed
    assert "connecting" in first.last_error

    with transaction.atomic():
        second = enqueue("schoolpl.tasks.ping", token="second")
    second.refresh_from_db()
    assert (second.published_at, second.last_error) == (None, "")  # not even tried: the broker is known down

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

    def save(token):
        with transaction.atomic():
            enqueue("schoolpl.tasks.ping", token=token)

    save("warm-up")  # Redis up: pays the one-off costs (imports, the first connection)
    normal = [timed(lambda t=t: save(t)) for t in ("n1", "n2", "n3")]
    try:
        real_broker(f"redis://127.0.0.1:{hung.getsockname()[1]}/0")
        down = [timed(lambda t=t: save(t)) for t in ("a", "b", "c")]  # the first waits INLINE_TIMEOUT
    finally:
        hung.close()
    assert max(down) < statistics.median(normal) + ALLOWANCE, f"Redis hung: {ms(down)}; Redis up: {ms(normal)}"
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 3
    assert outbox.INLINE_TIMEOUT <= 0.1  # the most a first save with Redis hung may wait for it


def test_a_long_outage_does_not_use_up_a_rows_attempts(transactional_db, real_broker, monkeypatch):
    """Attempts count failures of the message itself; a broker that is down is the sweeper's to wait out, so
    work queued before a long outage is sent when Redis returns instead of waiting for someone to press Retry."""
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 2)
    real_broker(DEAD_REDIS_URL)
    with transaction.atomic():
        message = enqueue("schoolpl.tasks.ping", token="outage")
    for _ in range(3):  # three sweeps while Redis is down
        publish_pending()
    message.refresh_from_db()
    assert (message.published_at, message.attempts) == (None, 0)
    assert "connecting" in message.last_error
    real_broker(TEST_REDIS_URL)
    assert publish_pending() == 1


def test_a_message_that_cannot_be_sent_for_its_own_sake_fails_after_the_attempt_limit(db, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 2)
    message = OutboxMessage.objects.create(task_name="schoolpl.tasks.no_such_task", kwargs={})
    for _ in range(3):
        publish_pending()
    message.refresh_from_db()
    assert (message.published_at, message.attempts) == (None, 2)
    assert message.pk in set(outbox.failed().values_list("pk", flat=True))


def test_the_publish_outbox_command_sends_what_waited_through_an_outage(transactional_db, real_broker):
    real_broker(DEAD_REDIS_URL)
    with transaction.atomic():
        waiting = [enqueue("schoolpl.tasks.ping", token=f"cmd-{n}") for n in range(2)]
    real_broker(TEST_REDIS_URL)
    out = StringIO()
    call_command("publish_outbox", stdout=out)
    assert out.getvalue().strip() == "Published 2 task(s); 0 still waiting."
    for message in waiting:
        message.refresh_from_db()
        assert message.published_at is not None
