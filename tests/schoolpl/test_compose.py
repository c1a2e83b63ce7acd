"""There is no Docker engine here, so the compose file is checked as data."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_present_with_health_checks():
    services = load()["services"]
    assert {"db", "redis", "web", "worker", "beat", "migrate"} <= set(services)
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name


def test_commands_run_gunicorn_worker_and_database_beat():
    services = load()["services"]
    assert services["web"]["command"][0] == "gunicorn"
    assert "schoolpl.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "schoolpl", "worker"]
    beat = services["beat"]["command"]
    assert beat[:4] == ["celery", "-A", "schoolpl", "beat"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_app_services_are_production_shaped():
    services = load()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["SCHOOLPL_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["DATABASE_URL"].endswith("@db:5432/schoolpl")
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["env_file"] == ".env"
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_database_has_a_named_volume():
    compose = load()
    assert "pgdata" in compose["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]


def test_dockerfile_builds_what_compose_runs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "gunicorn" in dockerfile
    assert "collectstatic" in dockerfile
    assert "pip install -c constraints.txt" in dockerfile


def test_redis_keeps_queued_work_across_a_restart():
    """The outbox marks a message published once Redis has it, so Redis must not lose it on a restart: the
    append-only file, flushed every second, on a named volume."""
    compose = load()
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[0] == "redis-server"
    options = dict(zip(command[1::2], command[2::2], strict=True))
    assert options["--appendonly"] == "yes"
    assert options["--appendfsync"] == "everysec"
    assert "redisdata" in compose["volumes"]
    assert "redisdata:/data" in redis["volumes"]
