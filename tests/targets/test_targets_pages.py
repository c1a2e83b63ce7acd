"""Target pages and services: proposals kept when a target is adjusted, pupil voice, the layered tree,
notifications, and pinned query counts on the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import sign_in
from targets import recompute, services
from targets.models import CurricularTarget, Notification, PupilTarget, TargetReview
from tests.targets.factories import (
    CurricularTargetFactory,
    JudgementFactory,
    NotificationFactory,
    PupilFactory,
    SubjectFactory,
)

pytestmark = pytest.mark.django_db


def test_proposals_use_the_policy_and_adjusting_keeps_the_proposal(school, tracked, leader):
    newcomer = PupilFactory(school=school, year_group=3)
    JudgementFactory(pupil=newcomer, subject=tracked["reading"], window=tracked["windows"][0], points=15)
    result = services.target_propose(
        school=school, pupil_ids=[newcomer.pk], subject_ids=[tracked["reading"].pk], today=dt.date(2025, 10, 1)
    )
    assert result.created == 1
    target = PupilTarget.objects.get(pupil=newcomer)
    # Baseline Dec 2023 → end of Year 6 (July 2029): 5.6 years × 4 points a year (the fixture school's rate)
    # = 37.3, which lands on the step at or below: 37 (6c).
    assert target.status == "proposed" and target.baseline_points == 15
    assert target.proposed_points == target.target_points == 37
    assert target.proposal_basis.startswith("expected progress")
    services.target_adjust(target=target, target_points=36, by=leader)  # between 5a (35) and 6c (37)
    target.refresh_from_db()
    assert (target.status, target.target_points) == ("active", 35)
    assert target.proposed_points == 37  # the proposal is kept
    # Proposing again leaves an accepted target alone.
    assert services.target_propose(school=school, pupil_ids=[newcomer.pk]).skipped_active == 1


def test_a_target_below_the_baseline_is_refused(school, tracked):
    target = PupilTarget.objects.get(pupil=tracked["steady"])
    with pytest.raises(ValidationError):
        services.target_adjust(target=target, target_points=10)


def test_levels_must_narrow_from_school_to_pupil(school, tracked):
    top = CurricularTargetFactory(school=school, subject=tracked["reading"])
    year = services.curricular_target_derive(parent=top, level="year", text="Year 6 infer", year_group=6)
    with pytest.raises(ValidationError):
        services.curricular_target_derive(parent=year, level="school", text="wider")
    with pytest.raises(ValidationError):  # a pupil of another year group
        services.curricular_target_derive(
            parent=year, level="pupil", text="x", pupil=PupilFactory(school=school, year_group=2)
        )
    klass = services.curricular_target_derive(
        parent=year, level="class", text="6B infer", teaching_group=tracked["english"]
    )
    outsider = PupilFactory(school=school)
    with pytest.raises(ValidationError):  # not in the class
        services.curricular_target_derive(parent=klass, level="pupil", text="x", pupil=outsider)
    mine = services.curricular_target_derive(
        parent=klass,
        level="pupil",
        term="short",
        text="Explain why",
        pupil=tracked["flat"],
        pupil_words="I will say why",
    )
    assert mine.parent == klass and mine.subject == tracked["reading"]
    with pytest.raises(ValidationError):  # longer-term than the parent
        services.curricular_target_derive(parent=mine, level="pupil", term="long", text="x", pupil=tracked["flat"])


def test_teacher_sets_a_pupil_target_in_the_pupils_words(client, school, teacher, tracked):
    sign_in(client, teacher, school)
    pupil = tracked["steady"]
    response = client.post(
        reverse("targets:pupil_target_new", kwargs={"pk": pupil.pk}),
        {
            "text": "Use evidence from the text",
            "pupil_words": "I will find a quote",
            "agreed_with_pupil": "on",
            "term": "short",
        },
    )
    assert response.status_code == 302
    target = CurricularTarget.objects.get(pupil=pupil)
    assert (target.level, target.pupil_words, target.agreed_with_pupil) == ("pupil", "I will find a quote", True)
    page = client.get(reverse("targets:pupil", kwargs={"pk": pupil.pk})).content.decode()
    assert "I will find a quote" in page and "Agreed with" in page
    client.post(
        reverse("targets:review_add", kwargs={"pk": target.pk}),
        {"reviewed_on": "2025-10-01", "outcome": "achieved", "pupil_comment": "I did it"},
    )
    target.refresh_from_db()
    assert target.status == "achieved"
    assert TargetReview.objects.get(target=target).pupil_comment == "I did it"


def test_teacher_cannot_open_another_classs_pupil(client, school, teacher):
    sign_in(client, teacher, school)
    stranger = PupilFactory(school=school)
    assert client.get(reverse("targets:pupil", kwargs={"pk": stranger.pk})).status_code == 404


def test_leader_follows_a_whole_school_target_down_to_pupils(
    client, school, leader, tracked, django_assert_max_num_queries
):
    top = CurricularTargetFactory(school=school, subject=tracked["reading"], text="Inference across the school")
    year = services.curricular_target_derive(parent=top, level="year", text="Y6 inference", year_group=6)
    klass = services.curricular_target_derive(
        parent=year, level="class", text="6B inference", teaching_group=tracked["english"]
    )
    group = services.curricular_target_derive(
        parent=klass, level="group", text="AF3 group", group_pupils=[tracked["flat"], tracked["slipping"]]
    )
    services.curricular_target_derive(parent=group, level="pupil", text="Say why", pupil=tracked["flat"])
    sign_in(client, leader, school)
    # session, user, membership, target, all targets, group pupils prefetch, visible pupils, reviews (+ savepoints)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("targets:curricular_detail", kwargs={"pk": top.pk})).content.decode()
    for text in ("Y6 inference", "6B inference", "AF3 group", "Say why", tracked["flat"].display_name):
        assert text in page
    assert "reaching <strong>1</strong> pupil" in page


def test_curricular_list_query_count_does_not_grow_with_targets(client, school, leader, django_assert_max_num_queries):
    sign_in(client, leader, school)
    for _ in range(3):
        CurricularTargetFactory(school=school)
    # session, user, memberships, the targets with their child counts and subjects (one query)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("targets:curricular_list")).status_code == 200
    for _ in range(20):
        CurricularTargetFactory(school=school)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("targets:curricular_list")).status_code == 200
    assert client.get(reverse("targets:curricular_list") + "?format=csv")["Content-Type"].startswith("text/csv")


def test_notifications_list_and_mark_read(client, school, teacher, django_assert_max_num_queries):
    for _ in range(5):
        NotificationFactory(school=school, user=teacher)
    sign_in(client, teacher, school)
    # session, user, memberships, notifications
    with django_assert_max_num_queries(8):
        assert client.get(reverse("targets:notifications")).status_code == 200
    client.post(reverse("targets:notifications"), {"all": "1"})
    assert not Notification.objects.filter(user=teacher, read_at__isnull=True).exists()


def test_teacher_home_lists_their_pupils_off_trajectory(
    client, school, teacher, tracked, django_assert_max_num_queries
):
    recompute.progress_recompute(school_id=school.pk)
    sign_in(client, teacher, school)
    with django_assert_max_num_queries(25):  # every app's panels; ours: notifications, count, off-trajectory list
        page = client.get(reverse("home")).content.decode()
    assert "Your pupils off trajectory" in page
    assert "Flat Pupil" in page and "Slipping Pupil" in page and "Steady Pupil" not in page.split("off trajectory")[1]


def test_settings_are_validated_by_the_trajectory_thresholds(client, school, leader):
    sign_in(client, leader, school)
    data = {
        "policy": "expected_plus",
        "expected_points_per_year": "3",
        "stretch_points": "2",
        "percentile": "75",
        "min_history": "10",
        "ahead_by": "2",
        "behind_by": "5",
        "well_behind_by": "4",  # not beyond "behind": refused
        "stuck_windows": "2",
    }
    response = client.post(reverse("targets:settings"), data)
    assert response.status_code == 200 and "well_behind_by" in response.content.decode()
    data["well_behind_by"] = "6"
    assert client.post(reverse("targets:settings"), data).status_code == 302
    school.target_settings.refresh_from_db()
    assert school.target_settings.policy == "expected_plus"


def test_api_progress_is_filtered_and_scoped(client, school, teacher, sip, tracked):
    recompute.progress_recompute(school_id=school.pk)
    sign_in(client, teacher, school)
    data = client.get("/api/v1/progress/", {"status": "behind", "latest": "true"}).json()
    assert [r["pupil"] for r in data["results"]] == [tracked["slipping"].pk]
    group = client.get("/api/v1/progress/", {"group": tracked["maths_group"].pk}).json()
    assert group["count"] == 0  # teacher does not teach the maths set
    assert client.get("/api/v1/targets/").json()["count"] == 3
    sign_in(client, sip, school)
    assert client.get("/api/v1/progress/").status_code == 403


def test_group_target_proposed_from_shared_weaknesses(client, school, teacher, tracked):
    from tests.targets.factories import FocusFactory, FocusJudgementFactory

    window, reading = tracked["windows"][5], tracked["reading"]
    af3 = FocusFactory(subject=reading, code="AF3", name="Inference")
    for name in ("steady", "slipping"):
        FocusJudgementFactory(pupil=tracked[name], focus=af3, window=window, points=15)
    sign_in(client, teacher, school)
    url = reverse("targets:group_proposal", kwargs={"pk": tracked["english"].pk})
    page = client.get(url, {"subject": reading.pk, "window": window.pk}).content.decode()
    assert "AF3 Inference: 2 pupils" in page
    client.post(f"{url}?subject={reading.pk}&window={window.pk}", {"focus": af3.pk, "text": "Infer", "term": "medium"})
    target = CurricularTarget.objects.get(level="group")
    assert set(target.group_pupils.all()) == {tracked["steady"], tracked["slipping"]}
    assert list(target.focuses.all()) == [af3]


def test_weekly_digest_emails_each_teacher_once_a_week(school, teacher, tracked, mailoutbox):
    teacher.email = "teacher@example.org"
    teacher.save()
    recompute.progress_recompute(school_id=school.pk)
    assert recompute.digest_send_weekly(today=dt.date(2025, 10, 6)) == 1
    assert recompute.digest_send_weekly(today=dt.date(2025, 10, 7)) == 0  # same week
    assert "Flat Pupil" in mailoutbox[0].body


def test_evidence_gives_aggregates_only(school, tracked):
    from targets.evidence import evidence

    recompute.progress_recompute(school_id=school.pk)
    items = {(e.item_code, e.label): e.value for e in evidence(school, dt.date(2023, 9, 1), dt.date(2025, 8, 31))}
    # 2 of 3 pupils: a SIP reads the annex, so counts under the school's threshold (5) are hidden.
    assert items[("2b", "Pupils off trajectory in Summer 2025")] == (
        "<5 pupils on roll with a trajectory in Summer 2025: figures hidden"
    )
    from schoolpl.models import School

    School.objects.filter(pk=school.pk).update(small_count_threshold=2)
    school.refresh_from_db()
    items = {(e.item_code, e.label): e.value for e in evidence(school, dt.date(2023, 9, 1), dt.date(2025, 8, 31))}
    assert items[("2b", "Pupils off trajectory in Summer 2025")] == (
        "all but <2 of 3 pupils on roll with a trajectory in Summer 2025"
    )
    assert all("Pupil" not in v for v in items.values())


def test_subject_factory_is_per_school(school, other_school):
    assert SubjectFactory(school=school).school_id != SubjectFactory(school=other_school).school_id


def test_settings_page_explains_the_flag_rule_with_a_worked_example(client, school, leader):
    from targets.models import TargetSettings

    TargetSettings.objects.update_or_create(school=school, defaults={"expected_points_per_year": 3.0})
    sign_in(client, leader, school)
    page = " ".join(client.get(reverse("targets:settings")).content.decode().split())
    assert "by July 2026 the line is 27 (4b)" in page
    assert "Judged 4b (27): on the line → on track." in page
    assert "Judged 4c (25): 2 points below → behind." in page
    assert "Judged 3a (23): 4 points below → well behind." in page
    assert "no gain over 3 consecutive assessment windows" in page
