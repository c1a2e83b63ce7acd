"""The history page of a pupil and of a teaching group: every change to judgements, targets, interventions
and progress reviews — who, when, before → after — for senior leaders, the SENCO and admins only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import Criterion, Focus, FocusJudgement, Judgement, Subject
from conftest import sign_in
from interventions import services as intervention_services
from partnership import services as partnership_services
from targets.models import CurricularTarget, PupilTarget, TargetReview
from tests.interventions.factories import ProgrammeFactory, ProvisionFactory
from tests.pupils.factories import pupil_in, taught_group
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory


def _saved(obj, by, **changes):
    """Save ``obj`` (after ``changes``) as ``by`` would through a page: the audit row names them."""
    for name, value in changes.items():
        setattr(obj, name, value)
    obj._history_user = by
    obj.save()
    return obj


@pytest.fixture
def world(school, personas):
    year = AcademicYearFactory(school=school)
    group = taught_group(personas["teacher"], year)  # mathematics
    pupil = pupil_in(group, legal_forename="Ada", legal_surname="Okafor")
    maths = Subject.objects.create(school=school, code="maths", name="Mathematics", group_subject="maths")
    window = AssessmentWindowFactory(academic_year=year)
    return {"year": year, "group": group, "pupil": pupil, "maths": maths, "window": window, **personas}


def _judgement(w, pupil, by, grade="3b", points=21.0):
    return _saved(
        Judgement(
            school=pupil.school,
            pupil=pupil,
            subject=w["maths"],
            window=w["window"],
            grade=grade,
            points=points,
            judged_at=timezone.now(),
        ),
        by,
    )


def _every_kind(w):
    """One change of each kind for the world's pupil, made by the teacher, the leader and the SENCO."""
    pupil, teacher, leader, senco = w["pupil"], w["teacher"], w["leader"], w["senco"]
    judgement = _judgement(w, pupil, teacher)
    _saved(judgement, teacher, grade="4c", points=25.0, version=2)
    target = _saved(
        PupilTarget(
            school=pupil.school,
            pupil=pupil,
            subject=w["maths"],
            baseline_points=21.0,
            baseline_date=dt.date(2025, 9, 1),
            target_points=25.0,
            target_date=dt.date(2026, 7, 15),
            status=PupilTarget.Status.ACTIVE,
        ),
        teacher,
    )
    _saved(target, leader, target_points=27.0)
    curricular = _saved(
        CurricularTarget(
            school=pupil.school,
            level=CurricularTarget.Level.PUPIL,
            term=CurricularTarget.Term.SHORT,
            pupil=pupil,
            subject=w["maths"],
            text="Recall the 7 times table",
        ),
        teacher,
    )
    _saved(TargetReview(target=curricular, reviewed_on=dt.date(2025, 11, 3), outcome="achieved"), teacher)
    programme = ProgrammeFactory(school=pupil.school, name="Number sense", subject=w["maths"])
    provision = ProvisionFactory(programme=programme, name="Year 6 number group")
    place = intervention_services.provision_add_pupil(provision=provision, pupil=pupil, joined_on=provision.start_date)
    intervention_services.session_log(
        provision=provision, date=provision.start_date, stage="introduce", present_pupil_ids=[], by=senco
    )
    intervention_services.provision_pupil_leave(place=place, left_on=dt.date(2026, 2, 1), reason="Caught up")
    partnership_services.review_record(
        pupil=pupil,
        tutor=teacher,
        data={"held_on": dt.date(2025, 10, 20), "barriers": "Tired in the mornings"},
        targets=[curricular],
    )


KINDS = [
    "Mathematics judgement, Autumn 2025",
    "Mathematics target",
    "target “Recall the 7 times table”",
    "Review of the target “Recall the 7 times table”",
    "Place in Year 6 number group (Number sense)",
    "Attendance at Year 6 number group",
    "Progress review of 20/10/2025",
]


def _entries(response):
    return list(response.context["page"].object_list)


def _entry(response, what):
    return next(e for e in _entries(response) if what in e.what)


