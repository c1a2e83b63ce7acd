"""Settings come from the environment; each case runs in a fresh interpreter so nothing leaks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': settings.DATABASES['default']['NAME'], 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': settings.CELERY_BROKER_URL, 'cache': settings.CACHES['default']['BACKEND'], "
    "'debug': settings.DEBUG, 'tz': settings.TIME_ZONE}))"
)
# The variables under test, and the one the Playwright tests set (check --deploy rightly refuses it).
_UNDER_TEST = {"DATABASE_URL", "REDIS_URL", "SCHOOLPL_ENV", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
CLEAN = {k: v for k, v in os.environ.items() if k not in _UNDER_TEST}


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "schoolpl.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def probe(**env: str) -> dict:
    result = run(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_default_is_sqlite_with_eager_tasks_and_debug_off():
    values = probe()
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("db.sqlite3")
    assert values["eager"] is True
    assert values["broker"] == "memory://"
    assert values["cache"].endswith("LocMemCache")
    assert values["debug"] is False
    assert values["tz"] == "Europe/London"


def test_database_url_selects_postgresql():
    values = probe(DATABASE_URL="postgres://someone:pw@db.example:5433/schoolpl")
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "schoolpl"


def test_redis_url_selects_a_real_broker_and_redis_cache():
    values = probe(REDIS_URL="redis://127.0.0.1:6379/3")
    assert values["eager"] is False
    assert values["broker"] == "redis://127.0.0.1:6379/3"
    assert values["cache"] == "django_redis.cache.RedisCache"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a postgres"),
        ({"SESSION_IDLE_MINUTES": "ten"}, "SESSION_IDLE_MINUTES must be a whole number"),
        ({"SCHOOLPL_ENV": "staging"}, "SCHOOLPL_ENV must be"),
        ({"SCHOOLPL_ENV": "production", "ALLOWED_HOSTS": "x.org"}, "SECRET_KEY must be set"),
    ],
)
def test_malformed_or_missing_values_fail_loudly(env, message):
    result = run(PROBE, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_check_deploy_is_clean_in_production():
    env = {
        **CLEAN,
        "SCHOOLPL_ENV": "production",
        "SECRET_KEY": "k3J9#vQ2!mZp8&Lr5@Tw0^Xy7*Ns4%Hd6(Bf1)Gc-Uq=Ve+Ia_Ol~Pj",
        "ALLOWED_HOSTS": "schoolpl.example.org",
        "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/whatever",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
