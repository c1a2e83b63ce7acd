"""Pupil passports: written with the pupil by the SENCO, reviewed termly with history kept, read by every
teacher of the pupil (its page, the assessment grid, the pupil profile) and by nobody else by name; the 1b and
6c evidence on a hand-built school, for a period that excludes what came after it. The test clock is 10 March
2026."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from interventions import evidence, support_services
from interventions.models import Adjustment, Passport
from schoolpl.models import School
from tests.assessment.factories import subjects_for
from tests.interventions.factories import PupilFactory
from tests.pupils.factories import pupil_in, taught_group
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

AUTUMN = (dt.date(2025, 9, 1), dt.date(2025, 12, 19))
SPRING = (dt.date(2026, 1, 5), dt.date(2026, 3, 10))


def _write(pupil, day, senco=None, **fields):
    words = {"about_me": "I like trains.", "helps_me": "Show me pictures.", "contributors": "the pupil and mum"}
    return support_services.passport_save(school=pupil.school, pupil=pupil, written_on=day, by=senco, **words | fields)


@pytest.fixture
def year(school):
    return AcademicYearFactory(school=school)


@pytest.fixture
def group(teacher, year):
    return taught_group(teacher, year, name="6B", subject="english", kind="class")


@pytest.fixture
def sen_pupil(group):
    return pupil_in(group, sen_provision="K", legal_forename="Zara", legal_surname="Quill")


def test_writing_a_passport_is_its_first_review_and_is_audited(school, senco, sen_pupil):
    passport = _write(sen_pupil, dt.date(2026, 1, 12), senco)
    assert (passport.reviewed_on, passport.next_review_on) == (dt.date(2026, 1, 12), dt.date(2026, 4, 13))
    assert [r.reviewed_on for r in passport.reviews.all()] == [dt.date(2026, 1, 12)]
    assert passport.history.get().history_user == senco
    review = support_services.passport_review(passport=passport, reviewed_on=dt.date(2026, 3, 2), by=senco)
    passport.refresh_from_db()
    assert (passport.reviewed_on, passport.next_review_on) == (dt.date(2026, 3, 2), dt.date(2026, 6, 1))
    assert review.history.get().history_user == senco
    assert passport.history.count() == 2


def test_a_review_cannot_predate_the_passport_and_non_sen_pupils_have_none(school, sen_pupil, group):
    passport = _write(sen_pupil, dt.date(2026, 1, 12))
    with pytest.raises(ValidationError):
        support_services.passport_review(passport=passport, reviewed_on=dt.date(2025, 12, 1))
    with pytest.raises(ValidationError, match="SEN"):
        _write(pupil_in(group), dt.date(2026, 1, 12))


def test_an_ended_adjustment_is_kept(school, sen_pupil):
    passport = _write(sen_pupil, dt.date(2026, 1, 12))
    adjustment = support_services.adjustment_add(
        passport=passport, kind="ict", description="Reading pen", added_on=dt.date(2026, 1, 12)
    )
    support_services.adjustment_end(adjustment=adjustment, ended_on=dt.date(2026, 3, 1))
    assert Adjustment.objects.get().ended_on == dt.date(2026, 3, 1)
    with pytest.raises(ValidationError):
        support_services.adjustment_end(adjustment=adjustment, ended_on=dt.date(2026, 3, 2))


def test_senco_writes_a_passport_through_the_page(client_as, school, senco, sen_pupil):
    client = client_as(senco, school)
    response = client.post(
        reverse("interventions:passport_edit", args=[sen_pupil.pk]),
        {
            "about_me": "I love drawing dragons.",
            "find_hard": "Copying from the board.",
            "helps_me": "A copy of the board on my desk.",
            "contributors": "Zara, her dad and the SENCO",
            "pupil_contributed": "on",
            "written_on": "2026-03-02",
        },
    )
    assert response.status_code == 302
    passport = Passport.objects.get(pupil=sen_pupil)
    assert passport.helps_me == "A copy of the board on my desk." and passport.updated_by == senco
    client.post(
        reverse("interventions:adjustment_add", args=[sen_pupil.pk]),
        {"adj-kind": "access", "adj-description": "25% extra time", "adj-added_on": "2026-03-02"},
    )
    page = client.get(reverse("interventions:passport_detail", args=[sen_pupil.pk])).content.decode()
    assert "25% extra time" in page and "I love drawing dragons." in page and "Current" in page


def test_teacher_of_the_pupil_reads_it_another_teacher_gets_404_and_a_sip_403(
    client_as, school, teacher, sip, sen_pupil
):
    _write(sen_pupil, dt.date(2026, 1, 12))
    url = reverse("interventions:passport_detail", args=[sen_pupil.pk])
    page = client_as(teacher, school).get(url)
    assert page.status_code == 200 and "Show me pictures." in page.content.decode()
    assert "Edit the passport" not in page.content.decode()  # read-only for a teacher
    assert (
        client_as(teacher, school).get(reverse("interventions:passport_edit", args=[sen_pupil.pk])).status_code == 403
    )
    stranger = UserFactory(username="stranger")
    MembershipFactory(user=stranger, school=school, role="teacher")
    assert client_as(stranger, school).get(url).status_code == 404
    listing = client_as(stranger, school).get(reverse("interventions:passport_list")).content.decode()
    assert "Quill" not in listing
    assert client_as(sip, school).get(url).status_code == 403
    assert client_as(sip, school).get(reverse("interventions:passport_list")).status_code == 403


def test_list_shows_status_and_exports(client_as, school, senco, group, sen_pupil):
    _write(sen_pupil, dt.date(2025, 9, 1))  # more than four months ago: overdue
    pupil_in(group, sen_provision="E", legal_surname="Nopassport")
    client = client_as(senco, school)
    page = client.get(reverse("interventions:passport_list")).content.decode()
    assert "Review overdue" in page and "Nopassport" in page and "None yet" in page
    csv = client.get(reverse("interventions:passport_list") + "?format=csv").content.decode("utf-8-sig")
    assert "review overdue" in csv and "no passport" in csv


def test_list_query_count_is_constant(client_as, school, senco, group, django_assert_max_num_queries):
    for i in range(12):
        _write(pupil_in(group, sen_provision="K"), dt.date(2026, 1, 5 + i))
    client = client_as(senco, school)
    # session, user, memberships (3); SEN pupils with their passports and adjustment counts (1); savepoints and
    # the session save (≤ 3); one to spare.
    with django_assert_max_num_queries(8):
        assert client.get(reverse("interventions:passport_list")).status_code == 200


def test_teacher_sees_the_passport_link_on_the_grid(client_as, school, teacher, year, group, sen_pupil):
    subjects = subjects_for(school)
    window = AssessmentWindowFactory(academic_year=year, name="Spring 2026")
    other = pupil_in(group)
    _write(sen_pupil, dt.date(2026, 1, 12))
    url = f"{reverse('assessment:grid')}?group={group.pk}&window={window.pk}&subject={subjects['reading'].pk}"
    page = client_as(teacher, school).get(url).content.decode()
    link = reverse("interventions:passport_detail", args=[sen_pupil.pk])
    assert f'href="{link}" aria-label="Passport for {sen_pupil.display_name}"' in page
    assert reverse("interventions:passport_detail", args=[other.pk]) not in page


def test_profile_panel_shows_the_passport_to_the_teacher(client_as, school, teacher, sen_pupil):
    passport = _write(sen_pupil, dt.date(2026, 1, 12))
    support_services.adjustment_add(passport=passport, kind="ict", description="Laptop", added_on=dt.date(2026, 1, 12))
    page = client_as(teacher, school).get(reverse("pupils:detail", args=[sen_pupil.pk])).content.decode()
    assert "Pupil passport: what helps me" in page and "Laptop" in page


# --- Evidence: 1b and 6c ----------------------------------------------------------------------------------


def build_evidence_school(school) -> dict:
    """Ten pupils with SEN on roll all year, one who left last summer, one who joined in February, three
    without SEN; four passports (see each figure's test for what each contributes)."""
    School.objects.filter(pk=school.pk).update(small_count_threshold=0)  # exact figures (the SIP rule is tested below)
    school.refresh_from_db()
    sen = [PupilFactory(school=school, sen_provision="K") for _ in range(10)]
    PupilFactory(school=school, sen_provision="K", leaving_date=dt.date(2025, 7, 20), archived_at="2025-07-21T12:00Z")
    newcomer = PupilFactory(school=school, sen_provision="E", admission_date=dt.date(2026, 2, 1))
    for _ in range(3):
        PupilFactory(school=school)
    p0 = _write(sen[0], dt.date(2025, 10, 1))
    support_services.passport_review(passport=p0, reviewed_on=dt.date(2026, 2, 1))
    support_services.adjustment_add(passport=p0, kind="ict", description="Laptop", added_on=dt.date(2025, 10, 1))
    _write(sen[1], dt.date(2025, 6, 1))  # never reviewed: out of date in both periods
    p2 = _write(sen[2], dt.date(2026, 1, 20))  # after the autumn: the autumn never sees it
    support_services.adjustment_add(passport=p2, kind="access", description="Reader", added_on=dt.date(2026, 1, 20))
    p3 = _write(sen[3], dt.date(2025, 9, 10))
    support_services.passport_review(passport=p3, reviewed_on=dt.date(2026, 3, 1))
    ended = support_services.adjustment_add(passport=p3, kind="ict", description="Pen", added_on=dt.date(2025, 9, 10))
    support_services.adjustment_end(adjustment=ended, ended_on=dt.date(2025, 11, 1))
    support_services.adjustment_add(passport=p3, kind="seating", description="Front", added_on=dt.date(2025, 9, 10))
    return {"sen": sen, "newcomer": newcomer}


def _figures(school, period, code):
    return [e.value for e in evidence.evidence(school, *period) if e.item_code == code]


def test_1b_and_6c_for_the_autumn_exclude_what_came_after(school):
    build_evidence_school(school)
    words = "pupils with SEN on roll in the period"
    assert _figures(school, AUTUMN, "1b") == [f"20% (2 of 10 {words})", f"20% (2 of 10 {words})"]
    assert _figures(school, AUTUMN, "6c") == [f"10% (1 of 10 {words})"]


def test_1b_and_6c_for_the_spring(school):
    build_evidence_school(school)
    words = "pupils with SEN on roll in the period"
    assert _figures(school, SPRING, "1b") == [f"27% (3 of 11 {words})", f"27% (3 of 11 {words})"]
    assert _figures(school, SPRING, "6c") == [f"18% (2 of 11 {words})"]


def test_small_counts_are_hidden_from_a_sip(school):
    build_evidence_school(school)
    School.objects.filter(pk=school.pk).update(small_count_threshold=5)
    school.refresh_from_db()
    assert _figures(school, SPRING, "6c") == ["<5 of 11 pupils with SEN on roll in the period"]


def test_evidence_queries_are_constant(school, django_assert_num_queries):
    from interventions import evidence_support

    build_evidence_school(school)
    with django_assert_num_queries(2):  # pupils with SEN and their passports; multi-agency involvements
        evidence_support.evidence(school, *SPRING)
