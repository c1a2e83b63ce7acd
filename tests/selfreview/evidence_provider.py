"""A test-only evidence provider, standing in for ``<app>/evidence.py`` modules. Tests monkeypatch
``schoolpl.evidence.app_modules`` to return this module. It counts pupils on roll (an aggregate, like the real
providers) and records the dates it was asked about."""

from __future__ import annotations

from schoolpl.evidence import Evidence

CALLS: list[tuple[int, object, object]] = []


def evidence(school, start, end):
    from pupils.models import Pupil

    CALLS.append((school.pk, start, end))
    count = Pupil.objects.filter(school=school, archived_at__isnull=True).count()
    return [
        Evidence(
            item_code="3c",
            label="Pupils with an up-to-date periodic assessment",
            value=f"{count} pupils on roll (test figure)",
            method="Counted pupils on roll in the test provider.",
            url_name="selfreview:review_list",
            url_query="from=evidence",
        ),
        Evidence(
            item_code="2b",
            label="Pupils off trajectory",
            value="0",
            method="A figure with no page behind it.",
            url_name="no_such_page",
        ),
    ]
