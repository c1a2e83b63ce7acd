"""Every date box pre-fills ISO dates: a browser's <input type="date"> rejects 03/12/2026 and shows it empty."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect

import pytest
from django import forms
from django.urls import reverse

MODULES = ["schoolpl.forms", "pupils.forms", "assessment.forms", "targets.forms", "partnership.forms",
           "interventions.forms", "selfreview.forms"]  # fmt: skip


def _date_widgets():
    for name in MODULES:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, forms.BaseForm) or cls.__module__ != name:
                continue
            for field_name, field in cls.base_fields.items():
                widget = field.widget
                if getattr(widget, "input_type", None) == "date" or widget.attrs.get("type") == "date":
                    yield f"{name}.{cls.__name__}.{field_name}", widget


def test_every_date_box_renders_its_value_as_iso():
    found = list(_date_widgets())
    assert len(found) > 10
    for label, widget in found:
        html = widget.render("d", dt.date(2026, 12, 3))
        assert 'value="2026-12-03"' in html, (label, html)


@pytest.mark.django_db
def test_the_review_box_is_prefilled_with_an_iso_date(client_as, school, leader):
    from tests.targets.factories import CurricularTargetFactory

    target = CurricularTargetFactory(school=school)
    body = client_as(leader, school).get(reverse("targets:curricular_detail", args=[target.pk])).content.decode()
    from django.utils import timezone

    assert f'name="reviewed_on" value="{timezone.localdate().isoformat()}"' in body
