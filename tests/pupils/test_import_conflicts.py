"""A UPN match whose legal names, date of birth or year group disagree is a conflict, never an update
(issue 20, finding 4; DESIGN §4 "Identity"): it stops the import, by row and column, unless the user
ticks "yes, correct this record" for that row, which the audit history records with who and why."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from pupils import services
from pupils.ctf import parse_ctf
from pupils.importing import default_mapping, read_table, validate_rows
from pupils.models import Pupil
from pupils.upn import make_upn
from tests.pupils.factories import PupilFactory
from tests.schoolpl.factories import MembershipFactory, SchoolFactory

pytestmark = pytest.mark.django_db

HEADER = "UPN,Legal Surname,Legal Forename,DOB,Gender,Year,Reg Group,SEN Status"
GOOD_CTF = (Path(__file__).parent / "fixtures" / "good_ctf.xml").read_bytes()


def upn(n: int) -> str:
    return make_upn(801, 2103, 19, n)


def line(n, surname="Smith", forename="Amy", dob="05/01/2021", year="R", form="RB", sen="N", gender="F") -> str:
    return f"{upn(n)},{surname},{forename},{dob},{gender},{year},{form},{sen}"


def read(*lines: str):
    headers, rows = read_table("\n".join([HEADER, *lines]).encode(), "pupils.csv")
    mapping = default_mapping(headers)
    result = validate_rows(rows, mapping, headers=headers, today=date(2026, 11, 1))
    assert result.ok, result.errors
    return result, mapping


def plan(school, *lines: str, confirmed=()):
    result, mapping = read(*lines)
    return services.pupil_import_plan(
        school=school, records=result.records, record_rows=result.record_rows, columns=mapping, confirmed=confirmed
    )


def commit(school, *lines: str, confirmed=(), by=None):
    result, mapping = read(*lines)
    return services.pupil_import_commit(
        school=school,
        records=result.records,
        record_rows=result.record_rows,
        columns=mapping,
        confirmed=confirmed,
        by=by,
    )


@pytest.fixture
def amy(school):
    """A Reception child on roll."""
    return PupilFactory(
        school=school, upn=upn(1), legal_surname="Smith", legal_forename="Amy", date_of_birth=date(2021, 1, 5),
        gender="F", year_group=0, form="RB", sen_provision="N",
    )  # fmt: skip


def test_a_file_that_gives_a_reception_childs_upn_to_another_child_is_refused_and_changes_nothing(school, amy):
    riya = line(1, surname="Patel", forename="Riya", dob="01/03/2015", year="6", form="6A", sen="K")
    history = amy.history.count()
    found = plan(school, line(2, surname="New", forename="Pupil"), riya)
    where = {(e.row, e.column) for e in found.errors}
    assert where == {(3, "Legal Surname"), (3, "Legal Forename"), (3, "DOB"), (3, "Year")}
    [dob] = [e for e in found.errors if e.column == "DOB"]
    assert dob.value == "01/03/2015" and "05/01/2021" in dob.message and upn(1) in dob.message
    with pytest.raises(services.ImportCommitError):
        commit(school, line(2, surname="New", forename="Pupil"), riya)
    amy.refresh_from_db()
    assert (amy.legal_surname, amy.date_of_birth, amy.year_group) == ("Smith", date(2021, 1, 5), 0)
    assert amy.sen_provision == "N"
    assert not Pupil.objects.filter(upn=upn(2)).exists()  # all or nothing
    assert amy.history.count() == history


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"surname": "Smyth"}, "Legal Surname"),
        ({"forename": "Amelia"}, "Legal Forename"),
        ({"dob": "06/01/2021"}, "DOB"),
        ({"year": "1"}, "Year"),  # one year on, as at rollover: still a person's decision
    ],
)
def test_each_identity_field_that_disagrees_is_a_conflict(school, amy, change, column):
    found = plan(school, line(1, **change))
    assert [(e.row, e.column) for e in found.errors] == [(2, column)]
    assert not found.update


def test_a_name_in_another_case_is_the_same_child(school, amy):
    outcome = commit(school, line(1, surname="SMITH"))
    assert outcome.updated == 1
    assert Pupil.objects.get(pk=amy.pk).legal_surname == "SMITH"


def test_other_changes_import_without_confirmation_and_each_is_shown(school, amy):
    found = plan(school, line(1, form="RC", sen="K", gender="M"))
    assert found.ok
    [change] = found.changes
    assert change.described() == ["Gender: F → M", "Form: RB → RC", "SEN provision: N → K"]


def test_a_confirmed_correction_is_imported_and_audited_with_who_and_why(school, amy, school_admin):
    corrected = line(1, dob="05/01/2020", year="1")
    [conflict] = plan(school, corrected).conflicts
    assert conflict.row == 2 and conflict.upn == upn(1)
    assert conflict.described() == ["Date of birth: 05/01/2021 → 05/01/2020", "Year group: Reception → Year 1"]
    outcome = commit(school, corrected, confirmed={conflict.key}, by=school_admin)
    assert (outcome.updated, outcome.corrected) == (1, 1)
    amy.refresh_from_db()
    assert (amy.date_of_birth, amy.year_group) == (date(2020, 1, 5), 1)
    record = amy.history.first()
    assert record.history_user == school_admin
    assert record.history_change_reason == "Identity correction confirmed at import: date of birth, year group"
    diff = {c.field: (c.old, c.new) for c in record.diff_against(record.prev_record).changes}
    assert diff == {"date_of_birth": (date(2021, 1, 5), date(2020, 1, 5)), "year_group": (0, 1)}


def test_a_confirmation_covers_only_the_change_it_was_given_for(school, amy):
    [conflict] = plan(school, line(1, dob="05/01/2020")).conflicts
    found = plan(school, line(1, dob="05/01/2015"), confirmed={conflict.key})
    assert [e.column for e in found.errors] == ["DOB"]


# --------------------------------------------------------------------------- the page


def _upload(client, *lines: str):
    upload = io.BytesIO("\n".join([HEADER, *lines]).encode())
    upload.name = "pupils.csv"
    return client.post(reverse("pupils:import"), {"action": "upload", "file": upload})


def _mapping(preview) -> dict:
    form = preview.context["mapping_form"]
    return {name: form.initial.get(name, "") for name in form.fields}


def test_the_preview_shows_the_conflict_by_row_and_column_and_every_change_openly(client_as, school_admin, school, amy):
    client = client_as(school_admin, school)
    preview = _upload(client, line(1, surname="Patel", forename="Riya", dob="01/03/2015", year="6", form="6A"))
    page = preview.content.decode()
    assert not preview.context["can_commit"] and b'value="commit"' not in preview.content
    assert {(e.row, e.column) for e in preview.context["errors"]} >= {(2, "DOB"), (2, "Year")}
    assert "Date of birth: 05/01/2021 → 01/03/2015" in page and "Form: RB → 6A" in page
    assert "<details" not in page  # nothing about a pupil on roll is folded away
    assert "Yes, correct this record" in page


def test_ticking_correct_this_record_lets_the_import_go_ahead(client_as, school_admin, school, amy):
    client = client_as(school_admin, school)
    preview = _upload(client, line(1, dob="05/01/2020"))
    [conflict] = preview.context["plan"].conflicts
    checked = client.post(reverse("pupils:import"), {"action": "remap", "confirm": [conflict.key], **_mapping(preview)})
    assert checked.context["can_commit"], checked.context["errors"]
    done = client.post(reverse("pupils:import"), {"action": "commit", "confirm": [conflict.key], **_mapping(preview)})
    assert done.context["outcome"].corrected == 1
    assert Pupil.objects.get(pk=amy.pk).date_of_birth == date(2020, 1, 5)


def test_committing_without_the_tick_imports_nothing(client_as, school_admin, school, amy):
    client = client_as(school_admin, school)
    preview = _upload(client, line(1, dob="05/01/2020"), line(2, surname="New", forename="Pupil"))
    response = client.post(reverse("pupils:import"), {"action": "commit", **_mapping(preview)})
    assert "outcome" not in response.context and response.context["errors"]
    assert Pupil.objects.get(pk=amy.pk).date_of_birth == date(2021, 1, 5)
    assert not Pupil.objects.filter(upn=upn(2)).exists()


# --------------------------------------------------------------------------- CTF


@pytest.fixture
def hillcrest(db):
    return SchoolFactory(name="Hillcrest Academy", la_code="801", estab="4002")


@pytest.fixture
def another_oliver(hillcrest):
    """A different child on roll under the UPN the fixture CTF gives Oliver Hargreaves (born 14/03/2013, Year 6)."""
    return PupilFactory(
        school=hillcrest, upn="T801210317012", legal_surname="Hargreaves", legal_forename="Oliver",
        date_of_birth=date(2019, 9, 1), year_group=1,
    )  # fmt: skip


def test_a_ctf_whose_upn_matches_another_child_is_refused_and_imports_nothing(hillcrest, another_oliver):
    ctf = parse_ctf(GOOD_CTF)
    preview = {r.upn: r for r in services.ctf_preview(ctf=ctf, school=hillcrest)}
    row = preview["T801210317012"]
    assert row.action == "conflict"
    assert "Date of birth: 01/09/2019 → 14/03/2013" in row.described_conflicts()
    with pytest.raises(services.ImportCommitError, match="T801210317012"):
        services.pupil_import_ctf(school=hillcrest, ctf=ctf)
    another_oliver.refresh_from_db()
    assert another_oliver.date_of_birth == date(2019, 9, 1)
    assert Pupil.objects.filter(school=hillcrest).count() == 1  # nobody else was added either


def test_a_confirmed_ctf_correction_is_imported_and_audited(hillcrest, another_oliver, school_admin):
    ctf = parse_ctf(GOOD_CTF)
    key = next(r.key for r in services.ctf_preview(ctf=ctf, school=hillcrest) if r.action == "conflict")
    outcome = services.pupil_import_ctf(school=hillcrest, ctf=ctf, by=school_admin, confirmed={key})
    assert outcome.corrected == 1
    another_oliver.refresh_from_db()
    assert (another_oliver.date_of_birth, another_oliver.year_group) == (date(2013, 3, 14), 6)
    record = another_oliver.history.first()
    assert record.history_user == school_admin
    assert record.history_change_reason.startswith("Identity correction confirmed at import: date of birth")


def test_the_ctf_page_offers_the_tick_and_imports_only_with_it(client_as, school_admin, hillcrest, another_oliver):
    MembershipFactory(user=school_admin, school=hillcrest, role="admin")
    client = client_as(school_admin, hillcrest)
    upload = io.BytesIO(GOOD_CTF)
    upload.name = "good_ctf.xml"
    url = reverse("pupils:import_ctf")
    preview = client.post(url, {"action": "upload", "file": upload})
    page = preview.content.decode()
    assert "Yes, correct this record" in page and "Date of birth: 01/09/2019 → 14/03/2013" in page
    refused = client.post(url, {"action": "commit"})
    assert "outcome" not in refused.context
    assert Pupil.objects.get(pk=another_oliver.pk).date_of_birth == date(2019, 9, 1)
    key = next(r.key for r in preview.context["rows"] if r.action == "conflict")
    done = client.post(url, {"action": "commit", "confirm": [key]})
    assert done.context["outcome"].corrected == 1
