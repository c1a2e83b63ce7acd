"""What the pupil pages share: who may read them, and the export and query-string helpers."""

from __future__ import annotations

from django.http import HttpRequest

from schoolpl.roles import Cap

READ = (Cap.VIEW_PUPILS_ALL, Cap.VIEW_PUPILS_OWN)


def export_format(request: HttpRequest) -> str | None:
    """``csv`` or ``xlsx`` when the page is asked for as a download (``?export=``), else None."""
    fmt = request.GET.get("export")
    return fmt if fmt in ("csv", "xlsx") else None


def query_without(request: HttpRequest, *names: str) -> str:
    """The page's query string without ``names`` (for links that replace them)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
