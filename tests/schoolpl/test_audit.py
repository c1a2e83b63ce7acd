"""The school's audit log: judgements, targets, interventions, pupil edits and sign-ins with who, when and
before → after; filters; export; a constant number of queries; leaders and admins of the school only."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.urls import reverse

from conftest import sign_in
from schoolpl import audit
from schoolpl.models import Membership
from tests.pupils.factories import pupil_in, taught_group
from tests.pupils.test_history import _every_kind, _judgement, _saved
from tests.pupils.test_history import world as history_world  # noqa: F401  (the fixture)
from tests.schoolpl.factories import AcademicYearFactory

URL = "audit_log"


@pytest.fixture
def world(history_world):  # noqa: F811
    return history_world


def _entries(response):
    return list(response.context["page"].object_list)


def _get(client, user, school, **query):
    sign_in(client, user, school)
    return client.get(reverse(URL), query)


def test_the_log_shows_each_kind_with_who_when_and_before_after(world, client):
    school, pupil = world["pupil"].school, world["pupil"]
    _every_kind(world)
    _saved(pupil, world["admin"], form="6B")
    response = _get(client, world["leader"], school)
    assert response.status_code == 200
    entries = _entries(response)
    judgement = next(e for e in entries if e.kind == "judgements" and e.action == "Changed")
    assert judgement.changes == [("Grade", "3b", "4c")] and judgement.who == world["teacher"].display_name
    assert judgement.pupil_name == pupil.display_name and judgement.when is not None
    target = next(e for e in entries if e.what == "Mathematics target" and e.action == "Changed")
    assert target.changes == [("Target", "4c", "4b")] and target.who == world["leader"].display_name
    place = next(
        e for e in entries if e.kind == "interventions" and e.what.startswith("Place") and e.action == "Changed"
    )
    assert ("Why they left", "—", "Caught up") in place.changes
    edit = next(e for e in entries if e.kind == "pupils" and e.action == "Changed")
    assert edit.who == world["admin"].display_name and edit.pupil_name == pupil.display_name
    assert any(label.startswith("Form") and new == "6B" for label, _, new in edit.changes)
    html = response.content.decode()
    assert "Audit log" in html and "<caption>" in html and "→" in html


def test_sign_ins_success_failure_and_lockout(world, client, settings):
    school, leader = world["pupil"].school, world["leader"]
    leader.set_password("correct horse battery")
    leader.save()
    client.post(reverse("login"), {"username": "leader", "password": "wrong"})
    client.post(reverse("login"), {"username": "leader", "password": "correct horse battery"})
    assert AccessFailureLog.objects.filter(username="leader").exists()
    assert AccessLog.objects.filter(username="leader").exists()
    AccessFailureLog.objects.create(username="leader", ip_address="10.0.0.9", user_agent="x", locked_out=True)
    AccessFailureLog.objects.create(username="stranger", ip_address="10.0.0.9", user_agent="x")
    response = _get(client, world["admin"], school, kind="signins")
    entries = _entries(response)
    actions = sorted(e.action for e in entries if e.who == leader.display_name)
    assert actions == ["Failed", "Locked out", "Succeeded"]
    assert all(e.kind == "signins" for e in entries)
    assert not any(e.who == "stranger" for e in entries)  # not a member of the school


def test_role_changes_when_membership_keeps_history(world, client):
    membership = Membership.objects.get(user=world["teacher"], school=world["pupil"].school)
    history = getattr(Membership, "history", None)
    _saved(membership, world["admin"], is_active=False)
    entries = _entries(_get(client, world["admin"], world["pupil"].school, kind="roles"))
    if history is None:
        assert entries == []
    else:
        assert any(e.kind == "roles" and ("Active", "yes", "no") in e.changes for e in entries)


def test_filters_by_kind_who_date_and_pupil(world, client):
    school = world["pupil"].school
    _every_kind(world)
    other = pupil_in(world["group"], legal_forename="Bea", legal_surname="Lund")
    _judgement(world, other, world["leader"], grade="5c", points=31.0)
    leader = world["leader"]
    by_kind = _entries(_get(client, leader, school, kind="targets"))
    assert by_kind and {e.kind for e in by_kind} == {"targets"}
    by_who = _entries(_get(client, leader, school, who=world["senco"].pk))
    assert by_who and {e.who for e in by_who} == {world["senco"].display_name}
    by_pupil = _entries(_get(client, leader, school, pupil=other.pk))
    assert by_pupil and {e.pupil_name for e in by_pupil} == {other.display_name}
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    assert _entries(_get(client, leader, school, start=tomorrow.isoformat())) == []
    today = _entries(_get(client, leader, school, start=dt.date.today().isoformat(), end=tomorrow.isoformat()))
    assert len(today) > 5


def test_export_csv_and_xlsx(world, client):
    _every_kind(world)
    response = _get(client, world["leader"], world["pupil"].school, kind="judgements", export="csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == audit_views_headers()
    assert len(rows) >= 3 and all(r[2] == "Judgements" for r in rows[1:])
    assert any("3b → 4c" in r[6] for r in rows[1:])
    xlsx = _get(client, world["leader"], world["pupil"].school, export="xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def audit_views_headers():
    from schoolpl.audit_views import EXPORT_HEADERS

    return EXPORT_HEADERS


def _many_changes(world, n):
    other = pupil_in(world["group"], legal_forename="Cal", legal_surname="Many")
    judgement = _judgement(world, other, world["teacher"], grade="1c", points=7.0)
    for i in range(n):
        _saved(judgement, world["teacher"], grade=["1b", "1a", "2c"][i % 3], version=i + 2)


@pytest.mark.parametrize("n", [10, 100])
def test_constant_number_of_queries(world, client, django_assert_max_num_queries, n):
    _every_kind(world)
    _many_changes(world, n)
    for i in range(n // 10):
        _saved(world["pupil"], world["admin"], form=f"6{i}")
    AccessLog.objects.bulk_create(
        AccessLog(username="leader", ip_address="10.0.0.1", user_agent="x", http_accept="", path_info="/")
        for _ in range(n)
    )
    sign_in(client, world["leader"], world["pupil"].school)
    with django_assert_max_num_queries(32):
        response = client.get(reverse(URL))
    page = response.context["page"]
    assert response.status_code == 200 and len(_entries(response)) == min(50, page.paginator.count)
    assert page.paginator.count > n


@pytest.mark.parametrize("role", ["teacher", "senco", "sip"])
def test_teacher_senco_and_sip_are_refused(world, client, role):
    assert _get(client, world[role], world["pupil"].school).status_code == 403


def test_another_schools_events_never_appear(world, client, other_school, outsider):
    _every_kind(world)
    year = AcademicYearFactory(school=other_school)
    elsewhere = _member_elsewhere(other_school)
    group = taught_group(elsewhere, year)
    stranger = pupil_in(group, legal_forename="Zed", legal_surname="Elsewhere")
    _saved(stranger, elsewhere, form="9Z")
    AccessLog.objects.create(username=elsewhere.username, ip_address="10.0.0.1", user_agent="x")
    ours = _entries(_get(client, world["admin"], world["pupil"].school))
    assert ours and not any("Elsewhere" in e.pupil_name or e.who == elsewhere.display_name for e in ours)
    theirs = _entries(_get(client, outsider, other_school))
    assert theirs and not any(e.pupil_name == world["pupil"].display_name for e in theirs)
    assert not any(e.who == world["teacher"].display_name for e in theirs)


def _member_elsewhere(school):
    from tests.schoolpl.factories import MembershipFactory, UserFactory

    user = UserFactory(username="elsewhere-teacher", first_name="Else", last_name="Where")
    MembershipFactory(user=user, school=school, role="teacher")
    return user


def test_audit_page_without_streams_is_empty(world):
    from schoolpl.access import load_access

    access = load_access(world["leader"], world["pupil"].school.pk)
    page = audit.audit_page(access, audit.Filters(kinds=frozenset({"nothing-such"})))
    assert list(page.object_list) == []
