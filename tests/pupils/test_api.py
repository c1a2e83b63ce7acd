"""/api/v1/pupils/ and /api/v1/teaching-groups/: scoped exactly like the pages."""

from __future__ import annotations

import pytest

from tests.pupils.factories import PupilFactory, TeachingGroupFactory, pupil_in, taught_group
from tests.schoolpl.factories import AcademicYearFactory

PUPILS = "/api/v1/pupils/"
GROUPS = "/api/v1/teaching-groups/"


@pytest.fixture
def my_group(teacher, school):
    return taught_group(teacher, AcademicYearFactory(school=school))


def test_teacher_gets_only_their_own_pupils_without_fsm(client_as, teacher, school, my_group):
    mine = pupil_in(my_group, fsm=True)
    PupilFactory(school=school)
    data = client_as(teacher, school).get(PUPILS).json()
    assert [p["id"] for p in data["results"]] == [mine.pk]
    assert "fsm" not in data["results"][0] and "pupil_premium" not in data["results"][0]


def test_leader_gets_the_whole_school_with_fsm(client_as, leader, school, other_school):
    ours = PupilFactory(school=school, fsm=True)
    PupilFactory(school=other_school)
    data = client_as(leader, school).get(PUPILS).json()
    assert [p["id"] for p in data["results"]] == [ours.pk]
    assert data["results"][0]["fsm"] is True


def test_another_schools_pupil_is_a_404(client_as, school_admin, school, other_school):
    theirs = PupilFactory(school=other_school)
    assert client_as(school_admin, school).get(f"{PUPILS}{theirs.pk}/").status_code == 404


def test_teacher_gets_404_for_a_pupil_outside_their_groups(client_as, teacher, school, my_group):
    other = PupilFactory(school=school)
    assert client_as(teacher, school).get(f"{PUPILS}{other.pk}/").status_code == 404


def test_sip_gets_no_pupils(client_as, sip, school):
    PupilFactory(school=school)
    assert client_as(sip, school).get(PUPILS).status_code == 403


def test_pupils_filter_by_current_group_and_year(client_as, leader, school, my_group):
    member = pupil_in(my_group)
    PupilFactory(school=school, year_group=4)
    client = client_as(leader, school)
    assert [p["id"] for p in client.get(PUPILS, {"group": my_group.pk}).json()["results"]] == [member.pk]
    assert len(client.get(PUPILS, {"year_group": 4}).json()["results"]) == 1


def test_api_is_read_only(client_as, school_admin, school):
    assert client_as(school_admin, school).post(PUPILS, {}).status_code in (403, 405)


def test_teaching_groups_are_scoped_and_name_their_teachers(client_as, teacher, school, my_group):
    TeachingGroupFactory(academic_year=my_group.academic_year)
    data = client_as(teacher, school).get(GROUPS).json()
    assert [g["id"] for g in data["results"]] == [my_group.pk]
    assert data["results"][0]["teachers"] == [teacher.display_name]


def test_pupil_api_queries_do_not_grow(client_as, leader, school, my_group, django_assert_max_num_queries):
    for _ in range(30):
        pupil_in(my_group)
    client = client_as(leader, school)
    # session, user, memberships; count; page of pupils; session save (3).
    with django_assert_max_num_queries(8):
        assert client.get(PUPILS).status_code == 200
    # ... and teaching groups: count, page, teacher links, their users.
    with django_assert_max_num_queries(10):
        assert client.get(GROUPS).status_code == 200


def test_schema_documents_the_pupil_endpoints(client_as, leader, school):
    schema = client_as(leader, school).get("/api/schema/").content.decode()
    assert "/api/v1/pupils/" in schema and "/api/v1/teaching-groups/" in schema