@pytest.mark.parametrize("role", ["leader", "senco", "admin"])
def test_leaders_senco_and_admins_see_every_kind_of_change(role, world, client):
    _every_kind(world)
    sign_in(client, world[role], world["pupil"].school)
    response = client.get(reverse("pupils:history", args=[world["pupil"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for kind in KINDS:
        assert kind in html, kind
    assert "Changed by" in html and "What changed" in html and "When" in html
    assert '<th scope="col">Changed by</th>' in html and "<caption>" in html


@pytest.mark.parametrize("role", ["leader", "senco", "admin"])
def test_group_history_lists_its_pupils_changes(role, world, client):
    _every_kind(world)
    other = pupil_in(world["group"], legal_forename="Bea", legal_surname="Lund")
    _judgement(world, other, world["teacher"], grade="5c", points=31.0)
    sign_in(client, world[role], world["pupil"].school)
    response = client.get(reverse("pupils:group_history", args=[world["group"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Okafor, Ada" in html and "Lund, Bea" in html
    for kind in KINDS:
        assert kind in html, kind


def test_before_and_after_are_shown_as_grades_not_points(world, client):
    _every_kind(world)
    sign_in(client, world["leader"], world["pupil"].school)
    response = client.get(reverse("pupils:history", args=[world["pupil"].pk]))
    judgement = next(e for e in _entries(response) if "judgement" in e.what and e.action == "Changed")
    assert judgement.changes == [("Grade", "3b", "4c")]
    target = next(e for e in _entries(response) if e.what == "Mathematics target" and e.action == "Changed")
    assert target.changes == [("Target", "4c", "4b")]  # 25 → 27 points
    created = next(e for e in _entries(response) if e.what == "Mathematics target" and e.action == "Created")
    assert ("Starting point", "—", "3b") in created.changes
    place = next(e for e in _entries(response) if e.what.startswith("Place in") and e.action == "Changed")
    assert ("Left", "—", "01/02/2026") in place.changes and ("Why they left", "—", "Caught up") in place.changes
    html = response.content.decode()
    assert '<span class="text-body-secondary">4c</span>' in html and "→" in html


def test_changed_by_names_who_made_each_change(world, client):
    _every_kind(world)
    sign_in(client, world["senco"], world["pupil"].school)
    response = client.get(reverse("pupils:history", args=[world["pupil"].pk]))
    target = next(e for e in _entries(response) if e.what == "Mathematics target" and e.action == "Changed")
    assert target.who == world["leader"].display_name
    attendance = _entry(response, "Attendance at")
    assert attendance.who == world["senco"].display_name and attendance.changes == [("Present", "—", "no")]
    review = _entry(response, "Progress review")  # recorded outside a request: its tutor is named
    assert review.who == world["teacher"].display_name


def test_history_is_newest_first_fifty_a_page(world, client):
    judgement = _judgement(world, world["pupil"], world["teacher"], grade="1c", points=7.0)
    grades = ["1b", "1a", "2c", "2b", "2a", "3c", "3b", "3a", "4c", "4b", "4a", "5c"]
    for i in range(59):
        _saved(judgement, world["teacher"], grade=grades[i % len(grades)], version=i + 2)
    sign_in(client, world["leader"], world["pupil"].school)
    url = reverse("pupils:history", args=[world["pupil"].pk])
    first = _entries(client.get(url))
    second = _entries(client.get(url + "?page=2"))
    assert len(first) == 50 and len(second) == 10
    whens = [e.when for e in first + second]
    assert whens == sorted(whens, reverse=True)
    assert second[-1].action == "Created"


@pytest.mark.parametrize("role", ["teacher", "sip"])
def test_teacher_and_sip_are_refused(role, world, client):
    _every_kind(world)
    sign_in(client, world[role], world["pupil"].school)
    assert client.get(reverse("pupils:history", args=[world["pupil"].pk])).status_code == 403
    assert client.get(reverse("pupils:group_history", args=[world["group"].pk])).status_code == 403


def test_outsider_gets_404(world, client, other_school):
    _every_kind(world)
    sign_in(client, world["outsider"], other_school)
    assert client.get(reverse("pupils:history", args=[world["pupil"].pk])).status_code == 404
    assert client.get(reverse("pupils:group_history", args=[world["group"].pk])).status_code == 404


def test_another_schools_changes_never_appear(world, client, other_school, outsider):
    year = AcademicYearFactory(school=other_school)
    elsewhere = pupil_in(taught_group(outsider, year))
    subject = Subject.objects.create(school=other_school, code="maths", name="Maths elsewhere", group_subject="maths")
    window = AssessmentWindowFactory(academic_year=year)
    _saved(
        Judgement(
            school=other_school,
            pupil=elsewhere,
            subject=subject,
            window=window,
            grade="2a",
            points=17.0,
            judged_at=timezone.now(),
        ),
        outsider,
    )
    _every_kind(world)
    sign_in(client, world["leader"], world["pupil"].school)
    html = client.get(reverse("pupils:group_history", args=[world["group"].pk])).content.decode()
    assert "Maths elsewhere" not in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_count_is_the_same_for_one_change_and_twenty(world, client):
    sign_in(client, world["leader"], world["pupil"].school)
    url = reverse("pupils:group_history", args=[world["group"].pk])
    _judgement(world, world["pupil"], world["teacher"])
    one = _queries(client, url)
    for _ in range(19):  # twenty changes now, for twenty pupils
        _judgement(world, pupil_in(world["group"]), world["teacher"], grade="4b", points=27.0)
    assert _queries(client, url) == one


@pytest.mark.parametrize("url_name", ["pupils:history", "pupils:group_history"])
def test_query_count_is_pinned_with_every_kind_of_change(url_name, world, client, django_assert_max_num_queries):
    _every_kind(world)
    sign_in(client, world["leader"], world["pupil"].school)
    url = reverse(url_name, args=[world["pupil"].pk if url_name == "pupils:history" else world["group"].pk])
    before = _queries(client, url)
    for _ in range(5):  # more pupils and more changes of kinds already on the page
        _judgement(world, pupil_in(world["group"]), world["teacher"])
    _saved(PupilTarget.objects.get(pupil=world["pupil"]), world["leader"], target_points=29.0)
    assert _queries(client, url) == before
    # 3 session, user, memberships (sign-in and the access layer) · 1 the pupil or the group · 1 the count of
    # every source's rows (one UNION ALL) · 1 the page's keys (the same UNION ALL, newest first, sliced) ·
    # 7 one per source with rows on the page, each fetching its rows with the row before each, the pupil and
    # who made the change (judgements, numeric targets, curricular targets, target reviews, places in provision,
    # attendance, progress reviews) · 2 one per linked field of those (a target's focuses, the targets a review
    # discussed) · 3 the session's save (savepoint, update, release). Built-in scales read no table; a school's
    # own scale adds one query a page.
    with django_assert_max_num_queries(18):
        client.get(url)


def test_criteria_met_and_targets_discussed_show_before_and_after(world, client):
    _every_kind(world)
    focus = Focus.objects.create(subject=world["maths"], code="AF2", name="Number")
    sevens = Criterion.objects.create(focus=focus, level="4", text="Counts on and back in sevens")
    judgement = _saved(
        FocusJudgement(
            school=world["pupil"].school,
            pupil=world["pupil"],
            subject=world["maths"],
            focus=focus,
            window=world["window"],
            grade="4c",
            points=25.0,
            judged_at=timezone.now(),
        ),
        world["teacher"],
    )
    judgement.criteria_met.set([sevens])
    sign_in(client, world["leader"], world["pupil"].school)
    entries = _entries(client.get(reverse("pupils:history", args=[world["pupil"].pk])))
    criteria = [e for e in entries if e.what == "Mathematics AF2 judgement, Autumn 2025"]
    assert ("Criteria met", "—", "L4: Counts on and back in sevens") in criteria[0].changes
    assert criteria[0].who == "Teacher Persona"
    review = [e for e in entries if e.what.startswith("Progress review")]
    assert ("Targets discussed", "—", "Recall the 7 times table") in review[0].changes


def test_deleted_records_stay_in_the_history(world, client):
    judgement = _judgement(world, world["pupil"], world["teacher"])
    judgement._history_user = world["leader"]
    judgement.delete()
    sign_in(client, world["leader"], world["pupil"].school)
    entries = _entries(client.get(reverse("pupils:history", args=[world["pupil"].pk])))
    assert [(e.action, e.who) for e in entries] == [("Deleted", "Leader Persona"), ("Created", "Teacher Persona")]
    assert entries[0].what == "Mathematics judgement, Autumn 2025"


def test_export_is_the_pages_table(world, client):
    _every_kind(world)
    sign_in(client, world["leader"], world["pupil"].school)
    response = client.get(reverse("pupils:history", args=[world["pupil"].pk]) + "?export=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["When", "Changed by", "Pupil", "Record", "Change", "What changed"]
    assert any(r[3] == "Mathematics target" and r[5] == "Target: 4c → 4b" for r in rows[1:])
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r[0]) for r in rows[1:])  # school time, to the second
    xlsx = client.get(reverse("pupils:group_history", args=[world["group"].pk]) + "?export=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_profile_and_group_link_to_history_only_for_those_who_may_see_it(world, client):
    pupil_url = reverse("pupils:detail", args=[world["pupil"].pk])
    group_url = reverse("pupils:group", args=[world["group"].pk])
    history = reverse("pupils:history", args=[world["pupil"].pk])
    group_history = reverse("pupils:group_history", args=[world["group"].pk])
    sign_in(client, world["leader"], world["pupil"].school)
    assert history in client.get(pupil_url).content.decode()
    assert group_history in client.get(group_url).content.decode()
    client.logout()
    sign_in(client, world["teacher"], world["pupil"].school)
    assert history not in client.get(pupil_url).content.decode()
    assert group_history not in client.get(group_url).content.decode()
