import datetime as dt

import pytest

from schoolpl.access import load_access
from tests.assessment.factories import pupil_in, subjects_for, taught_group
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory


@pytest.fixture
def year(school):
    return AcademicYearFactory(school=school)


@pytest.fixture
def previous_window(year):
    return AssessmentWindowFactory(
        academic_year=year,
        name="Summer 2025",
        start_date=dt.date(2025, 4, 14),
        end_date=dt.date(2025, 7, 22),
        is_open=False,
    )


@pytest.fixture
def window(year, previous_window):
    return AssessmentWindowFactory(academic_year=year, name="Autumn 2025")


@pytest.fixture
def subjects(school):
    return subjects_for(school)


@pytest.fixture
def reading(subjects):
    return subjects["reading"]


@pytest.fixture
def group(teacher, year):
    return taught_group(teacher, year, name="6B", subject="english", kind="class")


@pytest.fixture
def pupils(group):
    return [pupil_in(group, legal_surname=f"Pupil{i:02d}", legal_forename="Amy") for i in range(4)]


@pytest.fixture
def access_for(school):
    def _access(user):
        return load_access(user, school.pk)

    return _access
