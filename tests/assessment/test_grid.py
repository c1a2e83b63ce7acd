"""The class grid: page query count, cell saves with optimistic concurrency, refusals that save nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessment import judgements
from assessment.models import FocusJudgement, Judgement
from pupils.models import Pupil
from tests.assessment.factories import FocusJudgementFactory, JudgementFactory, pupil_in
from tests.pupils.factories import PupilFactory

pytestmark = pytest.mark.django_db


def grid_url(group, window, subject):
    return f"{reverse('assessment:grid')}?group={group.pk}&window={window.pk}&subject={subject.pk}"


def cell_url(group, window, subject):
    return reverse("assessment:grid_cell", args=[group.pk, window.pk, subject.pk])


def _fill(group, pupils, window, previous, subject):
    focuses = list(subject.focuses.all())
    for pupil in pupils:
        JudgementFactory(pupil=pupil, subject=subject, window=window)
        JudgementFactory(pupil=pupil, subject=subject, window=previous, grade="4c", points=25)
        for focus in focuses:
            FocusJudgementFactory(pupil=pupil, focus=focus, window=window)
            FocusJudgementFactory(pupil=pupil, focus=focus, window=previous, grade="3a", points=23)


@pytest.mark.parametrize("class_size", [3, 34])
def test_grid_query_count_is_constant_in_class_size(
    class_size, client_as, teacher, school, group, window, previous_window, subjects, django_assert_max_num_queries
):
    writing = subjects["writing"]  # eight focuses: the budget's 34 × 8
    pupils = [pupil_in(group) for _ in range(class_size)]
    _fill(group, pupils, window, previous_window, writing)
    client = client_as(teacher, school)
    # session, user, membership (access); groups, windows, subjects (choosers); focuses, pupils,
    # focus judgements (this and last window), overall judgements (both windows) — 10; the flags and the
    # notes hooks (targets' status rows, interventions' pupil passports) — 2; with 1 to spare.
    with django_assert_max_num_queries(13):
        response = client.get(grid_url(group, window, writing))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="form-control form-control-sm grid-input') == class_size * 9
    assert "3a" in body  # last window's value beside the cell


def test_grid_labels_each_cell_for_screen_readers(client_as, teacher, school, group, window, reading, pupils):
    response = client_as(teacher, school).get(grid_url(group, window, reading))
    pupil = pupils[0]
    assert f'aria-label="{pupil.display_name}, AF2 Retrieval, Autumn 2025"' in response.content.decode()


def test_teacher_records_a_new_focus_judgement_with_history(client_as, teacher, school, group, window, reading, pupils):
    focus = reading.focuses.get(code="AF2")
    response = client_as(teacher, school).post(
        cell_url(group, window, reading), {"pupil": pupils[0].pk, "focus": focus.pk, "grade": "4 secure", "version": 0}
    )
    assert response.status_code == 200
    saved = FocusJudgement.objects.get(pupil=pupils[0], focus=focus, window=window)
    assert (saved.grade, saved.points, saved.version, saved.judged_by) == ("4b", 27, 1, teacher)
    assert saved.history.get().history_user == teacher
    assert "Saved" in response.content.decode()
    assert 'id="suggest-' in response.content.decode()  # the suggested overall is refreshed alongside


def test_changing_a_cell_bumps_its_version_and_keeps_every_change(
    client_as, teacher, school, group, window, reading, pupils
):
    client = client_as(teacher, school)
    url = cell_url(group, window, reading)
    client.post(url, {"pupil": pupils[0].pk, "grade": "3c", "version": 0})
    client.post(url, {"pupil": pupils[0].pk, "grade": "3b", "version": 1})
    judgement = Judgement.objects.get(pupil=pupils[0], subject=reading, window=window)
    assert (judgement.grade, judgement.version) == ("3b", 2)
    history = list(judgement.history.order_by("history_date").values_list("grade", "history_type", "history_user"))
    assert history == [("3c", "+", teacher.pk), ("3b", "~", teacher.pk)]


def test_a_colleagues_edit_is_shown_never_overwritten(
    client_as, teacher, leader, school, group, window, reading, pupils, access_for
):
    client = client_as(teacher, school)
    url = cell_url(group, window, reading)
    client.post(url, {"pupil": pupils[0].pk, "grade": "3c", "version": 0})
    # The leader changes it from another browser, having seen version 1.
    judgements.judgement_record(
        access=access_for(leader), group=group, window=window, subject=reading, pupil_id=pupils[0].pk,
        grade="4c", expected_version=1,
    )  # fmt: skip
    # The teacher, still looking at version 1, types 3a.
    response = client.post(url, {"pupil": pupils[0].pk, "grade": "3a", "version": 1})
    body = response.content.decode()
    judgement = Judgement.objects.get(pupil=pupils[0], subject=reading, window=window)
    assert (judgement.grade, judgement.version) == ("4c", 2)
    assert "changed this to <strong>4c</strong>" in body
    assert "Keep mine (3a)" in body and "Use theirs" in body
    # "Keep mine" sends the colleague's version: a deliberate overwrite.
    client.post(url, {"pupil": pupils[0].pk, "grade": "3a", "version": 2})
    judgement.refresh_from_db()
    assert (judgement.grade, judgement.version) == ("3a", 3)


def test_two_colleagues_creating_the_same_cell_do_not_both_win(
    teacher, leader, group, window, reading, pupils, access_for
):
    first = judgements.judgement_record(
        access=access_for(teacher), group=group, window=window, subject=reading, pupil_id=pupils[1].pk,
        grade="2a", expected_version=0,
    )  # fmt: skip
    second = judgements.judgement_record(
        access=access_for(leader), group=group, window=window, subject=reading, pupil_id=pupils[1].pk,
        grade="3c", expected_version=0,
    )  # fmt: skip
    assert first.status == "saved"
    assert second.conflict and second.grade == "2a" and second.attempted == "3c"
    assert Judgement.objects.get(pupil=pupils[1], subject=reading, window=window).grade == "2a"


def test_use_theirs_shows_the_current_value(client_as, teacher, school, group, window, reading, pupils):
    JudgementFactory(pupil=pupils[0], subject=reading, window=window, grade="5c", points=31, version=4)
    response = client_as(teacher, school).get(
        cell_url(group, window, reading), {"pupil": pupils[0].pk, "focus": "", "version": 0}
    )
    body = response.content.decode()
    assert 'value="5c"' in body and "&quot;version&quot;: &quot;4&quot;" in body


def test_emptying_a_cell_removes_the_judgement(client_as, teacher, school, group, window, reading, pupils):
    JudgementFactory(pupil=pupils[0], subject=reading, window=window)
    response = client_as(teacher, school).post(
        cell_url(group, window, reading), {"pupil": pupils[0].pk, "grade": "", "version": 1}
    )
    assert response.status_code == 200
    assert not Judgement.objects.filter(pupil=pupils[0], window=window).exists()


@pytest.mark.parametrize("grade", ["A*", "EXS", "9", "level four", "P9"])
def test_a_grade_from_another_scale_is_refused_and_nothing_saved(
    grade, client_as, teacher, school, group, window, reading, pupils
):
    response = client_as(teacher, school).post(
        cell_url(group, window, reading), {"pupil": pupils[0].pk, "grade": grade, "version": 0}
    )
    body = response.content.decode()
    assert "is not a grade on the" in body and "Nothing was saved." in body
    assert not Judgement.objects.exists()


def test_a_closed_window_is_refused_and_nothing_saved(
    client_as, teacher, school, group, previous_window, reading, pupils
):
    response = client_as(teacher, school).post(
        cell_url(group, previous_window, reading), {"pupil": pupils[0].pk, "grade": "4b", "version": 0}
    )
    assert "Summer 2025 is closed" in response.content.decode()
    assert not Judgement.objects.exists()


def test_a_pupil_not_in_the_group_is_refused_and_nothing_saved(
    client_as, leader, school, group, window, reading, pupils
):
    elsewhere = PupilFactory(school=school)
    response = client_as(leader, school).post(
        cell_url(group, window, reading), {"pupil": elsewhere.pk, "grade": "4b", "version": 0}
    )
    assert "not currently a member of 6B" in response.content.decode()
    assert not Judgement.objects.exists()


def test_a_pupil_the_teacher_cannot_see_is_not_found(client_as, teacher, school, group, window, reading):
    stranger = PupilFactory(school=school)
    response = client_as(teacher, school).post(
        cell_url(group, window, reading), {"pupil": stranger.pk, "grade": "4b", "version": 0}
    )
    assert response.status_code == 404
    assert not Judgement.objects.exists()


def test_a_subject_not_taught_in_the_group_is_refused(client_as, teacher, school, group, window, subjects, pupils):
    maths = subjects["maths"]
    response = client_as(teacher, school).post(
        cell_url(group, window, maths), {"pupil": pupils[0].pk, "grade": "4b", "version": 0}
    )
    assert "is not assessed in 6B" in response.content.decode()
    assert not Judgement.objects.exists()


def test_senco_reads_the_grid_but_cannot_save(client_as, senco, school, group, window, reading, pupils):
    client = client_as(senco, school)
    page = client.get(grid_url(group, window, reading))
    assert page.status_code == 200 and "grid-input" not in page.content.decode()
    response = client.post(cell_url(group, window, reading), {"pupil": pupils[0].pk, "grade": "4b", "version": 0})
    assert response.status_code == 403
    assert not Judgement.objects.exists()


def test_teacher_of_another_group_cannot_save(client_as, teacher, school, year, window, reading):
    from tests.pupils.factories import TeachingGroupFactory

    other = TeachingGroupFactory(academic_year=year, subject="english", name="6C")
    pupil = pupil_in(other)
    response = client_as(teacher, school).post(
        cell_url(other, window, reading), {"pupil": pupil.pk, "grade": "4b", "version": 0}
    )
    assert response.status_code == 404
    assert not Judgement.objects.exists()


def test_every_change_publishes_judgements_changed(monkeypatch, teacher, group, window, reading, pupils, access_for):
    calls = []
    monkeypatch.setattr(judgements.events, "publish", lambda event, **kw: calls.append((event, kw)))
    judgements.judgement_record(
        access=access_for(teacher), group=group, window=window, subject=reading, pupil_id=pupils[0].pk,
        grade="4b", expected_version=0,
    )  # fmt: skip
    assert calls == [
        ("judgements_changed", {"school_id": group.school_id, "pupil_ids": [pupils[0].pk], "subject_ids": [reading.pk]})
    ]


def test_refused_cells_publish_nothing(monkeypatch, teacher, group, window, reading, pupils, access_for):
    calls = []
    monkeypatch.setattr(judgements.events, "publish", lambda event, **kw: calls.append(event))
    with pytest.raises(judgements.CellRefused):
        judgements.judgement_record(
            access=access_for(teacher), group=group, window=window, subject=reading, pupil_id=pupils[0].pk,
            grade="Z", expected_version=0,
        )  # fmt: skip
    assert calls == []


def test_grid_exports_csv(client_as, teacher, school, group, window, reading, pupils):
    response = client_as(teacher, school).get(grid_url(group, window, reading) + "&format=csv")
    assert response.status_code == 200
    assert pupils[0].display_name in response.content.decode()


def test_archived_pupils_leave_the_grid(client_as, teacher, school, group, window, reading, pupils):
    from django.utils import timezone

    Pupil.objects.filter(pk=pupils[0].pk).update(archived_at=timezone.now())
    body = client_as(teacher, school).get(grid_url(group, window, reading)).content.decode()
    assert pupils[0].display_name not in body and pupils[1].display_name in body
