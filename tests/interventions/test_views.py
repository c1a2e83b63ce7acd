"""Planning provision, the session log, impact, follow-up, scoping and the API."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse

from conftest import sign_in
from interventions import coverage, evidence, panels, selectors, services
from interventions.models import FollowUp, ImpactJudgement, InterventionSession, Programme, Provision
from schoolpl.access import load_access
from targets.models import CurricularTarget
from tests.interventions.factories import (
    PlaceFactory,
    ProgrammeFactory,
    ProvisionFactory,
    PupilFactory,
    TeachingGroupFactory,
    enrol,
    judgement,
    teach,
)
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory

pytestmark = pytest.mark.django_db


def test_senco_plans_a_provision_for_several_pupils_in_one_go(client, senco, teacher, school, today):
    pupils = [PupilFactory(school=school) for _ in range(3)]
    programme = ProgrammeFactory(school=school, wave=2)
    target = CurricularTarget.objects.create(
        school=school, level="pupil", term="medium", pupil=pupils[0], text="To read words with adjacent consonants"
    )
    sign_in(client, senco, school)
    url = reverse("interventions:provision_create")
    assert client.get(url, {"pupil": [p.pk for p in pupils]}).content.decode().count("checked>") == 3
    response = client.post(
        url,
        {
            "pupil": [p.pk for p in pupils],
            "programme": programme.pk,
            "name": "Year 3 reading group",
            "start_date": today.isoformat(),
            "end_date": (today + dt.timedelta(days=70)).isoformat(),
            "staff": [teacher.pk],
            "staff_role": "ta",
            "targets": [target.pk],
            "notes": "",
        },
    )
    provision = Provision.objects.get()
    assert response.status_code == 302
    assert sorted(provision.places.values_list("pupil_id", flat=True)) == sorted(p.pk for p in pupils)
    assert list(provision.staff.values_list("user_id", "role")) == [(teacher.pk, "ta")]
    assert list(provision.targets.all()) == [target]
    assert provision.history.exists() and provision.places.first().history.count() == 1  # audited


def test_another_schools_programme_or_pupil_cannot_be_planned(school, other_school, senco, today):
    from django.core.exceptions import ValidationError

    mine, theirs = PupilFactory(school=school), PupilFactory(school=other_school)
    with pytest.raises(ValidationError):
        services.provision_plan(
            school=school,
            programme=ProgrammeFactory(school=other_school),
            name="x",
            start_date=today,
            end_date=today,
            pupils=[mine],
        )
    with pytest.raises(ValidationError):
        services.provision_plan(
            school=school,
            programme=ProgrammeFactory(school=school),
            name="x",
            start_date=today,
            end_date=today,
            pupils=[mine, theirs],
        )


def test_logging_a_session_records_the_stage_and_attendance(client, senco, school):
    provision = ProvisionFactory(programme=ProgrammeFactory(school=school))
    here, away = PlaceFactory(provision=provision), PlaceFactory(provision=provision)
    sign_in(client, senco, school)
    response = client.post(
        reverse("interventions:session_create", kwargs={"pk": provision.pk}),
        {
            "date": "2026-01-12",
            "stage": "model",
            "minutes": 30,
            "notes": "Modelled segmenting",
            "present": [str(here.pupil_id)],
        },
    )
    assert response.status_code == 302
    session = InterventionSession.objects.get()
    assert (session.stage, session.led_by) == ("model", senco)
    assert dict(session.attendance.values_list("pupil_id", "present")) == {here.pupil_id: True, away.pupil_id: False}
    page = client.get(reverse("interventions:provision_detail", kwargs={"pk": provision.pk})).content.decode()
    assert "Model" in page and "1 of 2" in page


def test_impact_takes_judgements_around_the_provision_and_recorded_ones_win(client, senco, school):
    year = AcademicYearFactory(
        school=school, name="2025/26", start_date=dt.date(2025, 1, 1), end_date=dt.date(2026, 8, 31)
    )
    w = [
        AssessmentWindowFactory(academic_year=year, name=n, start_date=s, end_date=e)
        for n, s, e in [
            ("Spring 2025", dt.date(2025, 1, 6), dt.date(2025, 3, 31)),
            ("Autumn 2025", dt.date(2025, 9, 1), dt.date(2025, 12, 19)),
            ("Spring 2026", dt.date(2026, 1, 5), dt.date(2026, 3, 31)),
        ]
    ]
    from tests.interventions.factories import SubjectFactory

    reading = SubjectFactory(school=school)
    programme = ProgrammeFactory(school=school, subject=reading, cost_basis="pupil", unit_cost=300)
    provision = ProvisionFactory(programme=programme, start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 3, 27))
    quick, flat = PlaceFactory(provision=provision), PlaceFactory(provision=provision)
    for place, points in ((quick, (13, 15, 19)), (flat, (15, 17, 17))):
        for window, p in zip(w, points, strict=True):
            judgement(place.pupil, reading, window, p)
    results = {i.place.pk: i.result for i in selectors.place_impacts([quick, flat])}
    assert (results[quick.pk].entry.points, results[quick.pk].exit.points, results[quick.pk].gain) == (15, 19, 4)
    assert results[quick.pk].cost_per_point == pytest.approx(75.0)
    assert results[flat.pk].outcome == "no change"
    sign_in(client, senco, school)
    response = client.post(
        reverse("interventions:impact_record", kwargs={"pk": provision.pk}),
        {
            f"p{flat.pk}-entry_points": "17",
            f"p{flat.pk}-entry_on": "2025-12-19",
            f"p{flat.pk}-exit_points": "19",
            f"p{flat.pk}-exit_on": "2026-03-27",
            f"p{quick.pk}-entry_points": "15",
            f"p{quick.pk}-entry_on": "2025-12-19",
            f"p{quick.pk}-exit_points": "19",
            f"p{quick.pk}-exit_on": "2026-03-31",
        },
    )
    assert response.status_code == 302
    assert list(ImpactJudgement.objects.values_list("place_id", "kind", "points")) == [(flat.pk, "exit", 19.0)]
    results = {i.place.pk: i.result for i in selectors.place_impacts([quick, flat])}
    assert results[flat.pk].gain == 2
    page = client.get(reverse("interventions:programme_evaluation", kwargs={"pk": programme.pk})).content.decode()
    assert "£100.00" in page  # £600 for the two pupils ÷ 6 points gained


def test_follow_up_reaches_the_class_teacher_home_page_and_pupil_panel(client, senco, teacher, school, world_group):
    group, pupil = world_group
    place = PlaceFactory(provision=ProvisionFactory(programme=ProgrammeFactory(school=school)), pupil=pupil)
    sign_in(client, senco, school)
    client.post(
        reverse("interventions:follow_up_create", kwargs={"pk": place.pk}),
        {"learned": "Can use 'because' to join ideas"},
    )
    follow_up = FollowUp.objects.get()
    sign_in(client, teacher, school)
    home = client.get(reverse("home")).content.decode()
    assert "Can use &#x27;because&#x27; to join ideas" in home
    client.post(reverse("interventions:follow_up_class", kwargs={"pk": follow_up.pk}), {"note": "Used in writing"})
    follow_up.refresh_from_db()
    assert (follow_up.classroom_note, follow_up.followed_up_by) == ("Used in writing", teacher)
    assert "because" not in client.get(reverse("home")).content.decode()  # done: off the to-do list
    request = SimpleNamespace(access=load_access(teacher, school.pk))
    (panel,) = panels.pupil_panels(request, pupil=pupil)
    assert panel.context["follow_ups"] == [follow_up]


@pytest.fixture
def world_group(school, teacher):
    group = TeachingGroupFactory(academic_year=AcademicYearFactory(school=school))
    teach(group, teacher)
    pupil = PupilFactory(school=school, legal_forename="Mine")
    enrol(group, pupil)
    return group, pupil


def test_teacher_sees_only_their_own_pupils_in_a_shared_provision(client, teacher, school, world_group):
    _, mine = world_group
    provision = ProvisionFactory(programme=ProgrammeFactory(school=school))
    PlaceFactory(provision=provision, pupil=mine)
    PlaceFactory(provision=provision, pupil=PupilFactory(school=school, legal_forename="NotMine"))
    hidden = ProvisionFactory(programme=provision.programme)
    PlaceFactory(provision=hidden, pupil=PupilFactory(school=school))
    sign_in(client, teacher, school)
    page = client.get(reverse("interventions:provision_detail", kwargs={"pk": provision.pk})).content.decode()
    assert "Mine" in page and "NotMine" not in page
    assert client.get(reverse("interventions:provision_detail", kwargs={"pk": hidden.pk})).status_code == 404
    api = client.get("/api/v1/provisions/").json()
    assert [p["id"] for p in api["results"]] == [provision.pk]
    assert [p["pupil"] for p in api["results"][0]["pupils"]] == [mine.pk]


def test_sip_reads_impact_figures_without_names_but_no_pupil_pages(client, sip, school):
    place = PlaceFactory(
        provision=ProvisionFactory(programme=ProgrammeFactory(school=school, name="Talk Boost")),
        pupil=PupilFactory(school=school, legal_forename="Zebedee"),
    )
    sign_in(client, sip, school)
    page = client.get(reverse("interventions:impact_summary")).content.decode()
    assert "Talk Boost" in page and "Zebedee" not in page
    for name, kwargs in [
        ("provision_detail", {"pk": place.provision_id}),
        ("pupil_needs", {"pk": place.pupil_id}),
        ("candidates", {}),
        ("provision_map", {}),
    ]:
        assert client.get(reverse(f"interventions:{name}", kwargs=kwargs)).status_code == 403
    assert client.get("/api/v1/provisions/").status_code == 403


def test_coverage_names_current_wave_2_and_3_provision(school, today):
    running = ProvisionFactory(
        programme=ProgrammeFactory(school=school, name="Reading catch-up", wave=2),
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=30),
    )
    wave3 = ProvisionFactory(
        programme=ProgrammeFactory(school=school, name="Numbers Count", wave=3),
        start_date=today - dt.timedelta(days=5),
        end_date=today + dt.timedelta(days=30),
    )
    both, one, left = (PupilFactory(school=school) for _ in range(3))
    for provision, pupil in [(running, both), (wave3, both), (running, one)]:
        PlaceFactory(provision=provision, pupil=pupil, joined_on=provision.start_date)
    PlaceFactory(provision=running, pupil=left, joined_on=running.start_date, left_on=today - dt.timedelta(days=1))
    assert coverage.provision_for(school, [both.pk, one.pk, left.pk]) == {
        both.pk: "Wave 3: Numbers Count",
        one.pk: "Wave 2: Reading catch-up",
    }


def test_evidence_counts_follow_ups_and_measured_impact(school):
    provision = ProvisionFactory(programme=ProgrammeFactory(school=school))
    a, b = PlaceFactory(provision=provision), PlaceFactory(provision=provision)
    services.follow_up_create(place=a, learned="Counts on in tens", recorded_on=dt.date(2026, 2, 1))
    done = services.follow_up_create(place=b, learned="Knows number bonds to 10", recorded_on=dt.date(2026, 2, 2))
    services.follow_up_record_class(follow_up=done, note="Used in lesson starter", on=dt.date(2026, 2, 5))
    services.impact_judgement_record(place=a, kind="entry", points=15, judged_on=dt.date(2026, 1, 5))
    services.impact_judgement_record(place=a, kind="exit", points=17, judged_on=dt.date(2026, 3, 27))
    school.small_count_threshold = 1  # the shares themselves; small counts are hidden at the default threshold
    found = {e.item_code: e for e in evidence.evidence(school, dt.date(2026, 1, 1), dt.date(2026, 7, 31))}
    assert found["4a"].value == (
        "2 follow-up notes written in the period; 50% (1 of 2 follow-up notes) built on in class by its end"
    )
    # +2 points in 81 days (0.75 a month) beats the expected 0.25 a month: accelerated
    assert found["4c"].value.startswith(
        # 1 of 1: "100%" would tell that no measured place missed, a count under even a threshold of 1
        "50% (1 of 2 places ending in the period) measured; all but <1 of 1 measured places accelerated"
    )


def test_api_programmes_are_written_only_by_planners(client, senco, teacher, school):
    payload = {
        "name": "Springboard maths",
        "wave": 2,
        "need_area": "maths",
        "group_size": 6,
        "sessions_per_week": 3,
        "session_minutes": 30,
        "length_weeks": 10,
        "cost_basis": "session",
        "unit_cost": "18.00",
        "description": "",
        "is_active": True,
    }
    sign_in(client, teacher, school)
    assert client.post("/api/v1/programmes/", payload, content_type="application/json").status_code == 403
    sign_in(client, senco, school)
    response = client.post("/api/v1/programmes/", payload, content_type="application/json")
    assert response.status_code == 201
    assert Programme.objects.get().school == school


def test_api_needs_assessment_refuses_ratings_above_ten(client, senco, school):
    from tests.interventions.factories import CharacteristicFactory

    trait = CharacteristicFactory(school=school)
    pupil = PupilFactory(school=school)
    sign_in(client, senco, school)
    body = {
        "pupil": pupil.pk,
        "taken_on": "2026-01-10",
        "referred": False,
        "notes": "",
        "ratings": [{"characteristic": trait.pk, "professional": 11, "pupil_view": 5, "parent_view": 5}],
    }
    assert client.post("/api/v1/needs-assessments/", body, content_type="application/json").status_code == 400
    body["ratings"][0]["professional"] = 3
    response = client.post("/api/v1/needs-assessments/", body, content_type="application/json")
    assert response.status_code == 201
    got = client.get(f"/api/v1/needs-assessments/{response.json()['id']}/").json()
    assert got["ratings"][0]["average"] == pytest.approx(4.33)


def test_pupil_who_leaves_is_recorded_with_history(client, senco, school):
    place = PlaceFactory(provision=ProvisionFactory(programme=ProgrammeFactory(school=school)))
    sign_in(client, senco, school)
    client.post(
        reverse("interventions:place_leave", kwargs={"pk": place.pk}),
        {"left_on": "2026-02-13", "reason": "Moved school"},
    )
    place.refresh_from_db()
    assert place.left_on == dt.date(2026, 2, 13)
    assert [h.left_on for h in place.history.order_by("history_date")] == [None, dt.date(2026, 2, 13)]
    assert place.history.latest().history_user == senco


def test_a_classroom_follow_up_names_who_did_it_and_never_reads_by_blank(teacher):
    from django.template.loader import render_to_string

    done = SimpleNamespace(
        pk=1, learned="x", recorded_on=dt.date(2026, 5, 20), followed_up_on=dt.date(2026, 5, 26), classroom_note="n",
        place=SimpleNamespace(
            pupil=SimpleNamespace(display_name="P"), provision=SimpleNamespace(programme=SimpleNamespace(name="Prog"))
        ),
        followed_up_by=teacher,
    )  # fmt: skip
    html = render_to_string("interventions/_follow_ups.html", {"follow_ups": [done]})
    assert f"Followed up in class by {teacher.display_name} on 26 May 2026" in html
    done.followed_up_by = None  # the member who did it has since been removed
    html = render_to_string("interventions/_follow_ups.html", {"follow_ups": [done]})
    assert "Followed up in class on 26 May 2026" in html and " by  on" not in html


def test_a_session_cannot_be_logged_for_a_future_date(client, senco, school, today):
    provision = ProvisionFactory(
        programme=ProgrammeFactory(school=school),
        start_date=today - dt.timedelta(days=7),
        end_date=today + dt.timedelta(days=30),
    )
    place = PlaceFactory(provision=provision)
    sign_in(client, senco, school)
    data = {
        "date": (today + dt.timedelta(days=1)).isoformat(),
        "stage": "model",
        "minutes": 30,
        "present": [str(place.pupil_id)],
    }
    response = client.post(reverse("interventions:session_create", kwargs={"pk": provision.pk}), data)
    assert response.status_code == 200 and not InterventionSession.objects.exists()
    assert "once it has happened" in response.content.decode()


def test_the_default_session_date_is_one_the_provision_covers_and_is_accepted(client, senco, school, today):
    ended = ProvisionFactory(
        programme=ProgrammeFactory(school=school),
        start_date=today - dt.timedelta(days=60),
        end_date=today - dt.timedelta(days=5),
    )
    place = PlaceFactory(provision=ended)
    sign_in(client, senco, school)
    url = reverse("interventions:session_create", kwargs={"pk": ended.pk})
    form = client.get(url).context["form"]
    assert form.initial["date"] == ended.end_date and form.initial["present"] == [str(place.pupil_id)]
    data = {
        "date": form.initial["date"].isoformat(),
        "stage": "model",
        "minutes": 30,
        "present": form.initial["present"],
    }
    assert client.post(url, data).status_code == 302
    running = ProvisionFactory(
        programme=ProgrammeFactory(school=school),
        start_date=today - dt.timedelta(days=5),
        end_date=today + dt.timedelta(days=5),
    )
    assert (
        client.get(reverse("interventions:session_create", kwargs={"pk": running.pk})).context["form"].initial["date"]
        == today
    )


def test_planning_a_group_over_the_programmes_size_warns_but_plans(client, senco, school, today):
    pupils = [PupilFactory(school=school) for _ in range(5)]
    programme = ProgrammeFactory(school=school, group_size=4, name="Catch-up")
    sign_in(client, senco, school)
    data = {
        "pupil": [p.pk for p in pupils], "programme": programme.pk, "name": "Big group", "staff_role": "ta",
        "start_date": today.isoformat(), "end_date": (today + dt.timedelta(days=70)).isoformat(),
    }  # fmt: skip
    response = client.post(reverse("interventions:provision_create"), data, follow=True)
    assert Provision.objects.get().places.count() == 5
    assert "5 pupils is more than Catch-up&#x27;s group size of 4" in response.content.decode()


def test_entry_and_exit_read_as_grade_points_and_month(school):
    from django.template.loader import render_to_string

    provision = ProvisionFactory(programme=ProgrammeFactory(school=school))
    place = PlaceFactory(provision=provision)
    services.impact_judgement_record(place=place, kind="entry", points=17, judged_on=dt.date(2026, 1, 5))
    html = render_to_string("interventions/_impact_rows.html", {"impacts": selectors.place_impacts([place])})
    assert "2a (17)" in html and "· Jan 2026" in html


def _programme_with_two_pupils(school, name="Toe by Toe"):
    """One provision, 1 Sep → 31 Dec 2025 (121 days = 3.9754 months); Anna 15 → 17, Ben 15 → 15.5 (recorded)."""
    programme = ProgrammeFactory(school=school, name=name, cost_basis="pupil", unit_cost=200)
    provision = ProvisionFactory(programme=programme, start_date=dt.date(2025, 9, 1), end_date=dt.date(2025, 12, 31))
    anna = PlaceFactory(provision=provision, entry_age_months=90, exit_age_months=98)
    ben = PlaceFactory(provision=provision)
    for place, exit_points in ((anna, 17), (ben, 15.5)):
        services.impact_judgement_record(place=place, kind="entry", points=15, judged_on=dt.date(2025, 9, 1))
        services.impact_judgement_record(place=place, kind="exit", points=exit_points, judged_on=dt.date(2025, 12, 31))
    return programme


def test_programme_table_shows_accelerated_against_the_schools_expected_rate(client, leader, school):
    from targets.models import TargetSettings

    # Expected 6 points a year = 2 a term = 0.5 a month. Anna: 2 points in 3.9754 months = 2.012 a term ≥ 2,
    # accelerated; Ben: 0.5 points = 0.503 a term, a gain but not accelerated. So 50% (1 of 2) accelerated.
    # Anna's reading age: 8 months in 3.9754 months = 2.01 → mean ratio gain 2.0 (substantial).
    # Cost: £200 each = £200 a pupil; above expected: Anna +0.0123, Ben -1.4877 → none above in total.
    TargetSettings.objects.update_or_create(school=school, defaults={"expected_points_per_year": 6})
    _programme_with_two_pupils(school)
    sign_in(client, leader, school)
    page = client.get(reverse("interventions:impact_summary")).content.decode()
    assert "Toe by Toe" in page
    assert '50% <span class="small text-body-secondary">(1 of 2)</span>' in page
    assert "2.00" in page  # expected, points a term
    assert '2.0 <span class="small text-body-secondary">(substantial)</span>' in page
    assert "£200.00" in page  # cost per pupil
    assert "Improved" not in page and "improved" not in page
    csv = client.get(reverse("interventions:impact_summary"), {"format": "csv"}).content.decode("utf-8-sig")
    header, row = csv.splitlines()[:2]
    assert "Accelerated (%)" in header and "Cost per point above expected (£)" in header and "Improved" not in header
    assert row.startswith("Toe by Toe,2,2,2,1,50,")


def test_programme_table_query_count_does_not_grow_with_programmes(
    client, leader, school, django_assert_max_num_queries
):
    _programme_with_two_pupils(school, "First")
    sign_in(client, leader, school)
    url = reverse("interventions:impact_summary")
    client.get(url)
    with django_assert_max_num_queries(12):
        client.get(url)
    for n in range(3):
        _programme_with_two_pupils(school, f"More {n}")
    with django_assert_max_num_queries(12):
        assert "More 2" in client.get(url).content.decode()


def test_reading_age_is_recorded_with_the_entry_and_exit_judgements_and_shown_as_a_ratio_gain(client, senco, school):
    programme = ProgrammeFactory(school=school)
    provision = ProvisionFactory(programme=programme, start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 1, 1))
    place = PlaceFactory(provision=provision)
    sign_in(client, senco, school)
    url = reverse("interventions:impact_record", kwargs={"pk": provision.pk})
    assert "Reading/spelling age at entry (months)" in client.get(url).content.decode()
    response = client.post(url, {f"p{place.pk}-entry_age_months": "90", f"p{place.pk}-exit_age_months": "98"})
    assert response.status_code == 302
    place.refresh_from_db()
    assert (place.entry_age_months, place.exit_age_months) == (90, 98)
    # 8 months of reading age in 122 days (4.008 months): 1.996, shown as 2.0, substantial.
    [found] = selectors.place_impacts([place])
    assert found.result.ratio_gain == pytest.approx(1.996, abs=1e-3) and found.result.ratio_band == "substantial"
    page = client.get(reverse("interventions:programme_evaluation", kwargs={"pk": programme.pk})).content.decode()
    assert "2.0 (substantial)" in page
    api = client.get(f"/api/v1/provisions/{provision.pk}/").json()
    assert api["pupils"][0]["entry_age_months"] == 90 and api["pupils"][0]["exit_age_months"] == 98


def test_provision_page_summarises_its_pupils_against_expected_progress(client, senco, school):
    # Default expected 3 points a year = 1 a term. Anna 2.012 a term (accelerated), Ben 0.503 (not): 1 of 2, 50%.
    programme = _programme_with_two_pupils(school)
    provision = Provision.objects.get(programme=programme)
    sign_in(client, senco, school)
    page = client.get(reverse("interventions:provision_detail", kwargs={"pk": provision.pk})).content.decode()
    assert "Accelerated" in page and "1 (50%)" in page
    assert "→ 1.26 (1.00)" in page
    assert "Gained, below expected" in page and "Improved" not in page
