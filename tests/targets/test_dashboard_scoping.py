"""Scoping: a SIP sees figures and never a name or UPN; a teacher's figures count only their own groups;
the trust view covers only schools where the user holds a whole-school dashboard role."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.schoolpl.factories import MembershipFactory
from tests.targets.dashboard_factories import PUPILS, build_small_school
from tests.targets.test_dashboard_figures import row_for


@pytest.fixture
def small(school, teacher):
    return build_small_school(school, teacher=teacher)


def _identifiers(small):
    names = [f"{forename}" for forename, *_rest in PUPILS.values()]
    names += [surname for _f, surname, *_rest in PUPILS.values()]
    return names + [p.upn for p in small["pupils"].values()]


def test_sip_page_has_figures_but_no_pupil_names_or_upns(small, school, client_as, sip):
    response = client_as(sip, school).get(reverse("targets:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    leaks = [text for text in _identifiers(small) if text in html]
    assert not leaks, f"SIP page shows {leaks}"
    assert reverse("targets:dashboard_pupils") not in html  # no drill-down to pupils
    overview = response.context["tables"]["overview"]
    # 6 pupils: 1, 2, 1, 1, 1 — small counts read "<5", and the 6 is hidden ("x") as All years − 6 = Year 5's 4.
    assert [c.value for c in row_for(overview, "Year 6", "Reading")[2:]] == ["x", "<5", "<5", "<5", "<5", "<5"]
    # The stuck list becomes counts by subject, status and since when.
    assert response.context["tables"]["stuck"].export_rows == [
        ["Reading", "Stuck", "Spring 2025", "<5"],
        ["Reading", "Well behind", "Summer 2025", "<5"],
        ["Mathematics", "Stuck", "Autumn 2025", "<5"],
    ]


@pytest.mark.parametrize(
    "table", ["overview", "stuck", "gaps", "gap-trend", "trend", "levels-KS1-{r}", "matrix-KS1-{r}"]
)
def test_sip_exports_contain_no_names_or_upns(small, school, client_as, sip, table):
    url = reverse("targets:dashboard_export") + f"?table={table.format(r=small['reading'].pk)}&format=csv"
    response = client_as(sip, school).get(url)
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) > 1
    assert not [t for t in _identifiers(small) if t in text]


def test_sip_cannot_list_or_export_pupils(small, school, client_as, sip):
    client = client_as(sip, school)
    assert client.get(reverse("targets:dashboard_pupils") + "?status=stuck").status_code == 403
    assert client.get(reverse("targets:dashboard_export") + "?table=pupils&format=csv").status_code == 403


def test_teacher_figures_count_only_pupils_now_in_their_groups(small, school, client_as, teacher):
    response = client_as(teacher, school).get(reverse("targets:dashboard"))
    assert response.context["pupils_in_view"] == 3
    overview = response.context["tables"]["overview"]
    # A stuck, B well behind, C on track (D has left the group)
    assert [c.value for c in row_for(overview, "Year 6", "Reading")[2:]] == [3, 0, 1, 0, 1, 1]
    assert {r[0].text for r in overview.rows} == {"Year 6", "All years"}
    assert [r[0] for r in response.context["tables"]["stuck"].export_rows] == ["Amelia Archer", "Ben Brooks"]
    assert b"Daniel Dixon" not in response.content and b"Farhan Fofana" not in response.content


def test_teacher_drill_down_and_export_list_only_their_pupils(small, school, client_as, teacher):
    client = client_as(teacher, school)
    listing = client.get(reverse("targets:dashboard_pupils") + "?status=stuck")
    assert [r[0].text for r in listing.context["table"].rows] == ["Amelia Archer"]
    export = client.get(reverse("targets:dashboard_export") + "?table=pupils&format=csv").content.decode("utf-8-sig")
    assert "Farhan Fofana" not in export and "Amelia Archer" in export


def test_teacher_cannot_filter_by_a_group_they_do_not_teach(small, school, client_as, teacher):
    from tests.targets.dashboard_factories import enrol, teaching_group

    other = teaching_group(school, small["group"].academic_year, "6 Maths", subject="maths")
    enrol(other, small["pupils"]["F"])
    response = client_as(teacher, school).get(reverse("targets:dashboard") + f"?teaching_group={other.pk}")
    assert response.context["f"].teaching_group_id is None
    assert response.context["pupils_in_view"] == 3


def test_outsider_sees_only_their_own_school(small, other_school, client_as, outsider):
    response = client_as(outsider, other_school).get(reverse("targets:dashboard"))
    assert response.status_code == 200
    assert response.context["pupils_in_view"] == 0
    assert b"Amelia" not in response.content


def test_trust_view_shows_each_school_where_the_user_sees_the_whole_school(
    small, school, other_school, client_as, leader
):
    from schoolpl.models import School

    third = School.objects.create(name="Teacher-only school", urn="777777", la_code="801", estab="7777")
    MembershipFactory(user=leader, school=other_school, role="sip")
    MembershipFactory(user=leader, school=third, role="teacher")
    other = build_small_school(other_school)
    other["pupils"]["A"].archived_at = other["pupils"]["A"].judgements.first().judged_at
    other["pupils"]["A"].save()
    response = client_as(leader, school).get(reverse("targets:trust_dashboard"))
    assert [b["school"] for b in response.context["per_school"]] == [other_school, school]
    rows = response.context["table"].export_rows
    assert [r[:3] for r in rows if r[1] == "Reading"] == [
        ["Elsewhere Primary School", "Reading", 9],  # the archived pupil is not counted
        ["Greenfield Primary School", "Reading", 10],
    ]
    greenfield = next(r for r in rows if r[0] == "Greenfield Primary School" and r[1] == "Reading")
    # 1, 5, 2, 1, 1 of 10: figures outside the school, so small counts and their shares are hidden.
    assert greenfield[3:] == ["<5", None, 5, 50.0, "<5", None, "<5", None, "<5", None]
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]  # the school switcher lists every school
    assert "Teacher-only school" not in main
    assert not [t for t in _identifiers(small) if t in html]


def test_trust_view_exports(small, school, client_as, leader):
    response = client_as(leader, school).get(reverse("targets:trust_dashboard") + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:3] == ["Greenfield Primary School", "Reading", "10"]
