"""pytest plugin, loaded first (``-p tests.isolation`` in pyproject's addopts): keep a test run to itself.

- Redis: every key this process writes (cache entries and Celery queues alike) carries a prefix of its
  own, ``schoolpl-test-<pid>-<random>``, through the project's ``REDIS_KEY_PREFIX`` setting. Each xdist
  worker is its own process and so gets its own prefix, and a real Celery worker started by a test
  inherits it. At the end of the session only the keys under that prefix are deleted: the suite never
  flushes a Redis database, so it can share one with anything else on the machine.

It runs before Django's settings are read, which is why it sets the environment rather than settings.
"""

from __future__ import annotations

import os
import secrets

REDIS_KEY_PREFIX = f"schoolpl-test-{os.getpid()}-{secrets.token_hex(3)}"
os.environ["REDIS_KEY_PREFIX"] = REDIS_KEY_PREFIX


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
    from tests.celery_support import TEST_REDIS_URL

    if os.environ.get("REDIS_URL") or _used_redis:
        delete_run_keys(TEST_REDIS_URL)


_used_redis = False


def mark_redis_used() -> None:
    global _used_redis
    _used_redis = True
