"""The Celery wiring, end to end: a real worker on Redis, and the outbox riding out a Redis outage."""

from __future__ import annotations

import pickle
import uuid

import pytest
from django.db import transaction
from django.urls import reverse

from conftest import sign_in
from schoolpl.models import OutboxMessage
from schoolpl.outbox import enqueue, publish_pending
from tests.celery_support import DEAD_REDIS_URL, TEST_REDIS_URL, cache_key, wait_for

pytestmark = pytest.mark.celery_worker


def ping_key(token: str) -> str:
    return cache_key(f"ping:{token}")


def test_a_task_runs_on_a_real_worker(celery_worker_process, real_broker):
    real_broker(TEST_REDIS_URL)
    token = uuid.uuid4().hex
    with transaction.atomic():
        enqueue("schoolpl.tasks.ping", token=token)
    value = wait_for(lambda: celery_worker_process.get(ping_key(token)))
    assert pickle.loads(value) == "pong"  # noqa: S301 - our own worker wrote it
    assert OutboxMessage.objects.get(kwargs={"token": token}).published_at is not None


def test_redis_outage_breaks_no_page_or_save_and_work_is_published_later(
    celery_worker_process, real_broker, client, school_admin, school, settings
):
    real_broker(DEAD_REDIS_URL)
    # The cache is on the same (dead) Redis: it must degrade to misses, not errors.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": DEAD_REDIS_URL,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    from django.core.cache import cache

    cache.set("probe", 1)  # swallowed, not raised
    assert cache.get("probe") is None
    sign_in(client, school_admin, school)
    token = uuid.uuid4().hex
    with transaction.atomic():
        enqueue("schoolpl.tasks.ping", token=token)  # the broker is down: this must not raise
    response = client.post(reverse("school_settings"), {"name": "Greenfield Primary", "phase": "primary"})
    assert response.status_code == 302  # the save succeeded
    assert client.get(reverse("home")).status_code == 200
    message = OutboxMessage.objects.get(kwargs={"token": token})
    assert message.published_at is None
    assert "Error" in message.last_error or "refused" in message.last_error.lower()

    real_broker(TEST_REDIS_URL)  # Redis is back: the sweeper publishes what waited
    assert publish_pending() == 1
    value = wait_for(lambda: celery_worker_process.get(ping_key(token)))
    assert pickle.loads(value) == "pong"  # noqa: S301


def test_eager_mode_runs_enqueued_tasks_in_process(db, django_capture_on_commit_callbacks):
    token = uuid.uuid4().hex
    with django_capture_on_commit_callbacks(execute=True):
        enqueue("schoolpl.tasks.ping", token=token)
    assert OutboxMessage.objects.get(kwargs={"token": token}).published_at is not None


def test_dedupe_key_reuses_a_pending_message(db):
    first = enqueue("schoolpl.tasks.ping", dedupe_key="same", token="a")
    second = enqueue("schoolpl.tasks.ping", dedupe_key="same", token="a")
    assert first.pk == second.pk
