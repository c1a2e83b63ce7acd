"""Personal tutors and half-termly progress reviews."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from interventions import selectors as intervention_selectors
from partnership.models import ProgressReview
from tests.partnership import factories as f

pytestmark = pytest.mark.django_db


def test_tutor_sees_tutees_only_with_who_is_overdue_first(school, client_as):
    tutor = f.tutor_user(school)
    reviewed, never, other = f.pupil(school), f.pupil(school), f.pupil(school)
    f.tutor_of(tutor, reviewed, never)
    f.review(reviewed, tutor, held_on=timezone.localdate())
    page = client_as(tutor, school).get(reverse("partnership:reviews"))
    rows = page.context["rows"]
    assert [r["pupil"] for r in rows] == [never, reviewed]
    assert [r["state"] for r in rows] == ["overdue", "done"]
    assert other.display_name not in page.content.decode()


def test_review_list_query_count_does_not_grow_with_tutees(school, client_as, django_assert_max_num_queries):
    tutor = f.tutor_user(school)
    f.tutor_of(tutor, *[f.pupil(school) for _ in range(3)])
    client = client_as(tutor, school)
    # session, user, memberships, windows, pupils annotated with last review and tutor, + session save (3)
    with django_assert_max_num_queries(8):
        client.get(reverse("partnership:reviews"))
    f.tutor_of(tutor, *[f.pupil(school) for _ in range(20)])
    with django_assert_max_num_queries(8):
        assert len(client.get(reverse("partnership:reviews")).context["rows"]) == 23


def test_tutor_records_a_review_with_the_pupils_view_and_a_senco_referral(school, client_as):
    tutor = f.tutor_user(school)
    pupil = f.pupil(school)
    f.tutor_of(tutor, pupil)
    target = f.curricular_target(pupil, "Learn the 6 times table")
    other_target = f.curricular_target(f.pupil(school), "Not theirs")
    client = client_as(tutor, school)
    url = reverse("partnership:review_add", kwargs={"pk": pupil.pk})
    data = {
        "held_on": timezone.localdate().isoformat(),
        "pupil_attended": "on",
        "parent_attended": "on",
        "pupil_view": "I am getting better at reading",
        "targets_reviewed": [target.pk],
        "barriers": "Finds it hard to hear in class",
        "refer_to_senco": "on",
        "referral_reason": "",
    }
    assert client.post(url, data).status_code == 200  # a referral needs a reason
    assert client.post(url, {**data, "targets_reviewed": [other_target.pk], "referral_reason": "x"}).status_code == 200
    response = client.post(url, {**data, "referral_reason": "Possible hearing difficulty"})
    assert response.status_code == 302
    review = ProgressReview.objects.get()
    assert (review.tutor, review.pupil_view, review.parent_attended) == (tutor, "I am getting better at reading", True)
    assert list(review.targets_reviewed.all()) == [target]
    referred = intervention_selectors.referred_pupils(school)
    assert set(referred) == {pupil.pk}
    assert "Possible hearing difficulty" in referred[pupil.pk]


def test_closed_referrals_leave_the_senco_list(school, senco, client_as):
    pupil = f.pupil(school)
    review = f.review(pupil, senco, refer_to_senco=True, referral_reason="Speech")
    client = client_as(senco, school)
    assert "Speech" in client.get(reverse("partnership:referrals")).content.decode()
    client.post(reverse("partnership:referral_close", kwargs={"pk": review.pk}))
    assert intervention_selectors.referred_pupils(school) == {}


def test_a_teacher_who_is_not_the_tutor_cannot_record_a_review(school, teacher, client_as):
    pupil = f.pupil(school)
    f.taught_by(teacher, pupil)
    client = client_as(teacher, school)
    assert client.get(reverse("partnership:pupil", kwargs={"pk": pupil.pk})).status_code == 200
    assert client.get(reverse("partnership:review_add", kwargs={"pk": pupil.pk})).status_code == 403


def test_tutor_sees_progress_in_every_subject_read_only(school, client_as):
    tutor = f.tutor_user(school)
    pupil = f.pupil(school)
    f.tutor_of(tutor, pupil)
    window = f.window_of(school)
    f.judgement(pupil, f.subject(school, "reading", "Reading"), window, "4b", 27)
    f.judgement(pupil, f.subject(school, "science", "Science"), window, "3c", 19)
    page = client_as(tutor, school).get(reverse("partnership:pupil", kwargs={"pk": pupil.pk})).content.decode()
    assert "working at level 4, secure (4b)" in page and "working at level 3, just started (3c)" in page


def test_a_former_tutor_loses_access(school, client_as):
    tutor = f.tutor_user(school)
    pupil = f.pupil(school)
    f.tutor_of(tutor, pupil, start=dt.date(2020, 9, 1))
    pupil.tutor_assignments.update(end_date=timezone.localdate() - dt.timedelta(days=1))
    assert client_as(tutor, school).get(reverse("partnership:pupil", kwargs={"pk": pupil.pk})).status_code == 404


def test_admin_adds_and_edits_a_contact_and_a_tutor_cannot(school, school_admin, client_as):
    pupil = f.pupil(school)
    tutor = f.tutor_user(school)
    f.tutor_of(tutor, pupil)
    url = reverse("partnership:contacts", kwargs={"pk": pupil.pk})
    data = {"name": "Lena Novak", "relationship": "Mother", "email": "lena@example.org", "preferred_language": "Polish",
            "parental_responsibility": "on", "priority": 1}  # fmt: skip
    assert client_as(tutor, school).post(url, data).status_code == 403
    assert client_as(school_admin, school).post(url, data).status_code == 302
    contact = pupil.contacts.get()
    assert contact.preferred_language == "Polish"
    edit = reverse("partnership:contact_edit", kwargs={"pk": contact.pk})
    client_as(school_admin, school).post(edit, {**data, "preferred_language": "English"})
    contact.refresh_from_db()
    assert contact.preferred_language == "English"
