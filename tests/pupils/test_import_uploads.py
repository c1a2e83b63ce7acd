"""The import pages keep the uploaded file on disk between preview and commit, not in the session: the session
holds only its id; the file goes when the import is committed or cancelled; nobody else can use the id."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

import schoolpl.settings as configured
from conftest import sign_in
from pupils.models import Pupil
from pupils.upn import make_upn
from pupils.views.imports import CTF_SESSION_KEY, IMPORT_SESSION_KEY
from tests.schoolpl.factories import MembershipFactory, SchoolFactory, UserFactory

URL = reverse("pupils:import")
CTF_URL = reverse("pupils:import_ctf")
FIXTURES = Path(__file__).parent / "fixtures"
GOOD = "UPN,Surname,Forename,DOB,Gender,Year\n" + "\n".join(
    f"{make_upn(801, 2103, 19, n)},Smith,Pupil{n},14/03/2013,F,6" for n in range(1, 4)
)
MAPPING = {
    "map_upn": "UPN",
    "map_legal_surname": "Surname",
    "map_legal_forename": "Forename",
    "map_date_of_birth": "DOB",
    "map_gender": "Gender",
    "map_year_group": "Year",
}


@pytest.fixture(autouse=True)
def root(settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "uploads"
    return settings.PRIVATE_UPLOAD_ROOT


def _upload(client, url=URL, name="pupils.csv", data: bytes = GOOD.encode()):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(url, {"action": "upload", "file": upload})


def _kept(root) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_session_holds_only_the_uploads_id(client_as, school_admin, school, root):
    client = client_as(school_admin, school)
    assert _upload(client).context["can_commit"]
    upload_id = client.session[IMPORT_SESSION_KEY]
    assert isinstance(upload_id, str) and len(upload_id) == 32
    assert [p.relative_to(root).parts for p in _kept(root)] == [(str(school.pk), str(school_admin.pk), upload_id)]
    stored = repr(dict(client.session.items()))
    assert "Smith" not in stored and "UPN" not in stored  # nothing of the file itself


def test_the_file_is_gone_once_the_import_is_committed(client_as, school_admin, school, root):
    client = client_as(school_admin, school)
    _upload(client)
    response = client.post(URL, {"action": "commit", **MAPPING})
    assert response.context["outcome"].created == 3
    assert _kept(root) == [] and IMPORT_SESSION_KEY not in client.session


def test_cancelling_removes_the_file_and_imports_nothing(client_as, school_admin, school, root):
    client = client_as(school_admin, school)
    _upload(client)
    response = client.post(URL, {"action": "cancel", **MAPPING}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "cancelled: nothing was imported" in response.content.decode()
    assert _kept(root) == [] and IMPORT_SESSION_KEY not in client.session
    assert not Pupil.objects.exists()
    assert client.post(URL, {"action": "commit", **MAPPING})["Location"] == URL  # "upload it again"


def test_a_second_upload_or_a_fresh_page_replaces_the_first(client_as, school_admin, school, root):
    client = client_as(school_admin, school)
    _upload(client)
    _upload(client)
    assert len(_kept(root)) == 1
    client.get(URL)
    assert _kept(root) == []


@pytest.fixture
def colleague(school):
    user = UserFactory(username="colleague")
    MembershipFactory(user=user, school=school, role="admin")
    return user


@pytest.mark.parametrize("who", ["colleague", "outsider", "same admin, other school"])
def test_nobody_else_can_commit_an_upload_by_its_id(
    client_as, school_admin, school, other_school, colleague, outsider, who, root
):
    owner = client_as(school_admin, school)
    _upload(owner)
    upload_id = owner.session[IMPORT_SESSION_KEY]
    if who == "same admin, other school":
        MembershipFactory(user=school_admin, school=other_school, role="admin")
        user, where = school_admin, other_school
    else:
        user, where = (colleague, school) if who == "colleague" else (outsider, other_school)
    thief = sign_in(Client(), user, where)
    session = thief.session
    session[IMPORT_SESSION_KEY] = upload_id
    session.save()
    response = thief.post(URL, {"action": "commit", **MAPPING})
    assert response.status_code == 302 and response["Location"] == URL  # "expired: upload it again"
    assert not Pupil.objects.exists()
    assert len(_kept(root)) == 1  # the owner's file is untouched …
    assert owner.post(URL, {"action": "commit", **MAPPING}).context["outcome"].created == 3  # … and still works


@pytest.fixture
def hillcrest(db, school_admin):
    """The fixture CTF is addressed to 801/4002; the admin works there."""
    hillcrest = SchoolFactory(name="Hillcrest Academy", la_code="801", estab="4002")
    MembershipFactory(user=school_admin, school=hillcrest, role="admin")
    return hillcrest


def test_a_ctf_is_kept_by_id_and_removed_on_commit(client_as, school_admin, hillcrest, root):
    client = client_as(school_admin, hillcrest)
    assert _upload(client, CTF_URL, "good_ctf.xml", (FIXTURES / "good_ctf.xml").read_bytes()).context["can_commit"]
    assert isinstance(client.session[CTF_SESSION_KEY], str) and len(_kept(root)) == 1
    assert client.post(CTF_URL, {"action": "commit"}).context["outcome"].created
    assert _kept(root) == [] and CTF_SESSION_KEY not in client.session


def test_a_ctf_import_can_be_cancelled(client_as, school_admin, hillcrest, root):
    client = client_as(school_admin, hillcrest)
    _upload(client, CTF_URL, "good_ctf.xml", (FIXTURES / "good_ctf.xml").read_bytes())
    response = client.post(CTF_URL, {"action": "cancel"})
    assert response.status_code == 302 and response["Location"] == CTF_URL
    assert _kept(root) == [] and CTF_SESSION_KEY not in client.session
    assert not Pupil.objects.exists()


@pytest.mark.parametrize("root", [configured.PRIVATE_UPLOAD_ROOT, configured.BASE_DIR / "var" / "uploads"])
def test_uploads_are_kept_outside_static_and_media(root):
    """The tests' own folder, and the default when PRIVATE_UPLOAD_ROOT is not set."""
    for public in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS, settings.MEDIA_ROOT or "/nonexistent"):
        assert not Path(root).resolve().is_relative_to(Path(public).resolve())
