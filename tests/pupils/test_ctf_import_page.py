"""The CTF import page: preview, then import; another school's or a malformed file imports nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse

from pupils.models import CtfStageResult, Pupil
from tests.schoolpl.factories import MembershipFactory, SchoolFactory

FIXTURES = Path(__file__).parent / "fixtures"
URL = reverse("pupils:import_ctf")


@pytest.fixture
def hillcrest_admin(db, school_admin):
    """The fixture CTF is addressed to 801/4002; the admin works there."""
    hillcrest = SchoolFactory(name="Hillcrest Academy", la_code="801", estab="4002")
    MembershipFactory(user=school_admin, school=hillcrest, role="admin")
    return hillcrest


def _upload(client, name: str):
    upload = io.BytesIO((FIXTURES / name).read_bytes())
    upload.name = name
    return client.post(URL, {"action": "upload", "file": upload})


def test_preview_then_import_a_good_ctf(client_as, school_admin, hillcrest_admin):
    client = client_as(school_admin, hillcrest_admin)
    preview = _upload(client, "good_ctf.xml")
    assert preview.context["can_commit"]
    assert {r.action for r in preview.context["rows"]} == {"create"}
    assert not Pupil.objects.exists()
    done = client.post(URL, {"action": "commit"})
    assert done.context["outcome"].created == len(preview.context["rows"])
    assert CtfStageResult.objects.filter(pupil__school=hillcrest_admin).exists()


def test_a_ctf_for_another_school_gets_a_clear_error(client_as, school_admin, school):
    response = _upload(client_as(school_admin, school), "good_ctf.xml")
    assert "not this school" in response.context["form"].errors["file"][0]
    assert "Nothing was imported" in response.content.decode()
    assert not Pupil.objects.exists()


def test_a_malformed_ctf_gets_a_clear_error(client_as, school_admin, hillcrest_admin):
    response = _upload(client_as(school_admin, hillcrest_admin), "malformed_ctf.xml")
    assert "not well-formed XML" in response.context["form"].errors["file"][0]
    assert not Pupil.objects.exists()


def test_commit_without_an_upload_asks_for_the_file_again(client_as, school_admin, hillcrest_admin):
    response = client_as(school_admin, hillcrest_admin).post(URL, {"action": "commit"})
    assert response.status_code == 302 and response["Location"] == URL
