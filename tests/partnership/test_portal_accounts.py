"""Portal accounts are by invitation only: a hashed one-time token makes a pupil or parent account linked to
the child; the school turns the portal on."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from partnership import services
from partnership.models import Invitation, PortalLink
from tests.partnership import factories as f

pytestmark = pytest.mark.django_db


def test_admin_invites_a_parent_who_makes_an_account_and_sees_their_child(school, school_admin, client_as, client):
    pupil = f.pupil(school)
    mum = f.contact(pupil, "Lena Novak", "lena@example.org")
    f.portal_on(school)
    page = client_as(school_admin, school).post(
        reverse("partnership:invite", kwargs={"pk": pupil.pk}), {"kind": "parent", "contact": mum.pk}
    )
    link = page.context["link"]
    token = link.rsplit("/", 2)[-2]
    assert Invitation.objects.get().token_hash != token  # only a hash is stored
    assert mail.outbox[0].to == ["lena@example.org"] and link in mail.outbox[0].body
    client.logout()
    form = {"first_name": "Lena", "username": "lena.novak", "password": "a-long-pass-phrase-9",
            "password_again": "a-long-pass-phrase-9"}  # fmt: skip
    response = client.post(reverse("partnership:accept", kwargs={"token": token}), form)
    assert response.status_code == 302 and response["Location"] == reverse("partnership:portal")
    assert PortalLink.objects.get(pupil=pupil).user.username == "lena.novak"
    assert pupil.display_name in client.get(reverse("partnership:portal")).content.decode()
    client.logout()
    assert client.get(reverse("partnership:accept", kwargs={"token": token})).status_code == 404  # used once


def test_a_parent_adds_a_second_child_to_their_account(school):
    first, second = f.pupil(school), f.pupil(school)
    parent = f.portal_user(first, "parent")
    invitation, _ = services.invitation_create(pupil=second, kind="parent", contact=f.contact(second), invited_by=None)
    services.invitation_accept_existing(invitation=invitation, user=parent)
    assert set(parent.portal_links.values_list("pupil_id", flat=True)) == {first.pk, second.pk}


def test_staff_cannot_accept_a_portal_invitation(school, teacher):
    invitation, _ = services.invitation_create(pupil=f.pupil(school), kind="pupil", invited_by=None)
    with pytest.raises(services.ValidationError):
        services.invitation_accept_existing(invitation=invitation, user=teacher)


def test_a_contact_without_parental_responsibility_cannot_be_invited(school):
    pupil = f.pupil(school)
    with pytest.raises(services.ValidationError):
        services.invitation_create(
            pupil=pupil, kind="parent", contact=f.contact(pupil, parental_responsibility=False), invited_by=None
        )


def test_admin_turns_the_portal_on(school, school_admin, client_as):
    client_as(school_admin, school).post(
        reverse("partnership:portal_settings"), {"pupils_enabled": "on", "parents_enabled": "on"}
    )
    settings = school.portal_settings
    assert settings.pupils_enabled and settings.parents_enabled
