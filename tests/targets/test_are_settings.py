"""The school's own age-related expectations: set, resolved over the default line, audited, and edited
on the target settings page by leaders only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import sign_in
from targets import expectations, selectors, services
from targets.models import AgeRelatedExpectation
from tests.targets.factories import SubjectFactory

pytestmark = pytest.mark.django_db


def test_overrides_resolve_subject_then_all_then_default(school):
    reading = SubjectFactory(school=school, code="reading")
    maths = SubjectFactory(school=school, code="maths")
    services.are_set(school=school, year_group=4, term=3, subject=None, points=20)
    services.are_set(school=school, year_group=4, term=3, subject=reading, points=22)
    overrides = selectors.are_overrides(school.pk)
    assert expectations.expectation_for(4, 3, reading.pk, overrides) == 22
    assert expectations.expectation_for(4, 3, maths.pk, overrides) == 20
    assert expectations.expectation_for(4, 2, maths.pk, overrides) == 20  # default: 21 - 1


def test_setting_again_replaces_and_is_audited(school):
    services.are_set(school=school, year_group=2, term=3, points=16)
    row = services.are_set(school=school, year_group=2, term=3, points=14)
    assert AgeRelatedExpectation.objects.filter(school=school).count() == 1
    assert row.points == 14 and row.history.count() == 2


def test_another_schools_subject_is_refused(school, other_school):
    theirs = SubjectFactory(school=other_school, code="reading")
    with pytest.raises(ValidationError):
        services.are_set(school=school, year_group=2, term=3, subject=theirs, points=15)


def test_leader_sets_and_removes_an_expectation_on_the_settings_page(client, school, leader):
    reading = SubjectFactory(school=school, code="reading")
    sign_in(client, leader, school)
    page = client.get(reverse("targets:settings")).content.decode()
    assert "Age-related expectations" in page and 'id="are-table"' in page
    response = client.post(
        reverse("targets:settings"),
        {"are_set": "1", "year_group": "4", "term": "3", "subject": str(reading.pk), "points": "22"},
    )
    assert response.status_code == 302
    row = AgeRelatedExpectation.objects.get(school=school)
    assert (row.year_group, row.term, row.subject_id, row.points) == (4, 3, reading.pk, 22)
    page = client.get(reverse("targets:settings")).content.decode()
    assert "text-bg-info" not in page  # a subject's own ARE does not change the all-subjects table
    assert "Year 4, Summer, Reading: 22" in " ".join(page.split())
    assert client.post(reverse("targets:settings"), {"are_remove": str(row.pk)}).status_code == 302
    assert not AgeRelatedExpectation.objects.filter(school=school).exists()


def test_bad_points_are_refused_with_the_form_shown_again(client, school, leader):
    sign_in(client, leader, school)
    response = client.post(
        reverse("targets:settings"), {"are_set": "1", "year_group": "4", "term": "3", "points": "-1"}
    )
    assert response.status_code == 200 and not AgeRelatedExpectation.objects.exists()


def test_all_subjects_override_is_marked_in_the_table(client, school, leader):
    services.are_set(school=school, year_group=6, term=3, points=26)
    sign_in(client, leader, school)
    page = client.get(reverse("targets:settings")).content.decode()
    table = page.split('id="are-table"')[1].split("</table>")[0]
    assert table.count("text-bg-info") == 1 and "26" in table


def test_teacher_cannot_post_expectations(client, school, teacher):
    sign_in(client, teacher, school)
    response = client.post(reverse("targets:settings"), {"are_set": "1", "year_group": "4", "term": "3", "points": "2"})
    assert response.status_code in (403, 404) and not AgeRelatedExpectation.objects.exists()


def test_remove_cannot_touch_another_schools_row(client, school, other_school, leader):
    theirs = services.are_set(school=other_school, year_group=2, term=3, points=15)
    sign_in(client, leader, school)
    client.post(reverse("targets:settings"), {"are_remove": str(theirs.pk)})
    assert AgeRelatedExpectation.objects.filter(pk=theirs.pk).exists()


def test_the_settings_page_shows_its_expectations_once_and_a_plain_title(client, school, leader):
    """A merged edit had copied the section into the page's <title> block: twice on the page, markup in the
    browser tab."""
    import re

    sign_in(client, leader, school)
    page = client.get(reverse("targets:settings")).content.decode()
    assert page.count('id="are-table"') == 1
    (title,) = re.findall(r"<title>(.*?)</title>", page, flags=re.S)
    assert "<" not in title and "Target settings" in title
