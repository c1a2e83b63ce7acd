"""The teaching-groups list exports as XLSX for every staff role (its title carries the year, "2025/26")."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.pupils.factories import GroupMembershipFactory, TeachingGroupFactory, TeachingGroupTeacherFactory
from tests.schoolpl.factories import AcademicYearFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["teacher", "senco", "leader", "admin"])
def test_groups_export_as_xlsx_for_every_staff_role(client_as, personas, school, role):
    year = AcademicYearFactory(school=school, name="2025/26")
    group = TeachingGroupFactory(academic_year=year, name="6 Maths Set 1")
    TeachingGroupTeacherFactory(group=group, user=personas["teacher"])
    GroupMembershipFactory(group=group)
    response = client_as(personas[role], school).get(reverse("pupils:groups") + f"?year={year.pk}&export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Teaching groups 202526"
    assert [c.value for c in sheet[2]][:2] == ["6 Maths Set 1", "Mathematics"]
