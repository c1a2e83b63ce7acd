"""Find the providers of a hook kind: ``<app>/<kind>.py`` in each of the product's apps.

The kinds, their signatures and their consumers are listed once, in ``schoolpl.hooks``.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.conf import settings

from .hooks import hook


def app_modules(kind: str) -> list[ModuleType]:
    """``<app>.<kind>`` for every project app that has one, in dependency order (``settings.PROJECT_APPS``).

    ``kind`` must be registered in ``schoolpl.hooks.HOOKS`` (``UnknownHook``, a ``KeyError``, otherwise). A
    framework module named like a provider (``schoolpl.history``) is not one of them."""
    spec = hook(kind)
    found = []
    for app in settings.PROJECT_APPS:
        name = f"{app}.{kind}"
        if name != spec.framework and find_spec(name) is not None:
            found.append(import_module(name))
    return found
