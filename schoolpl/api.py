"""The REST API (/api/v1/): the same access layer as the pages.

Each app registers its viewsets in ``<app>/api.py`` with ``register(router)`` (the ``api`` hook of
``schoolpl.hooks``). A viewset declares
``required_caps`` and builds its queryset from ``request.access``, so it is scoped exactly like the pages.
Services validate and raise Django's ``ValidationError``; ``exception_handler`` (REST_FRAMEWORK's
EXCEPTION_HANDLER) turns every one of them into a 400 with field messages, as a serializer's errors would be.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.fields import get_error_detail
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .discovery import app_modules


def build_router() -> DefaultRouter:
    router = DefaultRouter()
    for module in app_modules("api"):
        module.register(router)
    return router


class IdFilter(django_filters.NumberFilter):
    """An object id in a filter: a whole number in the range of an id column. A fraction or an out-of-range
    number is a 400 from the filter form, never a database error (SQLite cannot even bind it)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def exception_handler(exc, context):
    """DRF's handler, plus: a service's ``django.core.exceptions.ValidationError`` becomes a 400 shaped like a
    serializer's errors (``{"field": [...], "non_field_errors": [...]}``) instead of a 500."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_service_error_detail(exc))
    return drf_exception_handler(exc, context)


def _service_error_detail(exc: DjangoValidationError) -> dict:
    detail = get_error_detail(exc)
    if not isinstance(detail, dict):
        return {api_settings.NON_FIELD_ERRORS_KEY: detail}
    if NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return detail
