import datetime as dt

import pytest
from django.utils import timezone

from tests.interventions.factories import SubjectFactory
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def windows(school, today):
    """Three termly windows ending before today, oldest first."""
    year = AcademicYearFactory(
        school=school,
        name="Calendar",
        start_date=today - dt.timedelta(days=400),
        end_date=today + dt.timedelta(days=30),
    )
    out = []
    for i, months_ago in enumerate((9, 6, 3)):
        end = today - dt.timedelta(days=30 * months_ago)
        out.append(
            AssessmentWindowFactory(
                academic_year=year, name=f"Window {i}", start_date=end - dt.timedelta(days=80), end_date=end
            )
        )
    return out


@pytest.fixture
def reading(school):
    return SubjectFactory(school=school)
