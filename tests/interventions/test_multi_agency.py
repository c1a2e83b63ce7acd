"""Multi-agency work: the SENCO records it with history, senior leaders read it, class teachers and SIPs never
see it by name; the list exports; the 8d and 9b evidence on a hand-built school, for periods that exclude what
came after them. The test clock is 10 March 2026."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from interventions import evidence, support_services
from interventions.models import AgencyInvolvement
from schoolpl.models import School
from tests.interventions.factories import PupilFactory
from tests.pupils.factories import pupil_in, taught_group
from tests.schoolpl.factories import AcademicYearFactory

pytestmark = pytest.mark.django_db

AUTUMN = (dt.date(2025, 9, 1), dt.date(2025, 12, 19))
SPRING = (dt.date(2026, 1, 5), dt.date(2026, 3, 10))


def _involve(pupil, kind, service, referred, contact=None, closed=None, by=None, **fields):
    return support_services.involvement_save(
        school=pupil.school, pupil=pupil, kind=kind, service=service, referred_on=referred, first_contact_on=contact,
        closed_on=closed, by=by, **fields,
    )  # fmt: skip


@pytest.fixture
def taught_pupil(school, teacher):
    group = taught_group(teacher, AcademicYearFactory(school=school), name="6B", subject="english", kind="class")
    return pupil_in(group, legal_forename="Ollie", legal_surname="Vantage")


def test_senco_records_and_updates_with_history(client_as, school, senco, taught_pupil):
    client = client_as(senco, school)
    response = client.post(
        reverse("interventions:agency_create", args=[taught_pupil.pk]),
        {"kind": "referral", "service": "salt", "referred_on": "2026-01-12", "reason": "Unclear speech"},
    )
    assert response.status_code == 302
    involvement = AgencyInvolvement.objects.get()
    assert involvement.recorded_by == senco and involvement.history.get().history_user == senco
    client.post(
        reverse("interventions:agency_edit", args=[involvement.pk]),
        {"kind": "referral", "service": "salt", "referred_on": "2026-01-12", "first_contact_on": "2026-02-02",
         "outcome": "Therapy block agreed"},
    )  # fmt: skip
    involvement.refresh_from_db()
    assert involvement.days_to_contact == 21 and involvement.history.count() == 2


def test_a_first_contact_before_the_referral_is_refused(client_as, school, senco, taught_pupil):
    response = client_as(senco, school).post(
        reverse("interventions:agency_create", args=[taught_pupil.pk]),
        {"kind": "referral", "service": "salt", "referred_on": "2026-01-12", "first_contact_on": "2026-01-02"},
    )
    assert response.status_code == 200 and "cannot come before the referral" in response.content.decode()
    assert not AgencyInvolvement.objects.exists()


def test_leader_reads_teacher_and_sip_never_do(client_as, school, leader, teacher, sip, taught_pupil):
    _involve(taught_pupil, "early_help", "family", dt.date(2026, 1, 12), reason="Attendance falling")
    pages = [reverse("interventions:agency_list"), reverse("interventions:agency_pupil", args=[taught_pupil.pk])]
    for url in pages:
        page = client_as(leader, school).get(url)
        assert page.status_code == 200 and "Attendance falling" in page.content.decode()
        assert client_as(teacher, school).get(url).status_code == 403
        assert client_as(sip, school).get(url).status_code == 403
    profile = reverse("pupils:detail", args=[taught_pupil.pk])
    assert "Multi-agency work" in client_as(leader, school).get(profile).content.decode()
    assert "Multi-agency work" not in client_as(teacher, school).get(profile).content.decode()


def test_list_exports_and_filters(client_as, school, senco, taught_pupil):
    _involve(taught_pupil, "referral", "camhs", dt.date(2025, 11, 3), dt.date(2026, 2, 2), reason="Anxiety")
    _involve(taught_pupil, "referral", "salt", dt.date(2025, 3, 3), dt.date(2025, 3, 10), dt.date(2025, 7, 1))
    client = client_as(senco, school)
    csv = client.get(reverse("interventions:agency_list") + "?format=csv").content.decode("utf-8-sig")
    assert "Vantage" in csv and "CAMHS" in csv and ",91," in csv  # days to first contact
    xlsx = client.get(reverse("interventions:agency_list") + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    open_only = client.get(reverse("interventions:agency_list") + "?state=open").content.decode()
    assert "3 Nov 2025" in open_only and "3 Mar 2025" not in open_only


def test_list_query_count_is_constant(client_as, school, senco, django_assert_max_num_queries):
    for i in range(10):
        _involve(PupilFactory(school=school), "referral", "health", dt.date(2026, 1, 1 + i))
    client = client_as(senco, school)
    # session, user, memberships (3); involvements with their pupils (1); savepoints and session save (≤ 3).
    with django_assert_max_num_queries(8):
        assert client.get(reverse("interventions:agency_list")).status_code == 200


# --- Evidence: 8d and 9b -----------------------------------------------------------------------------------


def build(school) -> list:
    School.objects.filter(pk=school.pk).update(small_count_threshold=0)  # exact figures
    school.refresh_from_db()
    s = [PupilFactory(school=school) for _ in range(4)]
    leaver = PupilFactory(school=school, leaving_date=dt.date(2025, 7, 20), archived_at="2025-07-21T12:00Z")
    _involve(s[0], "referral", "salt", dt.date(2025, 10, 1), dt.date(2025, 10, 11), dt.date(2026, 1, 15))
    _involve(s[1], "early_help", "family", dt.date(2025, 11, 1), dt.date(2025, 11, 21))
    _involve(s[0], "referral", "camhs", dt.date(2025, 12, 1), dt.date(2026, 2, 1))  # contact after the autumn
    _involve(s[2], "tac", "social_care", dt.date(2026, 1, 10), dt.date(2026, 1, 13))  # after the autumn
    _involve(s[3], "referral", "health", dt.date(2025, 3, 1), dt.date(2025, 3, 8), dt.date(2025, 6, 1))  # closed
    _involve(leaver, "referral", "ed_psych", dt.date(2025, 5, 1))  # left before either period
    return s


def _figures(school, period, code):
    return [e.value for e in evidence.evidence(school, *period) if e.item_code == code]


def test_8d_and_9b_for_the_autumn_exclude_what_came_after(school):
    build(school)
    assert _figures(school, AUTUMN, "8d") == [
        "3 involvements of other services with 2 pupils; 3 referrals or assessments begun in the period; "
        "median 15 days from referral to first contact (2 referrals made in the period)"
    ]
    assert _figures(school, AUTUMN, "9b") == [
        "1 pupils with an early help assessment or a team around the child open in the period"
    ]


def test_8d_and_9b_for_the_spring(school):
    build(school)
    assert _figures(school, SPRING, "8d") == [
        "4 involvements of other services with 3 pupils; 1 referrals or assessments begun in the period; "
        "median 3 days from referral to first contact (1 referrals made in the period)"
    ]
    assert _figures(school, SPRING, "9b") == [
        "2 pupils with an early help assessment or a team around the child open in the period"
    ]


def test_a_sip_sees_small_counts_hidden(school):
    build(school)
    School.objects.filter(pk=school.pk).update(small_count_threshold=5)
    school.refresh_from_db()
    assert _figures(school, SPRING, "8d") == [
        "<5 involvements of other services with <5 pupils; <5 referrals or assessments begun in the period; "
        "<5 referrals with a first contact: median hidden"
    ]
    assert _figures(school, SPRING, "9b") == [
        "<5 pupils with an early help assessment or a team around the child open in the period"
    ]


def test_history_page_shows_passport_and_multi_agency_changes_to_the_senco(client_as, school, senco, taught_pupil):
    taught_pupil.sen_provision = "K"
    taught_pupil.save()
    support_services.passport_save(
        school=school, pupil=taught_pupil, written_on=dt.date(2026, 1, 12), by=senco,
        about_me="I like trains.", helps_me="Pictures.", contributors="the pupil",
    )  # fmt: skip
    _involve(taught_pupil, "referral", "salt", dt.date(2026, 1, 12), by=senco)
    page = client_as(senco, school).get(reverse("pupils:history", args=[taught_pupil.pk])).content.decode()
    assert "Pupil passport" in page and "Referral to a service: Speech and language therapy" in page
