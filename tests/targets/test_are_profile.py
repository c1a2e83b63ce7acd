"""Beside each pupil: the profile's targets panel says below / at / above age-related expectations per
subject for the latest window, against the school's own ARE where it has set one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from schoolpl.calendar import academic_year_start
from targets import services
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory
from tests.targets.factories import ProgressStatusFactory, PupilFactory, PupilTargetFactory, SubjectFactory

pytestmark = pytest.mark.django_db


def summer_window(school, years_ago=0):
    start = academic_year_start(timezone.localdate()) - years_ago
    year = AcademicYearFactory(
        school=school, name=f"{start}/{start + 1}", start_date=dt.date(start, 9, 1), end_date=dt.date(start + 1, 8, 31)
    )
    return AssessmentWindowFactory(
        academic_year=year,
        name=f"Summer {start + 1}",
        start_date=dt.date(start + 1, 4, 20),
        end_date=dt.date(start + 1, 7, 20),
    )


def _panel(client, pupil):
    body = " ".join(client.get(reverse("pupils:detail", args=[pupil.pk])).content.decode().split())
    return body.split('class="small mb-1 are-band"')[1].split("</p>")[0]


def test_profile_shows_below_are_for_the_latest_window(client_as, school, leader):
    window = summer_window(school)
    reading = SubjectFactory(school=school, code="reading")
    pupil = PupilFactory(school=school, year_group=4)
    PupilTargetFactory(pupil=pupil, subject=reading)
    ProgressStatusFactory(pupil=pupil, subject=reading, window=window, actual=20, expected=20, status="on_track")
    panel = _panel(client_as(leader, school), pupil)
    # end of Year 4 = 21 points; 20 is a point under: below (not well below, which is 4 or more under)
    assert 'data-band="below"' in panel and "Below age-related expectations" in panel
    assert "20 points against 21 expected by then in Year 4" in panel


def test_a_pupil_judged_last_year_is_compared_with_last_years_expectation(client_as, school, leader):
    window = summer_window(school, years_ago=1)
    reading = SubjectFactory(school=school, code="reading")
    pupil = PupilFactory(school=school, year_group=5)  # in Year 4 then: end of Year 4 = 21
    PupilTargetFactory(pupil=pupil, subject=reading)
    ProgressStatusFactory(pupil=pupil, subject=reading, window=window, actual=23, expected=20, status="ahead")
    panel = _panel(client_as(leader, school), pupil)
    assert 'data-band="above"' in panel and "against 21 expected by then in Year 4" in panel


def test_schools_own_expectation_is_used(client_as, school, leader):
    window = summer_window(school)
    reading = SubjectFactory(school=school, code="reading")
    pupil = PupilFactory(school=school, year_group=4)
    PupilTargetFactory(pupil=pupil, subject=reading)
    ProgressStatusFactory(pupil=pupil, subject=reading, window=window, actual=20, expected=20, status="on_track")
    services.are_set(school=school, year_group=4, term=3, subject=reading, points=19)
    panel = _panel(client_as(leader, school), pupil)
    assert 'data-band="at"' in panel and "At age-related expectations" in panel and "against 19" in panel
