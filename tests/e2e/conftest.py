"""Playwright journeys in Debian's headless Chromium against Django's live server.

Browser downloads are impossible here, so the system Chromium is launched directly; every page's console
errors (including Content-Security-Policy violations) fail the test.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import sync_playwright

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (bash .ci/run does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Console:
    def __init__(self):
        self.errors: list[str] = []

    def assert_clean(self):
        assert not self.errors, f"browser console errors: {self.errors}"


@pytest.fixture
def browser_page(chromium, live_server, settings):
    """A fresh page (tablet-sized) whose console errors are collected; ``page.console.assert_clean()``."""
    # The server lives on the test run's fixed clock (tests/isolation.py), the browser on the real one: a
    # cookie that expires a year after the server's "now" could already be stale to the browser. The
    # session cookie ends with the browser anyway; make the CSRF cookie do the same.
    settings.CSRF_COOKIE_AGE = None
    context = chromium.new_context(viewport={"width": 1024, "height": 768}, base_url=live_server.url)
    page = context.new_page()
    console = Console()
    page.on("console", lambda msg: console.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console.errors.append(str(exc)))
    page.console = console
    page.set_default_timeout(15000)
    yield page
    context.close()


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
