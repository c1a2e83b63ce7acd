"""Staff and roles: invitations and the set-password link, roles, teaching groups and tutees, leavers,
multi-factor resets, and the audit of each (the MIS import: test_staff_import.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import sign_in
from pupils.models import TeachingGroupTeacher, TutorAssignment
from schoolpl import staff
from schoolpl.models import Membership, StaffChange, User
from tests.pupils.factories import PupilFactory, TeachingGroupFactory
from tests.schoolpl.factories import AcademicYearFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-new-password-2026"


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Post the invitation form, sending the e-mail as the commit would."""

    def _invite(client, email="amy.jones@example.org", roles=("teacher",)):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("staff_invite"),
                {"email": email, "first_name": "Amy", "last_name": "Jones", "roles": list(roles)},
            )

    return _invite


def _link(mail) -> str:
    return re.search(r"https?://\S+/accounts/welcome/\S+/", mail.body).group(0)


@pytest.fixture
def admin_client(client, school_admin, school):
    return sign_in(client, school_admin, school)


def _actions(user) -> list[str]:
    return list(StaffChange.objects.filter(user=user).order_by("pk").values_list("action", flat=True))


def test_invite_set_password_once_then_sign_in_reaches_the_second_factor(
    admin_client, school, school_admin, mailoutbox, invite
):
    response = invite(admin_client)
    user = User.objects.get(email="amy.jones@example.org")
    assert response.status_code == 302 and response["Location"] == reverse("staff_detail", args=[user.pk])
    assert not user.has_usable_password()
    assert staff.staff_member_roles(school, user) == ["teacher"]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["amy.jones@example.org"]
    link = _link(mailoutbox[0])
    assert StaffChange.objects.get(user=user, action="invited").by == school_admin

    admin_client.logout()
    school.require_mfa = True
    school.save()
    assert "Set password" in admin_client.get(link).content.decode()
    response = admin_client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    # The link has done its work: it no longer opens, and posting to it changes nothing.
    assert "no longer works" in admin_client.get(link).content.decode()
    admin_client.post(link, {"new_password1": "another-password-99", "new_password2": "another-password-99"})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # Sign in as usual: the school requires a second factor, so set-up comes next.
    response = admin_client.post(reverse("login"), {"username": user.username, "password": NEW_PASSWORD})
    assert response.status_code == 302
    response = admin_client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_setup"))


def test_an_expired_link_is_refused(admin_client, mailoutbox, settings, invite):
    invite(admin_client)
    link = _link(mailoutbox[0])
    admin_client.logout()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with time_machine.travel(later, tick=False):
        assert "no longer works" in admin_client.get(link).content.decode()
        response = admin_client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "no longer works" in response.content.decode()
    assert not User.objects.get(email="amy.jones@example.org").has_usable_password()


def test_the_invitation_can_be_sent_again_until_a_password_is_set(
    admin_client, mailoutbox, invite, django_capture_on_commit_callbacks
):
    invite(admin_client)
    user = User.objects.get(email="amy.jones@example.org")
    url = reverse("staff_detail", args=[user.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "resend"})
    assert len(mailoutbox) == 2 and "invite_resent" in _actions(user)
    user.set_password(NEW_PASSWORD)
    user.save()
    response = admin_client.post(url, {"action": "resend"}, follow=True)
    assert "already set a password" in response.content.decode()
    assert len(mailoutbox) == 2


def test_an_existing_account_is_reused_across_a_trust(admin_client, school, other_school, mailoutbox, invite):
    """A user in several schools keeps one account: inviting their address gives roles, not a new login."""
    person = UserFactory(email="sam@trust.example", first_name="Sam", last_name="Lee")
    MembershipFactory(user=person, school=other_school, role="leader")
    invite(admin_client, email="SAM@trust.example", roles=("senco",))
    assert User.objects.filter(email__iexact="sam@trust.example").count() == 1
    assert set(Membership.objects.filter(user=person, is_active=True).values_list("role", flat=True)) == {
        "leader",
        "senco",
    }
    assert mailoutbox == []  # they already have a password


def test_roles_given_and_removed_are_recorded(admin_client, school, teacher, school_admin):
    url = reverse("staff_detail", args=[teacher.pk])
    admin_client.post(url, {"action": "roles", "roles": ["teacher", "tutor", "senco"]})
    assert sorted(staff.staff_member_roles(school, teacher)) == ["senco", "teacher", "tutor"]
    admin_client.post(url, {"action": "roles", "roles": ["tutor"]})
    assert staff.staff_member_roles(school, teacher) == ["tutor"]
    assert _actions(teacher) == ["role_given", "role_given", "role_removed", "role_removed"]
    # Membership's own history names who made each change.
    removed = Membership.history.filter(user=teacher, role="teacher", is_active=False).get()
    assert removed.history_user == school_admin
    assert teacher.memberships.filter(role="teacher").exists()  # kept, inactive


def test_an_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(admin_client, school, school_admin):
    url = reverse("staff_detail", args=[school_admin.pk])
    response = admin_client.post(url, {"action": "roles", "roles": ["teacher"]}, follow=True)
    assert "cannot remove your own admin role" in response.content.decode()
    assert staff.staff_member_roles(school, school_admin) == ["admin"]
    admin_client.post(url, {"action": "deactivate"})
    assert staff.staff_member_roles(school, school_admin) == ["admin"]


