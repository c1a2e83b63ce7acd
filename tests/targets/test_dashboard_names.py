"""The leader dashboard shows ethnic groups by their census names and offers only teaching groups of the
subjects it tracks (issue 16)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pupils.codes import ethnicity_name
from pupils.models import TeachingGroup
from targets.dashboard.bench import generate_school

pytestmark = pytest.mark.django_db


def test_ethnicity_names_read_as_a_person_says_them():
    assert (ethnicity_name("ABAN"), ethnicity_name("WBRI"), ethnicity_name("XXXX")) == (
        "Bangladeshi",
        "White British",
        "XXXX",
    )


def test_dashboard_names_ethnic_groups_and_lists_only_tracked_subjects_groups(school, leader, client_as):
    generate_school(school, 120, years=2)
    english = TeachingGroup.objects.filter(school=school, subject="english").first()
    art = TeachingGroup.objects.create(
        school=school, academic_year=english.academic_year, name="6 Art", subject="art", year_group=6
    )
    client = client_as(leader, school)
    body = client.get(reverse("targets:dashboard")).content.decode()
    assert "Ethnicity: White British" in body and "Ethnicity WBRI" not in body
    assert f'<option value="{english.pk}"' in body and f'<option value="{art.pk}"' not in body
    chosen = client.get(reverse("targets:dashboard"), {"group": "ethnicity:ABAN"}).content.decode()
    assert "Ethnicity: Bangladeshi</option>" in chosen
