"""The scales page: every built-in scale explained with its points, the school's own scales (assessment without
levels) created and edited from "label, points" lines, and the scale each subject is judged on."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessment import scales
from assessment.models import SchoolScale, Subject
from tests.assessment.factories import FocusJudgementFactory, JudgementFactory, PupilFactory

pytestmark = pytest.mark.django_db

STEPS = "Working towards, 1\nExpected, 2\nGreater depth, 3"


@pytest.fixture
def url():
    return reverse("assessment:scales")


@pytest.fixture
def admin_client(client_as, school_admin, school, subjects):
    return client_as(school_admin, school)


def _create(client, url, code="wt-exp-gd", name="Without levels", steps=STEPS, **extra):
    return client.post(url, {"action": "scale", "code": code, "name": name, "steps": steps, **extra}, follow=True)


def test_every_built_in_scale_is_listed_with_an_explanation_and_its_points(admin_client, url):
    body = admin_client.get(url).content.decode()
    for scale in scales.BUILTIN_SCALES.values():
        assert f"({scale.code})" in body
    assert "100 is the expected standard" in body  # KS2 scaled scores
    assert "only put the codes in order" in body  # KS2 teacher assessment is ordinal
    assert '<th scope="row">4b</th><td>27</td>' in body


def test_admin_creates_a_school_scale_from_label_and_points_lines(admin_client, url, school):
    response = _create(admin_client, url)
    row = SchoolScale.objects.get(school=school, code="wt-exp-gd")
    assert row.steps == [["Working towards", 1.0], ["Expected", 2.0], ["Greater depth", 3.0]]
    body = response.content.decode()
    assert "Greater depth" in body and '<option value="wt-exp-gd">Without levels</option>' in body


@pytest.mark.parametrize(
    ("code", "steps", "message"),
    [
        ("mine", "Expected, 2\nWorking towards, 1", "points must strictly ascend"),
        ("mine", "Expected, 2\nexpected, 3", "is used twice"),
        ("mine", "Expected two", "needs a label, a comma and its points"),
        ("mine", "Expected, lots\nGreater depth, 3", "is not a number of points"),
        ("mine", "Expected, 2", "at least two steps"),
        ("nc", STEPS, "code of a built-in scale"),
    ],
)
def test_an_invalid_scale_is_refused_with_a_clear_error(admin_client, url, code, steps, message):
    response = _create(admin_client, url, code=code, steps=steps)
    assert message in response.content.decode()
    assert not SchoolScale.objects.exists()


def test_a_code_already_used_is_refused_rather_than_overwritten(admin_client, url, school):
    _create(admin_client, url)
    response = _create(admin_client, url, name="Another", steps="A, 1\nB, 2")
    assert "already has a scale" in response.content.decode()
    assert SchoolScale.objects.get(school=school).name == "Without levels"


def test_admin_edits_a_scale_but_not_its_code(admin_client, url, school):
    _create(admin_client, url)
    row = SchoolScale.objects.get(school=school)
    form = admin_client.get(f"{url}?edit={row.pk}").content.decode()
    assert "Working towards, 1\nExpected, 2\nGreater depth, 3" in form
    _create(admin_client, url, code="changed", name="Renamed", steps=STEPS + "\nMastery, 4", edit=row.pk)
    row.refresh_from_db()
    assert (row.code, row.name, len(row.steps)) == ("wt-exp-gd", "Renamed", 4)
    assert SchoolScale.objects.count() == 1


def test_editing_a_scale_in_use_may_not_move_recorded_judgements(admin_client, url, school, subjects):
    _create(admin_client, url)
    science = subjects["science"]
    science.scale_code = "wt-exp-gd"
    science.save()
    JudgementFactory(pupil=PupilFactory(school=school), subject=science, grade="Expected", points=2)
    row = SchoolScale.objects.get(school=school)
    response = _create(admin_client, url, steps="Working towards, 1\nExpected, 5\nGreater depth, 9", edit=row.pk)
    assert "would lose their meaning" in response.content.decode()
    row.refresh_from_db()
    assert row.steps[1] == ["Expected", 2.0]


def test_admin_sets_a_subjects_scale_to_the_schools_own(admin_client, url, subjects):
    _create(admin_client, url)
    science = subjects["science"]
    response = admin_client.post(
        url, {"action": "subject", "subject": science.pk, "scale_code": "wt-exp-gd"}, follow=True
    )
    science.refresh_from_db()
    assert science.scale_code == "wt-exp-gd"
    assert "Science is now judged on Without levels" in response.content.decode()


def test_a_subject_with_judgements_off_the_new_scale_keeps_its_scale(admin_client, url, school, subjects):
    _create(admin_client, url)
    reading = subjects["reading"]
    FocusJudgementFactory(pupil=PupilFactory(school=school), focus=reading.focuses.first(), grade="4b", points=27)
    response = admin_client.post(
        url, {"action": "subject", "subject": reading.pk, "scale_code": "wt-exp-gd"}, follow=True
    )
    reading.refresh_from_db()
    assert reading.scale_code == "nc_full"
    assert "cannot change" in response.content.decode()


def test_a_subject_moves_between_scales_that_agree_on_its_judgements(admin_client, url, school, subjects):
    reading = subjects["reading"]
    JudgementFactory(pupil=PupilFactory(school=school), subject=reading, grade="4b", points=27)
    admin_client.post(url, {"action": "subject", "subject": reading.pk, "scale_code": "nc"})
    reading.refresh_from_db()
    assert reading.scale_code == "nc"  # 4b is 27 points on both


def test_an_unknown_or_other_schools_scale_cannot_be_chosen(admin_client, url, other_school, subjects):
    SchoolScale.objects.create(school=other_school, code="theirs", name="Theirs", steps=[["A", 1], ["B", 2]])
    reading = subjects["reading"]
    admin_client.post(url, {"action": "subject", "subject": reading.pk, "scale_code": "theirs"})
    reading.refresh_from_db()
    assert reading.scale_code == "nc_full"


def test_another_schools_subject_or_scale_is_not_found(admin_client, url, other_school):
    theirs = SchoolScale.objects.create(school=other_school, code="theirs", name="Theirs", steps=[["A", 1], ["B", 2]])
    assert admin_client.get(f"{url}?edit={theirs.pk}").status_code == 404
    subject = Subject.objects.create(school=other_school, code="reading", name="Reading", group_subject="english")
    response = admin_client.post(url, {"action": "subject", "subject": subject.pk, "scale_code": "nc"})
    assert response.status_code == 404


def test_pupil_page_uses_the_school_scale_labels_and_suggests_on_it(
    client_as, admin_client, url, teacher, school, window, group, pupils, subjects
):
    _create(admin_client, url)
    reading = subjects["reading"]
    reading.scale_code = "wt-exp-gd"
    reading.save()
    pupil = pupils[0]
    for focus, points in zip(reading.focuses.all()[:3], [1, 3, 3], strict=True):
        label = {1: "Working towards", 3: "Greater depth"}[points]
        FocusJudgementFactory(pupil=pupil, focus=focus, window=window, grade=label, points=points)
    page = reverse("assessment:pupil_assess", args=[pupil.pk, reading.pk, window.pk])
    body = client_as(teacher, school).get(page).content.decode()
    assert "Suggested from the focuses: <strong>Greater depth</strong>" in body
    assert '<option value="Expected">Expected</option>' in body


@pytest.mark.parametrize("count", [1, 6])
def test_scales_page_queries_do_not_grow_with_scales(count, admin_client, url, school, django_assert_num_queries):
    for i in range(count):
        SchoolScale.objects.create(school=school, code=f"s{i}", name=f"Scale {i}", steps=[["A", 1], ["B", 2]])
    # session, user, membership (access); school scales; subjects; the session saved (savepoint, update,
    # release) — 8, whatever the number of scales and subjects.
    with django_assert_num_queries(8):
        assert admin_client.get(url).status_code == 200
