"""Login lock-outs keyed on the client's own address, also behind the production reverse proxy (issue 20,
finding 10). The address comes from X-Forwarded-For only when TRUSTED_PROXY_COUNT says a proxy of ours sets it;
otherwise the header is the client's to forge, and is ignored."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.schoolpl.factories import PASSWORD
from tests.schoolpl.test_settings import run

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the reverse proxy: every request reaches the app from here
HOME_PC = "81.2.69.142"
ATTACKER = "81.2.69.160"


def attempt(client, username: str, password: str, forwarded_for: str | None, remote_addr: str = PROXY):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


AXES_PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'count': settings.AXES_IPWARE_PROXY_COUNT, "
    "'order': list(settings.AXES_IPWARE_META_PRECEDENCE_ORDER), 'strict': settings.IPWARE_STRICT}))"
)


def axes_settings(**env: str) -> dict:
    result = run(AXES_PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def behind_one_proxy(settings):
    """The settings that TRUSTED_PROXY_COUNT=1 gives, read from the real settings module in a fresh interpreter."""
    configured = axes_settings(TRUSTED_PROXY_COUNT="1")
    settings.AXES_IPWARE_PROXY_COUNT = configured["count"]
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = tuple(configured["order"])
    settings.IPWARE_STRICT = configured["strict"]
    settings.AXES_FAILURE_LIMIT = 3


def test_behind_the_proxy_one_client_cannot_lock_out_another(client, teacher, behind_one_proxy):
    for _ in range(3):
        attempt(client, "teacher", "wrong", forwarded_for=ATTACKER)
    assert attempt(client, "teacher", PASSWORD, forwarded_for=ATTACKER).status_code == 429
    # The teacher, at home, through the same proxy: not locked out by someone else's failures.
    assert attempt(client, "teacher", PASSWORD, forwarded_for=HOME_PC).status_code == 302


def test_behind_the_proxy_a_forged_first_address_does_not_dodge_the_lock_out(client, teacher, behind_one_proxy):
    """The proxy appends the address it saw; whatever the client put before it is not believed."""
    for n in range(3):
        attempt(client, "teacher", "wrong", forwarded_for=f"192.0.2.{n}, {ATTACKER}")
    assert attempt(client, "teacher", PASSWORD, forwarded_for=f"198.51.100.7, {ATTACKER}").status_code == 429


def test_by_default_a_forged_forwarded_for_is_ignored(client, teacher, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):
        attempt(client, "teacher", "wrong", forwarded_for=f"81.2.69.{n}", remote_addr=ATTACKER)
    locked = attempt(client, "teacher", PASSWORD, forwarded_for="81.2.69.99", remote_addr=ATTACKER)
    assert locked.status_code == 429


def test_trusted_proxy_count_defaults_to_trusting_no_header():
    assert axes_settings()["order"] == ["REMOTE_ADDR"]


def test_one_trusted_proxy_reads_the_address_it_appends():
    assert axes_settings(TRUSTED_PROXY_COUNT="1") == {
        "count": 0,
        "order": ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
        "strict": False,
    }


def test_a_malformed_proxy_count_stops_start_up():
    result = run(AXES_PROBE, TRUSTED_PROXY_COUNT="-1")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr
