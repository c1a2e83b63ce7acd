"""A pupil's assessment page: each focus's judgement with the criteria met, the overall judgement beside the
suggested overall, the grid's permissions, closed windows read-only, and a constant number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessment.models import Criterion, FocusJudgement, Judgement
from tests.assessment.factories import FocusJudgementFactory, JudgementFactory, pupil_in, taught_group
from tests.schoolpl.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def assess_url(pupil, subject, window):
    return reverse("assessment:pupil_assess", args=[pupil.pk, subject.pk, window.pk])


@pytest.fixture
def pupil(pupils):
    return pupils[0]


@pytest.fixture
def af2(reading):
    return reading.focuses.get(code="AF2")


def test_grid_links_each_pupil_name_to_their_assessment_page(client_as, teacher, school, group, window, reading, pupil):
    url = f"{reverse('assessment:grid')}?group={group.pk}&window={window.pk}&subject={reading.pk}"
    body = client_as(teacher, school).get(url).content.decode()
    assert f'href="{assess_url(pupil, reading, window)}"' in body


def test_spiky_profile_links_each_subject_to_the_assessment_page(client_as, teacher, school, window, reading, pupil):
    JudgementFactory(pupil=pupil, subject=reading, window=window)
    body = client_as(teacher, school).get(reverse("assessment:pupil_profile", args=[pupil.pk])).content.decode()
    assert assess_url(pupil, reading, window) in body


def test_page_shows_each_focus_with_its_criteria_by_level_and_the_met_ones_ticked(
    client_as, teacher, school, window, reading, pupil, af2
):
    criterion = Criterion.objects.filter(focus=af2).order_by("level", "order").first()
    judgement = FocusJudgementFactory(pupil=pupil, focus=af2, window=window, grade="4b", points=27)
    judgement.criteria_met.add(criterion)
    response = client_as(teacher, school).get(assess_url(pupil, reading, window))
    assert response.status_code == 200
    body = response.content.decode()
    for focus in reading.focuses.all():
        assert f'id="focus-{focus.pk}"' in body
    assert f"Level {criterion.level}" in body
    assert f'value="{criterion.pk}" id="crit-{criterion.pk}" checked' in body
    other = Criterion.objects.filter(focus=af2).exclude(pk=criterion.pk).first()
    assert f'value="{other.pk}" id="crit-{other.pk}">' in body  # not met: not ticked
    assert '<option value="4b" selected>4b</option>' in body  # the scale's labels, the current one chosen


def test_suggested_overall_is_shown_beside_the_overall_but_never_saved(
    client_as, teacher, school, window, reading, pupil
):
    focuses = list(reading.focuses.all()[:3])
    for focus, (grade, points) in zip(focuses, [("3a", 23), ("4c", 25), ("4b", 27)], strict=True):
        FocusJudgementFactory(pupil=pupil, focus=focus, window=window, grade=grade, points=points)
    body = client_as(teacher, school).get(assess_url(pupil, reading, window)).content.decode()
    assert "Suggested from the focuses: <strong>4c</strong>" in body  # the median of 23, 25, 27
    assert '<option value="4c">4c (suggested)</option>' in body
    assert not Judgement.objects.filter(pupil=pupil, subject=reading, window=window).exists()


def test_teacher_saves_a_focus_judgement_and_the_criteria_met_audited(
    client_as, teacher, school, window, reading, pupil, af2
):
    ticked = list(Criterion.objects.filter(focus=af2).values_list("pk", flat=True)[:2])
    response = client_as(teacher, school).post(
        assess_url(pupil, reading, window), {"focus": af2.pk, "grade": "4b", "version": 0, "criteria": ticked}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#focus-{af2.pk}")
    saved = FocusJudgement.objects.get(pupil=pupil, focus=af2, window=window)
    assert (saved.grade, saved.points, saved.judged_by) == ("4b", 27, teacher)
    assert set(saved.criteria_met.values_list("pk", flat=True)) == set(ticked)
    history = list(saved.history.order_by("history_date"))
    assert history[0].history_type == "+" and history[-1].history_type == "~"
    assert {h.history_user for h in history} == {teacher}
    assert set(history[-1].criteria_met.values_list("criterion_id", flat=True)) == set(ticked)


def test_changing_only_the_criteria_keeps_the_grade_and_bumps_the_version(
    client_as, teacher, school, window, reading, pupil, af2
):
    judgement = FocusJudgementFactory(pupil=pupil, focus=af2, window=window, grade="4b", points=27, version=3)
    criterion = Criterion.objects.filter(focus=af2).first()
    client_as(teacher, school).post(
        assess_url(pupil, reading, window), {"focus": af2.pk, "grade": "4b", "version": 3, "criteria": [criterion.pk]}
    )
    judgement.refresh_from_db()
    assert (judgement.grade, judgement.version) == ("4b", 4)
    assert list(judgement.criteria_met.all()) == [criterion]


def test_a_stale_version_saves_nothing_and_says_who_changed_it(
    client_as, teacher, leader, school, window, reading, pupil, af2
):
    judgement = FocusJudgementFactory(pupil=pupil, focus=af2, window=window, grade="3a", points=23, version=2)
    judgement.judged_by = leader
    judgement.save()
    criterion = Criterion.objects.filter(focus=af2).first()
    client = client_as(teacher, school)
    response = client.post(
        assess_url(pupil, reading, window),
        {"focus": af2.pk, "grade": "5c", "version": 1, "criteria": [criterion.pk]},
        follow=True,
    )
    judgement.refresh_from_db()
    assert (judgement.grade, judgement.version) == ("3a", 2)
    assert not judgement.criteria_met.exists()
    body = response.content.decode()
    assert "was not saved" in body and "3a" in body


def test_criteria_from_another_focus_are_refused(client_as, teacher, school, window, reading, pupil, af2):
    elsewhere = Criterion.objects.filter(focus__subject=reading).exclude(focus=af2).first()
    response = client_as(teacher, school).post(
        assess_url(pupil, reading, window),
        {"focus": af2.pk, "grade": "4b", "version": 0, "criteria": [elsewhere.pk]},
        follow=True,
    )
    assert not FocusJudgement.objects.filter(pupil=pupil, focus=af2).exists()  # all or nothing
    assert "do not belong to this assessment focus" in response.content.decode()


def test_criteria_need_a_judgement_for_the_focus(client_as, teacher, school, window, reading, pupil, af2):
    criterion = Criterion.objects.filter(focus=af2).first()
    response = client_as(teacher, school).post(
        assess_url(pupil, reading, window),
        {"focus": af2.pk, "grade": "", "version": 0, "criteria": [criterion.pk]},
        follow=True,
    )
    assert not FocusJudgement.objects.exists()
    assert "before marking criteria" in response.content.decode()


def test_teacher_records_the_overall_judgement_through_the_versioned_service(
    client_as, teacher, school, window, reading, pupil
):
    client = client_as(teacher, school)
    url = assess_url(pupil, reading, window)
    client.post(url, {"grade": "4c", "version": 0})
    client.post(url, {"grade": "4b", "version": 1})
    judgement = Judgement.objects.get(pupil=pupil, subject=reading, window=window)
    assert (judgement.grade, judgement.points, judgement.version) == ("4b", 27, 2)
    assert judgement.history.count() == 2


def test_senco_reads_but_may_not_save(client_as, senco, school, window, reading, pupil, af2):
    client = client_as(senco, school)
    body = client.get(assess_url(pupil, reading, window)).content.decode()
    assert 'name="grade"' not in body and "only the pupil" in body
    response = client.post(assess_url(pupil, reading, window), {"focus": af2.pk, "grade": "4b", "version": 0})
    assert response.status_code == 403
    assert not FocusJudgement.objects.exists()


def test_closed_window_is_read_only(client_as, teacher, school, previous_window, reading, pupil, af2):
    client = client_as(teacher, school)
    url = assess_url(pupil, reading, previous_window)
    body = client.get(url).content.decode()
    assert "is closed" in body and 'name="grade"' not in body
    response = client.post(url, {"focus": af2.pk, "grade": "4b", "version": 0}, follow=True)
    assert "Nothing was saved" in response.content.decode()
    assert not FocusJudgement.objects.exists()


def test_teacher_of_another_subject_reads_but_cannot_record(client_as, teacher, school, year, window, subjects):
    maths_group = taught_group(teacher, year, name="6M", subject="maths")
    pupil = pupil_in(maths_group)  # the teacher teaches this pupil maths, not English
    reading = subjects["reading"]
    focus = reading.focuses.first()
    client = client_as(teacher, school)
    assert "You do not teach" in client.get(assess_url(pupil, reading, window)).content.decode()
    client.post(assess_url(pupil, reading, window), {"focus": focus.pk, "grade": "4b", "version": 0})
    assert not FocusJudgement.objects.exists()


def test_leader_records_for_any_group(client_as, leader, school, window, reading, pupil, af2):
    client_as(leader, school).post(assess_url(pupil, reading, window), {"focus": af2.pk, "grade": "5c", "version": 0})
    assert FocusJudgement.objects.get(pupil=pupil, focus=af2).judged_by == leader


def test_pupil_the_teacher_does_not_teach_is_not_found(client_as, teacher, school, year, window, reading):
    colleague = UserFactory()
    MembershipFactory(user=colleague, school=school, role="teacher")
    stranger = pupil_in(taught_group(colleague, year, name="6C", subject="english"))
    assert client_as(teacher, school).get(assess_url(stranger, reading, window)).status_code == 404


def test_sip_is_refused_and_another_school_gets_not_found(
    client_as, sip, outsider, other_school, school, window, reading, pupil
):
    url = assess_url(pupil, reading, window)
    assert client_as(sip, school).get(url).status_code == 403
    assert client_as(outsider, other_school).get(url).status_code == 404


@pytest.mark.parametrize("judged", [1, 8])
def test_query_count_is_constant_whatever_the_focuses_criteria_and_class_size(
    judged, client_as, teacher, school, group, window, reading, pupils, django_assert_num_queries
):
    for _ in range(judged * 4):
        pupil_in(group)  # classmates do not add queries
    pupil = pupils[0]
    for focus in list(reading.focuses.all())[:judged]:
        fj = FocusJudgementFactory(pupil=pupil, focus=focus, window=window)
        fj.criteria_met.set(Criterion.objects.filter(focus=focus))
    JudgementFactory(pupil=pupil, subject=reading, window=window)
    client = client_as(teacher, school)
    # session, user, membership (access); pupil, subject, windows; the group the teacher records for;
    # focuses with criteria (one LEFT JOIN), focus judgements, criteria met, overall judgement; the session
    # saved on every request (savepoint, update, release) — exactly 14 with 1 or 8 focuses judged.
    with django_assert_num_queries(14):
        response = client.get(assess_url(pupil, reading, window))
    assert response.status_code == 200
