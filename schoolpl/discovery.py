"""Find a per-app module (``nav``, ``api``, ``demo``, ``bench``) in each of the product's apps."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.conf import settings


def app_modules(name: str) -> list[ModuleType]:
    """``<app>.<name>`` for every project app that has one, in dependency order. A module that exists but
    fails to import raises, rather than being silently skipped."""
    found = []
    for app in settings.PROJECT_APPS:
        if app == "schoolpl" and name in {"evidence", "events"}:
            continue  # the framework modules themselves, not providers
        dotted = f"{app}.{name}"
        try:
            found.append(import_module(dotted))
        except ModuleNotFoundError as exc:
            if exc.name != dotted:
                raise
    return found
