"""A real Celery worker on this machine's Redis, started and stopped by the test that needs it.

The worker talks to the same database as the test (the test database pytest-django created), so tests
that use it need ``transactional_db`` for the worker to see their rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis as redis_lib

from tests import isolation

ROOT = Path(__file__).resolve().parents[1]
# Any database will do: every key of this run carries the run's own prefix (tests/isolation.py), and only
# those keys are deleted afterwards. Nothing here flushes a database.
TEST_REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
DEAD_REDIS_URL = "redis://127.0.0.1:6390/0"  # nothing listens here


def cache_key(key: str) -> str:
    """The Redis key under which Django's cache (django-redis, version 1) stores ``key`` in this run."""
    return f"{isolation.REDIS_KEY_PREFIX}:1:{key}"


def queue_key(queue: str = "celery") -> str:
    """The Redis list holding Celery's ``queue`` in this run (kombu's ``global_keyprefix``)."""
    return f"{isolation.REDIS_KEY_PREFIX}:{queue}"


def redis_client() -> redis_lib.Redis:
    client = redis_lib.Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except redis_lib.ConnectionError as exc:  # a missing service is a failure, never a skip
        pytest.fail(f"Redis is not reachable at {TEST_REDIS_URL}: {exc}")
    return client


def _database_url_for_worker() -> str:
    from django.db import connection

    cfg = connection.settings_dict
    if cfg["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{cfg['NAME']}"
    user = cfg.get("USER") or ""
    password = f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{cfg.get('HOST') or '127.0.0.1'}:{cfg.get('PORT') or 5432}/{cfg['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start ``celery worker`` against TEST_REDIS_URL and the test database; yield the Redis client."""
    client = redis_client()
    isolation.mark_redis_used()
    isolation.delete_run_keys(TEST_REDIS_URL)  # a clean slate: only this run's keys, from an earlier test
    env = {
        **os.environ,
        "REDIS_URL": TEST_REDIS_URL,
        "DATABASE_URL": _database_url_for_worker(),
        "DJANGO_SETTINGS_MODULE": "schoolpl.settings",
    }
    if env["DATABASE_URL"].startswith("sqlite"):
        env.pop("DATABASE_URL")
        env["SQLITE_PATH"] = _database_url_for_worker().removeprefix("sqlite:///")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.clocked_celery",  # celery, on the test run's fixed clock
            "-A",
            "schoolpl",
            "worker",
            "-P",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.time() + 120  # a loaded 2-core machine can take a while to import everything
        ready = False
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            if "ready." in line:
                ready = True
                break
        assert ready, "the Celery worker did not start"
        yield client
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"gave up waiting after {timeout}s")


@pytest.fixture
def real_broker():
    """Point this process's Celery app at TEST_REDIS_URL (not eager), restoring it afterwards. Call the
    fixture's value with another URL (e.g. DEAD_REDIS_URL) to switch broker mid-test."""
    from celery import current_app

    conf = current_app.conf
    saved = (conf.task_always_eager, conf.broker_url)

    def reset_pools():
        # Broker connections are pooled: drop them so the next publish uses the new URL.
        from kombu import pools

        pools.reset()  # kombu's registry of connection and producer pools, keyed by broker URL
        current_app._pool = None
        current_app.amqp._producer_pool = None

    def use(url: str) -> None:
        conf.task_always_eager = False
        conf.broker_url = url
        reset_pools()

    isolation.mark_redis_used()
    use(TEST_REDIS_URL)
    yield use
    conf.task_always_eager, conf.broker_url = saved
    reset_pools()