def test_teaching_groups_and_tutees_are_assigned_and_recorded(admin_client, school, teacher):
    year = AcademicYearFactory(school=school)
    group, other = TeachingGroupFactory(academic_year=year), TeachingGroupFactory(academic_year=year)
    elsewhere = TeachingGroupFactory()  # another school's group cannot be given
    pupil = PupilFactory(school=school)
    url = reverse("staff_detail", args=[teacher.pk])
    response = admin_client.post(url, {"action": "groups", "groups": [group.pk, elsewhere.pk]}, follow=True)
    assert "could not be saved" in response.content.decode()
    assert not TeachingGroupTeacher.objects.filter(user=teacher).exists()
    admin_client.post(url, {"action": "groups", "groups": [group.pk, other.pk]})
    assert set(TeachingGroupTeacher.objects.filter(user=teacher).values_list("group_id", flat=True)) == {
        group.pk,
        other.pk,
    }
    admin_client.post(url, {"action": "groups", "groups": [group.pk]})
    assert list(TeachingGroupTeacher.objects.filter(user=teacher).values_list("group_id", flat=True)) == [group.pk]
    admin_client.post(url, {"action": "tutees", "pupils": [pupil.pk]})
    assert list(staff.tutees(school, teacher)) == [pupil]
    admin_client.post(url, {"action": "tutees", "pupils": []})
    assert list(staff.tutees(school, teacher)) == []
    # Made and undone the same day: its history keeps both. An older assignment ends yesterday, kept.
    assert TutorAssignment.history.filter(tutor=teacher, pupil=pupil).count() == 2
    older = TutorAssignment.objects.create(school=school, tutor=teacher, pupil=pupil, start_date=dt.date(2025, 9, 1))
    admin_client.post(url, {"action": "tutees", "pupils": []})
    older.refresh_from_db()
    assert older.end_date == dt.date(2026, 3, 9)
    assert _actions(teacher) == [
        "group_assigned",
        "group_assigned",
        "group_removed",
        "tutee_assigned",
        "tutee_removed",
        "tutee_removed",
    ]


def test_deactivation_ends_an_open_session_at_once_and_reactivation_restores(
    admin_client, client_factory_pair, school, teacher
):
    teacher_client = client_factory_pair
    sign_in(teacher_client, teacher, school)
    assert teacher_client.get(reverse("home")).status_code == 200
    admin_client.post(reverse("staff_detail", args=[teacher.pk]), {"action": "deactivate"})
    teacher.refresh_from_db()
    assert not teacher.is_active
    response = teacher_client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert teacher.memberships.filter(role="teacher", is_active=False).exists()  # history stays
    assert "deactivated" in _actions(teacher)
    # Nor can they sign in again.
    response = teacher_client.post(reverse("login"), {"username": "teacher", "password": "x"})
    assert response.status_code == 200
    admin_client.post(reverse("staff_detail", args=[teacher.pk]), {"action": "reactivate"})
    teacher.refresh_from_db()
    assert teacher.is_active and staff.staff_member_roles(school, teacher) == ["teacher"]


def test_a_leaver_who_works_at_another_school_keeps_that_school(admin_client, school, other_school, teacher):
    MembershipFactory(user=teacher, school=other_school, role="teacher")
    admin_client.post(reverse("staff_detail", args=[teacher.pk]), {"action": "deactivate"})
    teacher.refresh_from_db()
    assert teacher.is_active
    assert staff.staff_member_roles(school, teacher) == []
    assert staff.staff_member_roles(other_school, teacher) == ["teacher"]


def test_mfa_reset_removes_the_app_and_is_audited(admin_client, teacher, school_admin):
    TOTPDevice.objects.create(user=teacher, name="Phone", confirmed=True)
    admin_client.post(reverse("staff_detail", args=[teacher.pk]), {"action": "mfa_reset"})
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    change = StaffChange.objects.get(user=teacher, action="mfa_reset")
    assert change.by == school_admin
    assert staff.audit_rows(teacher.memberships.first().school).first() == change


def test_another_schools_admin_gets_404s(client, outsider, other_school, teacher):
    sign_in(client, outsider, other_school)
    url = reverse("staff_detail", args=[teacher.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "deactivate"}).status_code == 404
    assert client.post(url, {"action": "mfa_reset"}).status_code == 404
    teacher.refresh_from_db()
    assert teacher.is_active


def test_the_list_filters_and_exports(admin_client, teacher, senco, django_assert_max_num_queries):
    TOTPDevice.objects.create(user=teacher, name="Phone", confirmed=True)
    for _ in range(5):
        MembershipFactory(user=UserFactory(), school=teacher.memberships.first().school, role="teacher")
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("staff_list"))
    assert response.status_code == 200 and len(response.context["members"]) == 8
    response = admin_client.get(reverse("staff_list"), {"role": "senco"})
    assert [m.user for m in response.context["members"]] == [senco]
    response = admin_client.get(reverse("staff_list"), {"q": "Teacher Persona", "export": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Surname,First name,Email,Roles,Active")
    assert lines[1].startswith("Persona,Teacher") and lines[1].endswith(",yes")
    response = admin_client.get(reverse("staff_list"), {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.fixture
def client_factory_pair():
    from django.test import Client

    return Client()
