"""Free school meals and pupil premium follow one rule (DESIGN §4, issue 20 finding 3): a class teacher (or
personal tutor) sees them only where the school allows it (``School.teachers_see_fsm``, off by default) —
on the dashboard's filters, drill-downs and exports, the pupil pages and the API alike. Leaders, the SENCO
and admins always see them; a SIP sees FSM group figures, never names.

The small school's teacher teaches "6 English" with Amelia Archer (stuck), Ben Brooks (well behind) and
Chloe Carter, all three FSM and pupil premium."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from schoolpl.access import load_access
from tests.targets.dashboard_factories import build_small_school


@pytest.fixture
def small(school, teacher):
    return build_small_school(school, teacher=teacher)


def _allow(school):
    school.teachers_see_fsm = True
    school.save(update_fields=["teachers_see_fsm"])


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _group_keys(response) -> set[str]:
    return {c.key for c in response.context["characteristics"]}


# --- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed", "sees"),
    [
        ("teacher", False, False),
        ("tutor", False, False),
        ("teacher", True, True),
        ("tutor", True, True),
        ("senco", False, True),
        ("leader", False, True),
        ("admin", False, True),
        ("sip", False, True),  # in aggregates only: a SIP never sees a pupil
        ("pupil", True, False),
        ("parent", True, False),
    ],
)
def test_who_sees_fsm(school, role, allowed, sees):
    from tests.schoolpl.factories import MembershipFactory, UserFactory

    school.teachers_see_fsm = allowed
    school.save(update_fields=["teachers_see_fsm"])
    user = UserFactory(username=f"{role}_x")
    MembershipFactory(user=user, school=school, role=role)
    assert load_access(user, school.pk).sees_fsm is sees


# --- the dashboard -------------------------------------------------------------------------------


def test_teacher_is_not_offered_fsm_or_pupil_premium_groups(small, school, client_as, teacher):
    response = client_as(teacher, school).get(reverse("targets:dashboard"))
    assert response.status_code == 200
    assert not {"fsm", "pupil_premium"} & _group_keys(response)
    html = response.content.decode()
    assert 'value="fsm"' not in html and "group=fsm" not in html and "Pupil premium" not in html


def test_teacher_cannot_filter_the_dashboard_by_fsm(small, school, client_as, teacher):
    response = client_as(teacher, school).get(reverse("targets:dashboard") + "?group=fsm")
    assert response.status_code == 200
    assert response.context["f"].group == ""  # ignored, never applied


def test_teacher_drill_down_by_fsm_does_not_list_fsm_pupils(small, school, client_as, teacher):
    """The issue's probe: ``?group=fsm`` on the drill-down is ignored, so the list is not "the FSM pupils"
    (it names no group and includes the teacher's non-FSM pupils alike)."""
    small["pupils"]["C"].fsm = small["pupils"]["C"].pupil_premium = False
    small["pupils"]["C"].save()
    url = reverse("targets:dashboard_pupils") + "?group=fsm&status=on_track,stuck,well_behind&panel=status"
    response = client_as(teacher, school).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "FSM" not in html
    assert response.context["frames"].filters.group == ""
    assert "Chloe Carter" in html  # not FSM: the filter was not applied


@pytest.mark.parametrize("table", ["gaps", "gap-trend", "trend"])
def test_teacher_dashboard_tables_and_exports_have_no_fsm_rows(small, school, client_as, teacher, table):
    client = client_as(teacher, school)
    page = client.get(reverse("targets:dashboard"))
    labels = {row[0].text for row in page.context["tables"][table].rows} | {
        row[1].text for row in page.context["tables"][table].rows
    }
    assert not {"FSM", "Pupil premium"} & labels
    export = client.get(reverse("targets:dashboard_export") + f"?table={table}&format=csv")
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    assert "FSM" not in text and "Pupil premium" not in text


def test_teacher_export_of_pupils_ignores_a_pupil_premium_group(small, school, client_as, teacher):
    small["pupils"]["C"].pupil_premium = False
    small["pupils"]["C"].save()
    url = reverse("targets:dashboard_export") + "?table=pupils&group=pupil_premium&status=on_track&format=csv"
    response = client_as(teacher, school).get(url)
    assert response.status_code == 200
    assert "Chloe Carter" in {row[0] for row in _csv(response)}  # not pupil premium: the group was not applied


def test_teacher_sees_fsm_groups_where_the_school_allows_it(small, school, client_as, teacher):
    _allow(school)
    client = client_as(teacher, school)
    response = client.get(reverse("targets:dashboard") + "?group=fsm")
    assert {"fsm", "pupil_premium"} <= _group_keys(response)
    assert response.context["f"].group == "fsm"
    drill = client.get(reverse("targets:dashboard_pupils") + "?group=fsm&status=stuck")
    assert "Amelia Archer" in drill.content.decode()


@pytest.mark.parametrize("role", ["leader", "senco", "school_admin"])
def test_whole_school_roles_filter_by_fsm(small, school, client_as, request, role):
    client = client_as(request.getfixturevalue(role), school)
    response = client.get(reverse("targets:dashboard") + "?group=fsm")
    assert {"fsm", "pupil_premium"} <= _group_keys(response)
    assert response.context["f"].group == "fsm"
    rows = _csv(client.get(reverse("targets:dashboard_export") + "?table=gaps&format=csv"))
    assert "FSM" in {r[0] for r in rows}


def test_sip_keeps_fsm_figures_without_names(small, school, client_as, sip):
    client = client_as(sip, school)
    response = client.get(reverse("targets:dashboard") + "?group=fsm")
    assert response.context["f"].group == "fsm"
    assert "FSM" in {row[0].text for row in response.context["tables"]["gaps"].rows}
    assert "Amelia" not in response.content.decode()
    assert client.get(reverse("targets:dashboard_pupils") + "?group=fsm&status=stuck").status_code == 403


# --- pupil pages and the API -----------------------------------------------------------------------


def test_teacher_pupil_pages_show_fsm_only_where_the_school_allows_it(small, school, client_as, teacher):
    client = client_as(teacher, school)
    amelia = small["pupils"]["A"]
    profile = reverse("pupils:detail", kwargs={"pk": amelia.pk})
    assert ">FSM<" not in client.get(profile).content.decode()
    assert "FSM" not in _csv(client.get(reverse("pupils:list") + "?export=csv"))[0]
    listed = client.get(reverse("pupils:list") + "?fsm=yes")  # a crafted filter is ignored
    assert "Chloe" in listed.content.decode() and ">FSM<" not in listed.content.decode()
    _allow(school)
    assert ">FSM<" in client.get(profile).content.decode()
    assert "FSM" in _csv(client.get(reverse("pupils:list") + "?export=csv"))[0]


def test_teacher_api_has_no_fsm_fields_unless_the_school_allows_it(small, school, client_as, teacher):
    client = client_as(teacher, school)
    amelia = small["pupils"]["A"]
    listed = client.get("/api/v1/pupils/").json()["results"]
    one = client.get(f"/api/v1/pupils/{amelia.pk}/").json()
    assert listed and not [p for p in listed if {"fsm", "pupil_premium"} & set(p)]
    assert not {"fsm", "pupil_premium"} & set(one)
    _allow(school)
    assert client.get(f"/api/v1/pupils/{amelia.pk}/").json()["fsm"] is True


def test_admin_lets_class_teachers_see_fsm_in_the_school_settings(school, client_as, school_admin):
    client = client_as(school_admin, school)
    assert "teachers_see_fsm" in client.get(reverse("school_settings")).content.decode()
    data = {"name": school.name, "phase": school.phase, "teachers_see_fsm": "on", "small_count_threshold": 5}
    assert client.post(reverse("school_settings"), data).status_code == 302
    school.refresh_from_db()
    assert school.teachers_see_fsm is True
