"""The pupil profile draws its charts: Chart.js is loaded and each panel is headed once (issue 16)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_profile_loads_chartjs_and_heads_each_panel_once(client_as, school, teacher, tracked):
    body = client_as(teacher, school).get(reverse("pupils:detail", args=[tracked["steady"].pk])).content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in body
    assert 'data-chart="chart-' in body and 'data-chart="pupil-assessments-' in body
    for title in ("Assessments over time", "Targets and trajectory"):
        assert len(re.findall(rf"<h2[^>]*>\s*{title}", body)) == 1, title
