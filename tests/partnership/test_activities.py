"""Extended activities: who sees and runs what, the register (constant queries, all or nothing), exports, the
portal, and the annex evidence for 8a, 8b and 8c asserted exactly on a hand-built school. The test clock is
10 March 2026; the role × URL matrix is tests/partnership/access_activities.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnership import activities as svc
from partnership.evidence import evidence
from partnership.models import Activity, ActivityAttendance, ActivityMember, ActivitySession
from schoolpl.access import load_access
from tests.partnership import factories as f

pytestmark = pytest.mark.django_db

AUTUMN = (dt.date(2025, 9, 1), dt.date(2025, 12, 19))


def _activity(school, name="Chess club", leader=None, start=dt.date(2025, 9, 1), end=dt.date(2026, 7, 20), **kw):
    return Activity.objects.create(school=school, name=name, leader=leader, start_date=start, end_date=end, **kw)


def _session(activity, day, present=(), absent=(), **kw) -> ActivitySession:
    session = ActivitySession.objects.create(activity=activity, held_on=day, **kw)
    for pupil in (*present, *absent):
        ActivityMember.objects.get_or_create(
            activity=activity, pupil=pupil, defaults={"joined_on": activity.start_date}
        )
    ActivityAttendance.objects.bulk_create(
        [ActivityAttendance(session=session, pupil=p, present=True) for p in present]
        + [ActivityAttendance(session=session, pupil=p, present=False) for p in absent]
    )
    return session


# --- the hand-built school for the evidence ------------------------------------------------------------------


@pytest.fixture
def w(school, other_school):
    """30 pupils on roll in Year 5: 0–9 FSM, 0–5 SEN support, 29 looked after, none EAL. In the autumn 0–4 (FSM)
    and 10–24 attend; 29 is marked absent only; 5–9 come only in January, with a pupil admitted then."""
    pupils = [
        f.pupil(school, year_group=5, fsm=i < 10, sen_provision="K" if i < 6 else "N", looked_after=i == 29)
        for i in range(30)
    ]
    late = f.pupil(school, year_group=5, admission_date=dt.date(2026, 1, 6))
    chess = _activity(school, "Chess club", end=dt.date(2025, 12, 19))
    family = _activity(
        school, "Family maths", kind=Activity.Kind.FAMILY, involves_parents=True, end=dt.date(2026, 3, 31)
    )
    _activity(school, "Spring football", kind=Activity.Kind.SPORT, start=dt.date(2026, 1, 5))
    _session(chess, dt.date(2025, 9, 10), present=pupils[0:3] + pupils[10:20], absent=pupils[29:])
    _session(chess, dt.date(2025, 10, 1), present=pupils[2:5] + pupils[20:25])
    _session(family, dt.date(2025, 11, 5), present=pupils[0:2], parents_attending=7, community_attending=2)
    _session(family, dt.date(2026, 1, 14), present=[*pupils[5:10], late], parents_attending=3)
    elsewhere = _activity(other_school, "Their club")
    _session(elsewhere, dt.date(2025, 10, 1), present=[f.pupil(other_school)])
    return {"pupils": pupils, "late": late, "chess": chess, "family": family}


def _by_code(items, code):
    return [(e.label, e.value) for e in items if e.item_code == code]


def test_8a_activities_sessions_and_pupils_attending_for_the_autumn_only(w, school):
    items = evidence(school, *AUTUMN)
    assert _by_code(items, "8a") == [
        ("Clubs and out-of-hours activities offered, and sessions held", "2 activities running; 3 sessions of 2 held"),
        (
            "Pupils who attended at least one club or activity session",
            "67% (20 of 30 pupils on roll in the period)",
        ),
    ]
    # The spring brings January's session, the spring club and the pupil admitted in January.
    spring = evidence(school, dt.date(2025, 9, 1), dt.date(2026, 3, 10))
    assert _by_code(spring, "8a")[0][1] == "3 activities running; 4 sessions of 2 held"
    assert _by_code(spring, "8a")[1][1] == "84% (26 of 31 pupils on roll in the period)"


def test_8b_gaps_by_group_with_small_groups_hidden(w, school):
    rows = dict(_by_code(evidence(school, *AUTUMN), "8b"))
    sen = rows["Attending a club or activity: pupils with SEN (SEN support or an EHC plan) against other pupils"]
    # 5 of the 6 SEN pupils attend: "all but one" would name the child, so the share is hidden.
    assert sen == "all but <5 of 6 pupils in the group on roll against 62% (15 of 24 other pupils on roll)"
    eal = rows["Attending a club or activity: pupils with English as an additional language against other pupils"]
    assert eal == "no pupils in the group on roll against 67% (20 of 30 other pupils on roll)"
    cla = rows["Attending a club or activity: looked-after pupils against other pupils"]
    assert cla == "<5 pupils in the group on roll: figures hidden against 69% (20 of 29 other pupils on roll)"
    # FSM is for those the access layer lets see it: on the summary page, not in the self-review's evidence.
    assert not any("free school meals" in label.lower() for label in rows)
    figures = svc.attendance_by_group(school, *AUTUMN)
    fsm = svc.group_rows(figures, 5, fsm=True)[0]
    assert (fsm["group"], fsm["rest"], fsm["gap"]) == (
        "50% (5 of 10 pupils in the group on roll)",
        "75% (15 of 20 other pupils on roll)",
        -25,
    )


def test_8c_parents_and_community(w, school):
    assert _by_code(evidence(school, *AUTUMN), "8c") == [
        ("Activity sessions involving parents, carers or the community", "1 of 3 sessions held"),
        (
            "Parents and carers at activity sessions",
            "7 attendances by parents and carers; <5 by members of the community",
        ),
    ]
    assert _by_code(evidence(school, dt.date(2024, 9, 1), dt.date(2024, 12, 1)), "8c")[0][1] == "no sessions held"


def test_evidence_links_to_the_summary_and_runs_constant_queries(w, school, django_assert_num_queries):
    with django_assert_num_queries(7):  # reviews and reports (3), activities (3), surveys (1: none closed)
        items = evidence(school, *AUTUMN)
    links = {(e.url_name, e.url_query) for e in items if e.item_code.startswith("8")}
    assert links == {("partnership:activities_summary", "start=2025-09-01&end=2025-12-19")}


def test_sip_opens_the_summary_with_figures_and_no_names(w, school, sip, client_as):
    response = client_as(sip, school).get(
        reverse("partnership:activities_summary"), {"start": "2025-09-01", "end": "2025-12-19"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "67% (20 of 30 pupils on roll in the period)" in html
    assert "50% (5 of 10 pupils in the group on roll)" in html  # a SIP sees the FSM gap, as figures
    for pupil in [*w["pupils"], w["late"]]:
        for secret in (pupil.upn, pupil.legal_forename, pupil.legal_surname):
            assert secret not in html


def test_a_teacher_sees_no_fsm_row_unless_the_school_allows(w, school, teacher, client_as):
    client = client_as(teacher, school)
    assert "free school meals" not in client.get(reverse("partnership:activities_summary")).content.decode().lower()
    school.teachers_see_fsm = True
    school.save(update_fields=["teachers_see_fsm"])
    assert "free school meals" in client.get(reverse("partnership:activities_summary")).content.decode().lower()


# --- who sees and runs what ----------------------------------------------------------------------------------


def test_a_teacher_sees_activities_of_her_pupils_with_only_them_named(school, teacher, client_as):
    mine, theirs = f.pupil(school), f.pupil(school)
    f.taught_by(teacher, mine)
    club = _activity(school)
    _session(club, dt.date(2025, 9, 10), present=[mine, theirs])
    hidden = _activity(school, "Choir")
    _session(hidden, dt.date(2025, 9, 10), present=[theirs])
    client = client_as(teacher, school)
    listing = client.get(reverse("partnership:activities"))
    assert [a.name for a in listing.context["rows"]] == ["Chess club"]
    page = client.get(reverse("partnership:activity", kwargs={"pk": club.pk}))
    html = page.content.decode()
    assert mine.display_name in html and theirs.display_name not in html
    assert not page.context["may_run"] and 'name="mark-' not in html
    assert client.get(reverse("partnership:activity", kwargs={"pk": hidden.pk})).status_code == 404


def test_the_leader_of_an_activity_takes_its_register_and_others_may_not(school, teacher, senco, client_as):
    pupil = f.pupil(school)
    club = _activity(school, leader=teacher)
    session = _session(club, dt.date(2025, 9, 10), absent=[pupil])
    url = reverse("partnership:activity_register", kwargs={"pk": club.pk})
    data = {f"session-{session.pk}": "1", f"mark-{session.pk}-{pupil.pk}": "on"}
    assert client_as(senco, school).post(url, data).status_code == 403
    page = client_as(teacher, school).get(reverse("partnership:activity", kwargs={"pk": club.pk}))
    assert page.context["may_run"] and pupil.display_name in page.content.decode()  # not her class, but her club
    assert client_as(teacher, school).post(url, data).status_code == 302
    mark = ActivityAttendance.objects.get(session=session, pupil=pupil)
    assert mark.present and mark.history.first().history_user == teacher


def test_leaders_set_up_activities_and_members_join_and_leave(school, leader, teacher, client_as):
    client = client_as(leader, school)
    response = client.post(
        reverse("partnership:activity_add"),
        {"name": "Family cooking", "kind": "family_learning", "leader": teacher.pk, "start_date": "2026-01-05",
         "end_date": "2026-03-27", "involves_parents": "on"},
    )  # fmt: skip
    activity = Activity.objects.get(name="Family cooking")
    assert response.status_code == 302 and activity.involves_parents and activity.leader == teacher
    assert activity.history.first().history_user == leader
    pupils = [f.pupil(school), f.pupil(school)]
    members_url = reverse("partnership:activity_members", kwargs={"pk": activity.pk})
    client.post(members_url, {"pupils": [p.pk for p in pupils], "joined_on": "2026-01-05"})
    assert set(activity.members.values_list("pupil", flat=True)) == {p.pk for p in pupils}
    member = activity.members.get(pupil=pupils[0])
    client.post(reverse("partnership:activity_member_leave", kwargs={"pk": member.pk}))
    member.refresh_from_db()
    assert member.left_on == dt.date(2026, 3, 10)  # kept, marked as left
    assert client.post(reverse("partnership:activity_add"), {"name": "No one runs it", "kind": "club",
                                                              "start_date": "2026-01-05", "end_date": "2026-01-01"}
                       ).status_code == 200  # fmt: skip
    assert not Activity.objects.filter(name="No one runs it").exists()


# --- the register ---------------------------------------------------------------------------------------------


def _register_post(club, sessions, members, present):
    data = {f"session-{s.pk}": "1" for s in sessions}
    data |= {f"parents-{s.pk}": "1" for s in sessions}
    data |= {f"mark-{s.pk}-{p.pk}": "on" for s in sessions for p in members if (s.pk, p.pk) in present}
    return data


def test_register_queries_do_not_grow_with_members_or_sessions(school, leader, client_as):
    client = client_as(leader, school)

    def measure(members: int, sessions: int) -> tuple[int, int]:
        club = _activity(school, f"Club {members}")
        pupils = [f.pupil(school) for _ in range(members)]
        held = [_session(club, dt.date(2025, 9, 1) + dt.timedelta(days=7 * i), present=pupils) for i in range(sessions)]
        page = reverse("partnership:activity", kwargs={"pk": club.pk})
        client.get(page)  # warm up (content types, session)
        with CaptureQueriesContext(connection) as read:
            assert client.get(page).status_code == 200
        # Half the marks change, and a new session is added with some present.
        present = {(s.pk, p.pk) for s in held for p in pupils[::2]}
        data = _register_post(club, held, pupils, present) | {"new_date": "2026-03-02", f"new-{pupils[0].pk}": "on"}
        with CaptureQueriesContext(connection) as write:
            client.post(reverse("partnership:activity_register", kwargs={"pk": club.pk}), data)
        assert ActivityAttendance.objects.filter(session__activity=club, present=True).count() == len(present) + 1
        return len(read), len(write)

    assert measure(2, 2) == measure(12, 6)


def test_register_saves_all_or_nothing(school, leader, client_as):
    club = _activity(school)
    pupils = [f.pupil(school), f.pupil(school)]
    outsider = f.pupil(school)
    session = _session(club, dt.date(2025, 9, 10), absent=pupils)
    client = client_as(leader, school)
    url = reverse("partnership:activity_register", kwargs={"pk": club.pk})
    bad = [
        {f"mark-{session.pk}-{outsider.pk}": "on"},  # not a member
        {f"parents-{session.pk}": "lots"},  # not a number
        {"new_date": "2025-09-10"},  # a session that day already
        {"new_date": "2027-01-01"},  # after the activity
        {f"session-{session.pk + 999}": "1"},  # another activity's session
    ]
    for extra in bad:
        data = _register_post(club, [session], pupils, {(session.pk, pupils[0].pk)}) | extra
        response = client.post(url, data, follow=True)
        assert "Nothing was saved" in response.content.decode()
        assert not ActivityAttendance.objects.filter(present=True).exists(), extra
        assert club.sessions.count() == 1 and ActivitySession.objects.get().parents_attending == 0


def test_register_and_list_export(school, leader, client_as):
    club = _activity(school)
    pupil = f.pupil(school)
    _session(club, dt.date(2025, 9, 10), present=[pupil])
    client = client_as(leader, school)
    csv = client.get(reverse("partnership:activity", kwargs={"pk": club.pk}), {"format": "csv"}).content.decode()
    assert "10/09/2025" in csv and f"{pupil.display_name},Year 6,Present,1" in csv
    listing = client.get(reverse("partnership:activities"), {"format": "xlsx"})
    assert listing.status_code == 200 and listing["Content-Type"].startswith("application/vnd.openxmlformats")


def test_register_via_the_service_refuses_a_teacher_who_does_not_lead(school, teacher):
    club = _activity(school)
    with pytest.raises(svc.PermissionDenied):
        svc.register_save(access=load_access(teacher, school.pk), activity=club, data={}, user=teacher)


def test_the_portal_shows_a_pupils_current_clubs(school, client_as):
    pupil = f.pupil(school)
    f.portal_on(school)
    user = f.portal_user(pupil, "pupil")
    _session(_activity(school, "Coding club"), dt.date(2025, 9, 10), present=[pupil])
    _session(_activity(school, "Old club", end=dt.date(2025, 12, 1)), dt.date(2025, 9, 10), present=[pupil])
    html = client_as(user, school).get(reverse("partnership:portal")).content.decode()
    assert "Coding club" in html and "Old club" not in html


# --- the demo -----------------------------------------------------------------------------------------------


def _demo_activities(school, teacher, leader, seed: int) -> tuple:
    import random

    from partnership import demo
    from schoolpl.demo import DemoContext
    from schoolpl.models import AcademicYear

    years = [
        AcademicYear.objects.get_or_create(
            school=school, name=f"{y}/{str(y + 1)[-2:]}",
            defaults={"start_date": dt.date(y, 9, 1), "end_date": dt.date(y + 1, 8, 31)},
        )[0]
        for y in (2024, 2025)
    ]  # fmt: skip
    ctx = DemoContext(
        rng=random.Random(seed), pupils=0, today=dt.date(2026, 3, 10), school=school,
        users={"teacher": teacher, "leader": leader}, teachers=[teacher], years=years,
    )  # fmt: skip
    sessions = demo._activities(ctx, random.Random(seed))
    marks = list(
        ActivityAttendance.objects.filter(session__activity__school=school)
        .order_by("session__held_on", "session__activity__name", "pupil__upn")
        .values_list("session__activity__name", "session__held_on", "pupil__upn", "present")
    )
    return sessions, marks


def test_the_demo_clubs_are_believable_and_the_same_for_the_same_seed(school, teacher, leader):
    for i in range(240):
        f.pupil(school, year_group=1 + i % 6, fsm=i % 4 == 0, sen_provision="K" if i % 7 == 0 else "N")
    sessions, marks = _demo_activities(school, teacher, leader, seed=3)
    assert sessions > 100 and max(day for _, day, _, _ in marks) <= dt.date(2026, 3, 10)
    last_year = svc.attendance_by_group(school, dt.date(2024, 9, 1), dt.date(2025, 8, 31))
    fsm = last_year["fsm_attended"] / last_year["fsm_total"]
    rest = (last_year["attended"] - last_year["fsm_attended"]) / (last_year["total"] - last_year["fsm_total"])
    assert 0.3 < fsm < rest < 0.95, (fsm, rest)  # disadvantaged pupils take part somewhat less
    assert Activity.objects.filter(school=school, leader=teacher).exists()
    assert ActivitySession.objects.filter(parents_attending__gt=0).exists()
    ActivityAttendance.objects.all().delete()
    ActivitySession.objects.all().delete()
    ActivityMember.objects.all().delete()
    Activity.objects.all().delete()
    assert _demo_activities(school, teacher, leader, seed=3) == (sessions, marks)
