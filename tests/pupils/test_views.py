"""Pupil pages: scoping, filters, exports, the profile, edits, leavers, groups and the import pages."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from pupils.forms import MAX_UPLOAD_BYTES
from pupils.models import GroupMembership, Pupil
from pupils.upn import make_upn
from tests.pupils.factories import (
    ContactFactory,
    PupilFactory,
    TeachingGroupFactory,
    pupil_in,
    taught_group,
)
from tests.schoolpl.factories import AcademicYearFactory

LIST = reverse("pupils:list")


@pytest.fixture
def year(school):
    return AcademicYearFactory(school=school)


@pytest.fixture
def my_group(teacher, year):
    return taught_group(teacher, year, name="6 Set 1")


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --------------------------------------------------------------------------- the list and its scope


def test_teacher_sees_only_their_own_groups_pupils(client_as, teacher, school, my_group):
    mine = pupil_in(my_group, legal_surname="Mine")
    PupilFactory(school=school, legal_surname="NotMine")
    response = client_as(teacher, school).get(LIST)
    assert list(response.context["page"].object_list) == [mine]


def test_senco_sees_the_whole_school_but_not_another_school(client_as, senco, school, other_school):
    ours = PupilFactory(school=school)
    PupilFactory(school=other_school)
    response = client_as(senco, school).get(LIST)
    assert list(response.context["page"].object_list) == [ours]


def test_sip_cannot_open_the_pupil_list(client_as, sip, school):
    assert client_as(sip, school).get(LIST).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"year_group": "5"}, {"Five"}),
        ({"sen": "K"}, {"Support"}),
        ({"sen": "any"}, {"Support", "Plan"}),
        ({"eal": "yes"}, {"Plan"}),
        ({"fsm": "yes"}, {"Five"}),
        ({"looked_after": "yes"}, {"Support"}),
        ({"gifted": "yes"}, {"Plain"}),
        ({"gender": "M"}, {"Plan"}),
        ({"ethnicity": "BAFR"}, {"Support"}),
        ({"form": "5B"}, {"Five"}),
        ({"q": "suppor"}, {"Support"}),
        ({"status": "archived"}, {"Gone"}),
    ],
)
def test_filters_narrow_the_list(client_as, leader, school, query, expected):
    PupilFactory(school=school, legal_surname="Five", year_group=5, form="5B", fsm=True, gender="F")
    PupilFactory(school=school, legal_surname="Support", sen_provision="K", primary_need="MLD", looked_after=True,
                 ethnicity="BAFR", gender="F")  # fmt: skip
    PupilFactory(school=school, legal_surname="Plan", sen_provision="E", primary_need="ASD", eal=True, gender="M")
    PupilFactory(school=school, legal_surname="Plain", gifted=True, gender="F")
    PupilFactory(school=school, legal_surname="Gone", archived_at="2026-01-01T00:00Z", gender="F")
    response = client_as(leader, school).get(LIST, query)
    assert {p.legal_surname for p in response.context["page"].object_list} == expected


def test_search_finds_a_pupil_by_upn(client_as, leader, school):
    pupil = PupilFactory(school=school)
    PupilFactory(school=school)
    response = client_as(leader, school).get(LIST, {"q": pupil.upn.lower()})
    assert list(response.context["page"].object_list) == [pupil]


def test_archived_pupils_are_hidden_from_the_default_list(client_as, leader, school):
    PupilFactory(school=school, archived_at="2026-01-01T00:00Z")
    assert client_as(leader, school).get(LIST).context["page"].paginator.count == 0


def test_filter_by_teaching_group_lists_its_current_members(client_as, leader, school, my_group):
    member = pupil_in(my_group)
    PupilFactory(school=school)
    response = client_as(leader, school).get(LIST, {"group": my_group.pk})
    assert list(response.context["page"].object_list) == [member]


def test_teacher_has_no_fsm_filter_or_badge(client_as, teacher, school, my_group):
    pupil_in(my_group, fsm=True, pupil_premium=True)
    response = client_as(teacher, school).get(LIST, {"fsm": "yes"})
    assert "fsm" not in response.context["filter"].form.fields
    assert response.context["page"].paginator.count == 1  # the unknown filter is ignored, not applied
    assert ">FSM<" not in response.content.decode()


def test_leader_sees_fsm_badges(client_as, leader, school):
    PupilFactory(school=school, fsm=True)
    assert ">FSM<" in client_as(leader, school).get(LIST).content.decode()


def test_the_list_is_paginated_by_fifty(client_as, leader, school):
    PupilFactory.create_batch(51, school=school)
    response = client_as(leader, school).get(LIST)
    assert len(response.context["page"].object_list) == 50
    assert client_as(leader, school).get(LIST, {"page": 2}).context["page"].object_list.__len__() == 1


@pytest.mark.parametrize("count", [20, 200])
def test_the_list_runs_the_same_queries_for_20_or_200_pupils(
    client_as, teacher, school, my_group, count, django_assert_max_num_queries
):
    for _ in range(count):
        pupil_in(my_group)
    client = client_as(teacher, school)
    # session, user, memberships (access); the forms for the filter; the chosen teaching group (validation)
    # and the teaching groups for its options; count; the page of pupils; the session save (savepoint,
    # update, release).
    with django_assert_max_num_queries(10):
        response = client.get(LIST, {"group": my_group.pk, "sen": "any", "q": "a"})
    assert response.status_code == 200


# --------------------------------------------------------------------------- exports


def test_export_is_scoped_and_hides_fsm_from_a_teacher(client_as, teacher, school, my_group):
    mine = pupil_in(my_group, fsm=True)
    PupilFactory(school=school)
    rows = rows_of(client_as(teacher, school).get(LIST, {"export": "csv"}))
    assert "FSM" not in rows[0] and "Pupil premium" not in rows[0]
    assert [r[0] for r in rows[1:]] == [mine.upn]


def test_leader_export_has_fsm_and_follows_the_filters(client_as, leader, school):
    five = PupilFactory(school=school, year_group=5, fsm=True)
    PupilFactory(school=school, year_group=6)
    rows = rows_of(client_as(leader, school).get(LIST, {"export": "csv", "year_group": "5"}))
    assert "FSM" in rows[0]
    assert [r[0] for r in rows[1:]] == [five.upn]
    assert rows[1][rows[0].index("FSM")] == "Yes"


def test_xlsx_export_downloads(client_as, leader, school):
    PupilFactory(school=school)
    response = client_as(leader, school).get(LIST, {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_an_export_imports_back_unchanged(client_as, school_admin, school):
    PupilFactory(school=school, sen_provision="K", primary_need="MLD", year_group=0, admission_date=date(2021, 9, 1))
    client = client_as(school_admin, school)
    exported = client.get(LIST, {"export": "csv"}).content
    upload = io.BytesIO(exported)
    upload.name = "export.csv"
    preview = client.post(reverse("pupils:import"), {"action": "upload", "file": upload})
    assert preview.context["can_commit"], preview.context["errors"]
    response = client.post(reverse("pupils:import"), {"action": "commit", **_mapping_from(preview)})
    outcome = response.context["outcome"]
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 1)


# --------------------------------------------------------------------------- the profile


def test_profile_shows_groups_contacts_and_who_changed_what(client_as, school_admin, leader, school, my_group):
    from pupils import services

    pupil = pupil_in(my_group)
    ContactFactory(pupil=pupil, name="Grace Okafor")
    services.pupil_update(pupil=pupil, by=school_admin, form="6Z")
    response = client_as(leader, school).get(reverse("pupils:detail", args=[pupil.pk]))
    page = response.content.decode()
    assert "6 Set 1" in page and "Grace Okafor" in page
    [changed, _created] = response.context["history"][:2]
    assert changed["who"] == school_admin.display_name
    assert ("Form", "6A", "6Z") in changed["changes"]


def test_teacher_cannot_open_a_pupil_outside_their_groups(client_as, teacher, school):
    pupil = PupilFactory(school=school)
    assert client_as(teacher, school).get(reverse("pupils:detail", args=[pupil.pk])).status_code == 404


def test_another_schools_pupil_is_a_404(client_as, school_admin, school, other_school):
    pupil = PupilFactory(school=other_school)
    assert client_as(school_admin, school).get(reverse("pupils:detail", args=[pupil.pk])).status_code == 404


def test_teacher_profile_hides_fsm_and_its_history(client_as, teacher, school_admin, school, my_group):
    from pupils import services

    pupil = pupil_in(my_group)
    services.pupil_update(pupil=pupil, by=school_admin, fsm=True)
    response = client_as(teacher, school).get(reverse("pupils:detail", args=[pupil.pk]))
    page = response.content.decode()
    assert "FSM" not in page and "Pupil premium" not in page


def _profile_queries(client, pupil) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("pupils:detail", args=[pupil.pk])).status_code == 200
    return len(captured)


def test_profile_queries_do_not_grow_with_history_or_groups(client_as, leader, school_admin, school, my_group, year):
    from pupils import services

    few = pupil_in(my_group)
    many = pupil_in(my_group)
    for n in range(30):
        services.pupil_update(pupil=many, by=school_admin, form=f"6{n}")
    for _ in range(5):
        GroupMembership.objects.create(group=taught_group(school_admin, year), pupil=many, start_date=year.start_date)
    ContactFactory.create_batch(3, pupil=many)
    client = client_as(leader, school)
    _profile_queries(client, few)  # warm up
    assert _profile_queries(client, few) == _profile_queries(client, many)  # other apps' panels included


def test_profile_query_count_without_panels(client_as, leader, school, my_group, monkeypatch,
                                            django_assert_max_num_queries):  # fmt: skip
    monkeypatch.setattr("pupils.views.roll.panels", lambda *args, **kwargs: [])
    pupil = pupil_in(my_group)
    client = client_as(leader, school)
    # session, user, memberships; the pupil; their memberships with groups; the groups' teacher links and
    # users; which of the groups the viewer may open; contacts; history with its users; session save (3).
    with django_assert_max_num_queries(13):
        assert client.get(reverse("pupils:detail", args=[pupil.pk])).status_code == 200


# --------------------------------------------------------------------------- edits, leavers, moves


def test_admin_edits_a_pupil_with_a_validated_upn(client_as, school_admin, school):
    pupil = PupilFactory(school=school)
    client = client_as(school_admin, school)
    url = reverse("pupils:edit", args=[pupil.pk])
    data = {f: getattr(pupil, f) for f in ("legal_forename", "legal_surname", "gender", "year_group", "sen_provision")}
    data |= {"date_of_birth": "2014-03-14", "upn": "B801200005002"}
    response = client.post(url, data)
    assert "check letter" in response.context["form"].errors["upn"][0]
    data["upn"] = pupil.upn
    data["legal_surname"] = "Changed"
    assert client.post(url, data).status_code == 302
    pupil.refresh_from_db()
    assert pupil.legal_surname == "Changed"
    assert pupil.history.first().history_user == school_admin


def test_admin_archives_a_leaver_who_stays_findable(client_as, school_admin, school):
    pupil = PupilFactory(school=school)
    client = client_as(school_admin, school)
    response = client.post(reverse("pupils:archive", args=[pupil.pk]), {"leaving_date": "2026-07-22"})
    assert response.status_code == 302
    pupil.refresh_from_db()
    assert pupil.is_archived
    assert client.get(LIST).context["page"].paginator.count == 0
    assert list(client.get(LIST, {"status": "archived"}).context["page"].object_list) == [pupil]
    assert client.get(reverse("pupils:detail", args=[pupil.pk])).status_code == 200


def test_admin_moves_a_pupil_to_another_set_keeping_history(client_as, school_admin, school, my_group, year):
    pupil = pupil_in(my_group)
    other = TeachingGroupFactory(academic_year=year, name="6 Set 2")
    membership = GroupMembership.objects.get(pupil=pupil)
    client = client_as(school_admin, school)
    response = client.post(reverse("pupils:move", args=[membership.pk]), {"to_group": other.pk, "on": "2026-01-05"})
    assert response.status_code == 302
    assert list(pupil.group_memberships.order_by("start_date").values_list("group__name", "end_date")) == [
        ("6 Set 1", date(2026, 1, 4)),
        ("6 Set 2", None),
    ]
    page = client.get(reverse("pupils:group", args=[my_group.pk])).content.decode()
    assert "Earlier members" in page


def test_group_pages_list_teachers_and_members(client_as, teacher, school, my_group):
    member = pupil_in(my_group)
    client = client_as(teacher, school)
    groups = client.get(reverse("pupils:groups"))
    assert [g.pk for g in groups.context["groups"]] == [my_group.pk]
    assert groups.context["groups"][0].pupil_count == 1
    detail = client.get(reverse("pupils:group", args=[my_group.pk]))
    assert [m.pupil for m in detail.context["current"]] == [member]
    assert teacher.display_name in detail.content.decode()
    rows = rows_of(client.get(reverse("pupils:group", args=[my_group.pk]), {"export": "csv"}))
    assert rows[1][0] == member.upn


def test_teacher_cannot_open_a_group_they_do_not_teach(client_as, teacher, school, year):
    group = TeachingGroupFactory(academic_year=year)
    assert client_as(teacher, school).get(reverse("pupils:group", args=[group.pk])).status_code == 404


# --------------------------------------------------------------------------- the import page

GOOD = "UPN,Surname,Forename,DOB,Gender,Year\n" + "\n".join(
    f"{make_upn(801, 2103, 19, n)},Smith,Pupil{n},14/03/2013,F,6" for n in range(1, 6)
)


def _upload(client, text: str, name: str = "pupils.csv"):
    upload = io.BytesIO(text.encode())
    upload.name = name
    return client.post(reverse("pupils:import"), {"action": "upload", "file": upload})


def _mapping_from(preview) -> dict:
    """The column choices the preview page proposed (what the browser would post back)."""
    form = preview.context["mapping_form"]
    return {name: form.initial.get(name, "") for name in form.fields}


def test_import_preview_lists_every_problem_by_row_and_column_and_imports_nothing(client_as, school_admin, school):
    fourth = make_upn(801, 2103, 19, 4)
    bad = GOOD.replace(make_upn(801, 2103, 19, 2), "B801200005002").replace(f",F,6\n{fourth}", f",X,6\n{fourth}")
    bad += f"\n{make_upn(801, 2103, 19, 1)},Dup,Row,14/03/2013,F,6\n,NoUpn,Row,14/03/2013,F,6"
    response = _upload(client_as(school_admin, school), bad)
    problems = {(e.row, e.column) for e in response.context["errors"]}
    assert (3, "UPN") in problems  # bad check letter
    assert (7, "UPN") in problems and (2, "UPN") in problems  # duplicate UPN on rows 2 and 7
    assert (4, "Gender") in problems  # unknown code
    assert (8, "UPN") in problems  # missing required field
    assert not response.context["can_commit"]
    assert b'value="commit"' not in response.content
    assert not Pupil.objects.exists()


def test_commit_with_a_bad_row_among_many_imports_nothing(client_as, school_admin, school):
    client = client_as(school_admin, school)
    _upload(client, GOOD + "\n" + f"{make_upn(801, 2103, 19, 9)},Smith,Nine,14/03/2013,F,Year 99")
    response = client.post(reverse("pupils:import"), {"action": "commit", **_default_mapping_post()})
    assert response.context["errors"]
    assert not Pupil.objects.exists()


def test_upload_then_commit_imports_and_reports(client_as, school_admin, school):
    client = client_as(school_admin, school)
    preview = _upload(client, GOOD)
    assert preview.context["can_commit"] and len(preview.context["preview"]) == 5
    response = client.post(reverse("pupils:import"), {"action": "commit", **_default_mapping_post()})
    assert response.context["outcome"].created == 5
    assert Pupil.objects.filter(school=school).count() == 5
    assert Pupil.objects.first().history.get().history_user == school_admin


def test_the_user_can_change_the_column_mapping(client_as, school_admin, school):
    client = client_as(school_admin, school)
    text = "Pupil ID,Family,Given,Born,Sex,Year\n" + f"{make_upn(801, 2103, 19, 1)},Smith,Amy,14/03/2013,F,6"
    assert _upload(client, text).context["errors"]  # "Pupil ID", "Family", "Given" are not recognised
    chosen = {"upn": "Pupil ID", "legal_surname": "Family", "legal_forename": "Given", "date_of_birth": "Born"}
    mapping = _default_mapping_post() | {f"map_{k}": v for k, v in chosen.items()} | {"map_gender": "Sex"}
    response = client.post(reverse("pupils:import"), {"action": "commit", **mapping})
    assert response.context["outcome"].created == 1


def test_a_file_over_5_mb_is_refused_clearly(client_as, school_admin, school):
    upload = io.BytesIO(b"x" * (MAX_UPLOAD_BYTES + 1))
    upload.name = "big.csv"
    response = client_as(school_admin, school).post(reverse("pupils:import"), {"action": "upload", "file": upload})
    assert "limit is 5 MB" in response.context["upload_form"].errors["file"][0]


def test_an_unreadable_file_is_a_clear_error(client_as, school_admin, school):
    response = _upload(client_as(school_admin, school), "whatever", name="pupils.xls")
    assert "Only .csv and .xlsx" in response.context["upload_form"].errors["file"][0]


def _default_mapping_post() -> dict:
    return {
        "map_upn": "UPN",
        "map_legal_surname": "Surname",
        "map_legal_forename": "Forename",
        "map_date_of_birth": "DOB",
        "map_gender": "Gender",
        "map_year_group": "Year",
    }


@pytest.mark.parametrize("count", [2, 12])
def test_group_pages_run_the_same_queries_however_many_groups_and_members(
    client_as, teacher, school, year, count, django_assert_max_num_queries
):
    groups = [taught_group(teacher, year) for _ in range(count)]
    for _ in range(count):
        pupil_in(groups[0])
    client = client_as(teacher, school)
    # session, user, memberships; academic years; groups with counts; their teacher links; the teachers;
    # session save (3).
    with django_assert_max_num_queries(10):
        assert client.get(reverse("pupils:groups")).status_code == 200
    # session, user, memberships; the group; its teacher links and users; members with pupils; session save (3).
    with django_assert_max_num_queries(10):
        assert client.get(reverse("pupils:group", args=[groups[0].pk])).status_code == 200


def test_blank_filters_from_the_browser_do_not_narrow_the_list(client_as, leader, school):
    PupilFactory(school=school, year_group=3)
    blank = dict.fromkeys(("year_group", "form", "group", "sen", "eal", "fsm", "gender", "status"), "")
    assert client_as(leader, school).get(LIST, {"q": "", **blank}).context["page"].paginator.count == 1
