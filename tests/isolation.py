"""pytest plugin, loaded first (``-p tests.isolation`` in pyproject's addopts): keep a test run to itself.

- The clock: the whole run (collection included) lives on one fixed day in the spring term,
  ``TEST_NOW``, ticking forward from there, so no test depends on the day it happens to run: the demo
  school, the "current" window and every "today" agree. time-machine moves the clock for every thread of
  the process (the live server's too); a real Celery worker started by a test is started through
  ``tests.clocked_celery``, which travels to the same moment.
- Hypothesis: derandomised (the same examples every run, no example database) and without deadlines, so
  a property test fails or passes alike on every machine and under any load. A developer exploring can
  run with ``HYPOTHESIS_PROFILE=explore`` for fresh random examples.
- Redis: every key this process writes (cache entries and Celery queues alike) carries a prefix of its
  own, ``schoolpl-test-<pid>-<random>``, through the project's ``REDIS_KEY_PREFIX`` setting. Each xdist
  worker is its own process and so gets its own prefix, and a real Celery worker started by a test
  inherits it. At the end of the session only the keys under that prefix are deleted: the suite never
  flushes a Redis database, so it can share one with anything else on the machine.
- N+1 queries: django-zeal is switched on for the run, so a request that loads a relation row by row
  raises ``ZealError`` and fails its test.

It runs before Django's settings are read, which is why it sets the environment rather than settings.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import tempfile
from zoneinfo import ZoneInfo

import time_machine
from hypothesis import settings as hypothesis_settings

# A Tuesday in the spring term, mid-morning in England: inside a term, after the autumn windows, before
# the summer ones. Tests that need another day travel there themselves.
TEST_NOW = dt.datetime(2026, 3, 10, 10, 30, tzinfo=ZoneInfo("Europe/London"))
os.environ["SCHOOLPL_TEST_NOW"] = TEST_NOW.isoformat()
_clock = time_machine.travel(TEST_NOW, tick=True)
_clock.start()

hypothesis_settings.register_profile("schoolpl", derandomize=True, database=None, deadline=None)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "schoolpl"))

# Uploads awaiting confirmation go to a folder of this process's own, removed at the end of the session.
PRIVATE_UPLOAD_ROOT = tempfile.mkdtemp(prefix="schoolpl-test-uploads-")
os.environ["PRIVATE_UPLOAD_ROOT"] = PRIVATE_UPLOAD_ROOT

REDIS_KEY_PREFIX = f"schoolpl-test-{os.getpid()}-{secrets.token_hex(3)}"
os.environ["REDIS_KEY_PREFIX"] = REDIS_KEY_PREFIX
# N+1 queries in a request fail the test that made them (django-zeal; see settings).
os.environ.setdefault("SCHOOLPL_ZEAL", "1")


def delete_run_keys(url: str, prefix: str = REDIS_KEY_PREFIX) -> int:
    """Delete this run's keys (and only those) from the Redis at ``url``; return how many went."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    deleted = 0
    try:
        batch = []
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += client.delete(*batch)
                batch.clear()
        if batch:
            deleted += client.delete(*batch)
    except redis.RedisError:
        return deleted  # nothing of ours can be there if Redis is gone
    return deleted


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(PRIVATE_UPLOAD_ROOT, ignore_errors=True)
    from tests.celery_support import TEST_REDIS_URL

    if os.environ.get("REDIS_URL") or _used_redis:
        delete_run_keys(TEST_REDIS_URL)


_used_redis = False


def mark_redis_used() -> None:
    global _used_redis
    _used_redis = True
