"""The REST API (/api/v1/): the same access layer as the pages.

Each app registers its viewsets in ``<app>/api.py`` with ``register(router)``. A viewset declares
``required_caps`` and builds its queryset from ``request.access``, so it is scoped exactly like the pages.
"""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from .discovery import app_modules


def build_router() -> DefaultRouter:
    router = DefaultRouter()
    for module in app_modules("api"):
        module.register(router)
    return router
