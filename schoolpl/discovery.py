"""Find per-app modules (``nav``, ``api``, ``demo``, ``bench``, ``panels`` …) in each of the product's apps.

Hook kinds with a signature, each documented in its framework module in ``schoolpl/``:
- ``history``: ``<app>/history.py`` → ``history_sources(access, *, pupils: QuerySet, group=None)
  -> list[schoolpl.history.HistorySource]`` (the audit trail page of a pupil or a teaching group).
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType

from django.conf import settings

# The framework modules themselves, not providers.
FRAMEWORK_MODULES = {
    ("schoolpl", "history"),
    ("schoolpl", "evidence"),
    ("schoolpl", "events"),
    ("schoolpl", "bench"),
    ("schoolpl", "api"),
}


def app_modules(name: str) -> list[ModuleType]:
    """``<app>.<name>`` and ``<app>.<name>_<part>`` for every project app, in dependency order (so one app's
    features can each bring their own, e.g. ``targets.nav`` and ``targets.nav_dashboard``)."""
    found = []
    for app in settings.PROJECT_APPS:
        if (app, name) in FRAMEWORK_MODULES:
            continue
        package = import_module(app)
        names = sorted(
            info.name
            for info in pkgutil.iter_modules(package.__path__)
            if info.name == name or info.name.startswith(f"{name}_")
        )
        found.extend(import_module(f"{app}.{module}") for module in names)
    return found
