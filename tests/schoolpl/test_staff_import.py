"""Importing staff from the MIS's staff CSV: every problem by row and column, all or nothing, preview then
commit; existing accounts reused; each row recorded."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import sign_in
from schoolpl import staff, staff_import
from schoolpl.models import StaffChange, User
from tests.schoolpl.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = (
    "Title,Forename,Surname,Email,Role(s)\n"
    "Mrs,Amy,Jones,amy.jones@example.org,Teacher\n"
    "Mr,Ben,Khan,ben.khan@example.org,Teacher; Personal tutor\n"
    "Ms,Cara,Lee,cara.lee@example.org,SENCO\n"
)
BAD = (
    "Title,Forename,Surname,Email,Role(s)\n"
    "Mrs,Amy,Jones,amy.jones@example.org,Teacher\n"
    "Mr,,Khan,not-an-email,Caretaker\n"
    "Ms,Cara,Lee,AMY.jones@example.org,SENCO\n"
)


@pytest.fixture
def admin_client(client, school_admin, school):
    return sign_in(client, school_admin, school)


def _upload(client, text: str, name="staff.csv"):
    return client.post(
        reverse("staff_import"), {"action": "upload", "file": SimpleUploadedFile(name, text.encode(), "text/csv")}
    )


def test_every_problem_is_reported_by_row_and_column():
    result = staff_import.check(BAD.encode())
    problems = {(e.row, e.column) for e in result.errors}
    assert problems == {(3, "Forename"), (3, "Email"), (3, "Role(s)"), (4, "Email")}
    assert "Caretaker" in next(e.message for e in result.errors if e.column == "Role(s)")
    assert "row 2" in next(e.message for e in result.errors if e.row == 4)
    assert not result.can_commit


def test_missing_columns_are_reported_on_the_header_row():
    result = staff_import.check(b"Name,Mail\nAmy,amy@example.org\n")
    assert [(e.row, e.column) for e in result.errors] == [(1, "")]
    assert "Forename" in result.errors[0].message


def test_roles_by_name_or_short_name():
    assert staff_import.parse_roles("Senior leader; tutor / SENCO") == (["leader", "tutor", "senco"], [])
    assert staff_import.parse_roles("Teacher, Janitor") == (["teacher"], ["Janitor"])


def test_a_file_with_problems_imports_nothing(admin_client):
    response = _upload(admin_client, BAD)
    body = response.content.decode()
    assert "4 problems to fix" in body and "Import 1 member" not in body
    response = admin_client.post(reverse("staff_import"), {"action": "commit"})
    assert not User.objects.filter(email__iendswith="@example.org").exists()
    assert not StaffChange.objects.exists()


def test_preview_then_commit_imports_every_row(
    admin_client, school, school_admin, mailoutbox, django_capture_on_commit_callbacks
):
    existing = UserFactory(email="cara.lee@example.org", first_name="Cara", last_name="Lee")
    response = _upload(admin_client, GOOD)
    body = response.content.decode()
    assert "No problems found" in body and "Existing account" in body
    assert not User.objects.filter(email="amy.jones@example.org").exists()  # the preview saves nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("staff_import"), {"action": "commit"})
    assert response.status_code == 302 and response["Location"] == reverse("staff_list")
    ben = User.objects.get(email="ben.khan@example.org")
    assert sorted(staff.staff_member_roles(school, ben)) == ["teacher", "tutor"]
    assert staff.staff_member_roles(school, existing) == ["senco"]
    assert sorted(m.to[0] for m in mailoutbox) == ["amy.jones@example.org", "ben.khan@example.org"]
    imported = StaffChange.objects.filter(action="imported")
    assert imported.count() == 3 and {c.by for c in imported} == {school_admin}
    # The upload is gone: committing again has nothing to import.
    admin_client.post(reverse("staff_import"), {"action": "commit"})
    assert StaffChange.objects.filter(action="imported").count() == 3


def test_a_row_the_database_refuses_rolls_back_the_whole_import(admin_client, school):
    # Two accounts share Ben's address: that row cannot be matched, so nobody is imported.
    UserFactory(email="ben.khan@example.org")
    UserFactory(email="Ben.Khan@example.org")
    _upload(admin_client, GOOD)
    response = admin_client.post(reverse("staff_import"), {"action": "commit"})
    assert "More than one account" in response.content.decode()
    assert not User.objects.filter(email="amy.jones@example.org").exists()
    assert not StaffChange.objects.exists()


def test_cancel_discards_the_upload(admin_client):
    _upload(admin_client, GOOD)
    admin_client.post(reverse("staff_import"), {"action": "cancel"})
    response = admin_client.post(reverse("staff_import"), {"action": "commit"}, follow=True)
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="amy.jones@example.org").exists()
