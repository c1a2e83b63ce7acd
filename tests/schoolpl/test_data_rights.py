"""Children's data rights: a subject access export holds the pupil's records and history and nothing about
another pupil, and is audited; anonymising a leaver past retention removes identifiers, keeps judgements, is
audited and all-or-nothing, and is refused for a pupil on roll or within retention."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Judgement
from conftest import sign_in
from pupils.models import Contact, Pupil
from schoolpl import data_rights
from schoolpl.access import load_access
from schoolpl.models import AuditEvent
from tests.pupils.factories import pupil_in
from tests.pupils.test_history import _every_kind, _judgement
from tests.pupils.test_history import world as history_world  # noqa: F401  (the fixture)


@pytest.fixture
def world(history_world):  # noqa: F811
    return history_world


def _zip(response) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def _request(client, user, pupil):
    sign_in(client, user, pupil.school)
    data = {"requested_by": "The pupil's mother", "received_on": "2026-11-20", "reference": "SAR-7"}
    return client.post(reverse("subject_access", args=[pupil.pk]), data)


def test_subject_access_export_holds_the_pupil_and_no_one_else(world, client):
    pupil = world["pupil"]
    _every_kind(world)
    Contact.objects.create(pupil=pupil, name="Grace Okafor", relationship="Mother")
    other = pupil_in(world["group"], legal_forename="Bea", legal_surname="Lund", upn="B123456789012")
    _judgement(world, other, world["teacher"], grade="5c", points=31.0)
    Contact.objects.create(pupil=other, name="Harriet Lund", relationship="Mother")
    sign_in(client, world["leader"], pupil.school)
    assert client.get(reverse("subject_access", args=[pupil.pk])).status_code == 200
    response = _request(client, world["leader"], pupil)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    files = _zip(response)
    for name in (
        "README.txt",
        "pupil.csv",
        "contact.csv",
        "judgement.csv",
        "pupiltarget.csv",
        "curriculartarget.csv",
        "curriculartarget_targetreview.csv",
        "provisionpupil.csv",
        "progressreview.csv",
        "history.csv",
    ):
        assert name in files, name
    everything = "\n".join(files.values())
    assert "Okafor" in everything and pupil.upn in files["pupil.csv"] and "Grace Okafor" in files["contact.csv"]
    assert "3b → 4c" in files["history.csv"] and "Recall the 7 times table" in files["curriculartarget.csv"]
    assert "Lund" not in everything and other.upn not in everything and "5c" not in files["judgement.csv"]
    assert "SAR-7" in files["README.txt"]
    actions = list(AuditEvent.objects.filter(pupil_id=pupil.pk).values_list("action", flat=True))
    assert any("Subject access request recorded" in a for a in actions)
    assert "Subject access export produced" in actions
    log = client.get(reverse("audit_log"), {"kind": "data_rights"}).context["page"].object_list
    assert {e.pupil_name for e in log} == {pupil.display_name} and len(log) == 2


@pytest.mark.parametrize("role", ["teacher", "senco", "sip"])
def test_only_leaders_and_admins_export(world, client, role):
    assert _request(client, world[role], world["pupil"]).status_code == 403
    assert not AuditEvent.objects.exists()


def test_another_schools_pupil_is_not_found(world, client, outsider, other_school):
    assert _request(client, outsider, world["pupil"]).status_code == 404


def _leaver(world, born: dt.date) -> Pupil:
    pupil = world["pupil"]
    Contact.objects.create(pupil=pupil, name="Grace Okafor", relationship="Mother", email="grace@example.org")
    pupil._history_user = world["admin"]
    pupil.date_of_birth, pupil.leaving_date, pupil.archived_at = born, dt.date(2010, 7, 20), timezone.now()
    pupil.save()
    return pupil


def test_anonymising_a_leaver_past_retention(world, client):
    _every_kind(world)
    pupil = _leaver(world, dt.date(1995, 3, 4))
    upn = pupil.upn
    judgements = Judgement.objects.filter(pupil=pupil).count()
    history_rows = Pupil.history.filter(id=pupil.pk).count()
    sign_in(client, world["admin"], pupil.school)
    listed = client.get(reverse("retention"))
    assert pupil in listed.context["due"] and "Anonymise" in listed.content.decode()
    response = client.post(reverse("anonymise_pupil", args=[pupil.pk]))
    assert response.status_code == 302
    pupil.refresh_from_db()
    assert (
        pupil.legal_surname == "Anonymised"
        and pupil.upn.startswith("ANON")
        and pupil.date_of_birth == dt.date(1995, 1, 1)
    )
    assert Judgement.objects.filter(pupil=pupil).count() == judgements > 0
    assert Pupil.history.filter(id=pupil.pk).count() == history_rows + 1  # nothing deleted
    assert not Pupil.history.filter(id=pupil.pk, legal_surname="Okafor").exists()
    assert not Pupil.history.filter(upn=upn).exists()
    assert not Contact.history.filter(name="Grace Okafor").exists()
    assert Contact.objects.get(pupil=pupil).email == ""
    event = AuditEvent.objects.get(pupil_id=pupil.pk)
    assert event.actor == world["admin"] and "Anonymised" in event.action
    assert pupil not in client.get(reverse("retention")).context["due"]
    log = client.get(reverse("audit_log"), {"kind": "data_rights"}).content.decode()
    assert "Anonymised the record" in log and "Okafor" not in log


def test_refused_on_roll_or_within_retention(world, client):
    pupil = world["pupil"]
    access = load_access(world["admin"], pupil.school.pk)
    with pytest.raises(data_rights.RetentionRefused, match="on roll"):
        data_rights.anonymise(access, pupil, world["admin"])
    _leaver(world, dt.date(2010, 3, 4))  # aged 16: within the default retention (until 25)
    with pytest.raises(data_rights.RetentionRefused, match="retention"):
        data_rights.anonymise(access, pupil, world["admin"])
    sign_in(client, world["admin"], pupil.school)
    client.post(reverse("anonymise_pupil", args=[pupil.pk]))
    pupil.refresh_from_db()
    assert pupil.legal_surname == "Okafor" and not AuditEvent.objects.exists()
    # The school shortens its retention period (audited): now it is due.
    client.post(reverse("retention_setting"), {"leaver_retention_age": 16})
    assert pupil in client.get(reverse("retention")).context["due"]
    assert AuditEvent.objects.filter(action__contains="Retention").exists()


def test_all_or_nothing(world, monkeypatch):
    pupil = _leaver(world, dt.date(1990, 1, 1))
    access = load_access(world["admin"], pupil.school.pk)

    def fail(*args, **kwargs):
        raise RuntimeError("the audit could not be written")

    monkeypatch.setattr(data_rights.audit, "record", fail)
    with pytest.raises(RuntimeError):
        data_rights.anonymise(access, pupil, world["admin"])
    fresh = Pupil.objects.get(pk=pupil.pk)
    assert fresh.legal_surname == "Okafor" and Pupil.history.filter(id=pupil.pk, legal_surname="Okafor").exists()
    assert Contact.objects.get(pupil=pupil).name == "Grace Okafor"
