"""A pupil's comment on a target reaches their teachers: on the teacher's targets page and as a notice
(issue 16), not only on the tutor's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in
from targets.models import Notification
from tests.partnership import factories as f
from tests.targets.factories import SubjectFactory, TeachingGroupFactory, enrol, teach

pytestmark = pytest.mark.django_db


def test_a_pupils_comment_shows_on_the_teachers_targets_page_and_notifies_their_teachers(
    client, school, teacher, senco
):
    reading = SubjectFactory(school=school, code="reading", group_subject="english")
    pupil, other = f.pupil(school), f.pupil(school)
    english = TeachingGroupFactory(school=school, subject="english")
    maths = TeachingGroupFactory(school=school, subject="maths")
    enrol(english, pupil, other)
    enrol(maths, pupil)
    teach(english, teacher)
    teach(maths, senco)  # teaches the pupil, but not the target's subject
    target = f.curricular_target(pupil, subject=reading)
    f.portal_on(school)
    sign_in(client, f.portal_user(pupil, "pupil"), school)
    client.post(reverse("partnership:portal_comment", kwargs={"pk": target.pk}), {"text": "I found the clue myself"})

    notices = Notification.objects.filter(kind="pupil_comment")
    assert [(n.user, n.pupil) for n in notices] == [(teacher, pupil)]
    assert "I found the clue myself" in notices[0].message
    sign_in(client, teacher, school)
    page = client.get(reverse("targets:pupil", kwargs={"pk": pupil.pk})).content.decode()
    assert "I found the clue myself" in page
