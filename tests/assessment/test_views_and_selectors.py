"""Heat map and shared weaknesses, spiky profile, frameworks, pupil panel and annex evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse

from assessment import evidence, panels, selectors
from assessment.frameworks import SUBJECTS, framework_install
from assessment.models import Criterion, Focus, Subject
from schoolpl.access import load_access
from tests.assessment.factories import FocusJudgementFactory, JudgementFactory, pupil_in

pytestmark = pytest.mark.django_db


def _judge(pupil, subject, window, overall_points, focus_points: dict[str, int]):
    scale = selectors.scales.NC_FULL
    JudgementFactory(
        pupil=pupil, subject=subject, window=window, grade=scale.label_for(overall_points), points=overall_points
    )
    for code, points in focus_points.items():
        focus = subject.focuses.get(code=code)
        FocusJudgementFactory(pupil=pupil, focus=focus, window=window, grade=scale.label_for(points), points=points)


def test_framework_install_is_idempotent_and_ships_the_focuses(school):
    first = framework_install(school=school)
    second = framework_install(school=school)
    assert first["subjects"] == len(SUBJECTS) and first["criteria"] > 0
    assert second == {"subjects": 0, "focuses": 0, "criteria": 0}
    assert list(
        Focus.objects.filter(subject__school=school, subject__code="reading").values_list("code", flat=True)
    ) == [f"AF{n}" for n in range(1, 8)]
    assert Focus.objects.filter(subject__school=school, subject__code="writing").count() == 8
    assert Criterion.objects.filter(focus__subject__school=school, level="4").exists()


def test_shared_weaknesses_finds_focuses_where_many_sit_below_their_overall(group, window, reading, pupils):
    # Three of four pupils are below their overall in AF3 (inference); one in AF2.
    for i, pupil in enumerate(pupils):
        _judge(pupil, reading, window, 27, {"AF2": 25 if i == 0 else 27, "AF3": 25 if i < 3 else 29})
    weaknesses = selectors.shared_weaknesses(group, window, reading)
    top = weaknesses[0]
    assert top.focus.code == "AF3" and top.count == 3 and top.judged == 4 and top.share == 0.75
    assert set(top.pupils) == set(pupils[:3])
    af2 = next(w for w in weaknesses if w.focus.code == "AF2")
    assert af2.count == 1


def test_shared_weaknesses_query_count_is_constant(group, window, reading, django_assert_max_num_queries):
    pupils = [pupil_in(group) for _ in range(12)]
    for pupil in pupils:
        _judge(pupil, reading, window, 27, {"AF1": 25, "AF2": 27})
    # windows, focuses, pupils, judgements (one UNION)
    with django_assert_max_num_queries(4):
        selectors.shared_weaknesses(group, window, reading)


def test_heat_map_bands_each_cell_against_the_overall(client_as, teacher, school, group, window, reading, pupils):
    _judge(pupils[0], reading, window, 27, {"AF1": 21, "AF2": 25, "AF3": 27, "AF4": 29, "AF5": 33})
    response = client_as(teacher, school).get(
        f"{reverse('assessment:heat_map')}?group={group.pk}&window={window.pk}&subject={reading.pk}"
    )
    body = response.content.decode()
    for band in ("band-well-below", "band-below", "band-level", "band-above", "band-well-above"):
        assert f'class="{band}"' in body
    assert "Shared weaknesses" in body


def test_band_for_uses_sub_levels():
    assert selectors.band_for(27, 27) == "band-level"
    assert selectors.band_for(25, 27) == "band-below"
    assert selectors.band_for(21, 27) == "band-well-below"
    assert selectors.band_for(33, 27) == "band-well-above"
    assert selectors.band_for(None, 27) == "band-none"


def test_spiky_profile_page_shows_chart_and_table(
    client_as, teacher, school, window, reading, pupils, django_assert_max_num_queries
):
    _judge(pupils[0], reading, window, 27, {"AF1": 21, "AF2": 29})
    client = client_as(teacher, school)
    url = reverse("assessment:pupil_profile", args=[pupils[0].pk]) + f"?window={window.pk}"
    # session, user, membership; pupil, windows, windows judged, subjects, focuses, focus judgements,
    # overall judgements; the session save
    with django_assert_max_num_queries(14):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-chart="spiky-reading"' in body and 'id="spiky-reading"' in body
    assert "AF2 Retrieval" in body and "4a" in body


def test_teacher_cannot_open_a_pupil_profile_outside_their_groups(client_as, teacher, school):
    from tests.pupils.factories import PupilFactory

    stranger = PupilFactory(school=school)
    assert client_as(teacher, school).get(reverse("assessment:pupil_profile", args=[stranger.pk])).status_code == 404


def test_pupil_panel_shows_assessments_over_time(teacher, school, window, previous_window, reading, pupils):
    JudgementFactory(pupil=pupils[0], subject=reading, window=previous_window, grade="3b", points=21)
    JudgementFactory(pupil=pupils[0], subject=reading, window=window, grade="4c", points=25)
    request = RequestFactory().get("/")
    request.access = load_access(teacher, school.pk)
    [panel] = panels.pupil_panels(request, pupils[0])
    assert panel.title == "Assessments over time"
    assert panel.context["config"]["data"]["datasets"][0]["data"] == [21, 25]
    assert panel.context["table"][0]["grades"] == ["3b", "4c"]


def test_pupil_panel_is_empty_for_aggregate_only_roles(sip, school, pupils):
    request = RequestFactory().get("/")
    request.access = load_access(sip, school.pk)
    assert panels.pupil_panels(request, pupils[0]) == []


def test_evidence_3c_gives_the_share_judged_in_the_latest_window(school, window, reading, pupils):
    JudgementFactory(pupil=pupils[0], subject=reading, window=window)
    school.small_count_threshold = 1  # the share itself; small counts are hidden at the default threshold
    [item] = [e for e in evidence.evidence(school, dt.date(2025, 9, 1), dt.date(2025, 12, 31)) if e.item_code == "3c"]
    assert item.value.startswith("25% (1 of 4 pupils on roll in")
    assert "Autumn 2025" in item.method


def test_frameworks_page_lists_focuses_and_scales(client_as, teacher, school, subjects):
    body = client_as(teacher, school).get(reverse("assessment:frameworks")).content.decode()
    assert "AF7 Texts in context" in body and "GCSE grades A*–G" in body
    assert Subject.objects.filter(school=school).count() == 4


def test_spiky_profile_window_list_includes_the_current_window(
    client_as, teacher, school, year, previous_window, reading, pupils
):
    from django.utils import timezone

    from tests.schoolpl.factories import AssessmentWindowFactory

    today = timezone.localdate()
    current = AssessmentWindowFactory(
        academic_year=year,
        name="This term",
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=30),
    )
    AssessmentWindowFactory(
        academic_year=year,
        name="Next term",
        start_date=today + dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=90),
    )
    JudgementFactory(pupil=pupils[0], subject=reading, window=previous_window, grade="3b", points=21)
    body = client_as(teacher, school).get(reverse("assessment:pupil_profile", args=[pupils[0].pk])).content.decode()
    assert f'<option value="{current.pk}"' in body and f'<option value="{previous_window.pk}"' in body
    assert "Next term" not in body
