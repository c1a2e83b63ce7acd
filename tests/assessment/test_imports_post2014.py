"""Post-2014 KS results from a CTF (EXS, scaled scores) get points on their own scales; an unknown code is kept
without points and the report says why (issue 14)."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from assessment import importing
from assessment.models import TransitionalResult
from assessment.scales import post2014_points
from pupils.models import CtfStageResult

pytestmark = pytest.mark.django_db


def test_post2014_ctf_results_get_points_on_their_own_scale_and_unknown_codes_none(school, subjects, pupils):
    pupil = pupils[0]
    for subject, method, result in (("WRI", "TA", "EXS"), ("MAT", "TT", "104"), ("REA", "TA", "XYZ")):
        CtfStageResult.objects.create(
            pupil=pupil, stage="KS2", year="2024", subject=subject, method=method, component="", result=result
        )
    report = importing.transitional_results_from_ctf(school=school)
    assert report.created == 3
    rows = {r.subject.code: r for r in TransitionalResult.objects.filter(pupil=pupil)}
    assert (rows["writing"].scale, rows["writing"].points) == ("ks2_pk", 8)
    assert (rows["maths"].scale, rows["maths"].points) == ("ks2_scaled", 104)
    assert (rows["reading"].scale, rows["reading"].points) == ("", None)
    assert len(report.own_scale) == 2
    assert all(m.endswith("baseline on the 2016+ scale: no NC-level trajectory.") for m in report.own_scale)
    assert any("104 (104 on the KS2 scaled scores scale)" in m for m in report.own_scale)
    [unmapped] = report.unmapped
    assert "“XYZ”: “XYZ” is not a KS2 result" in unmapped and unmapped.endswith("kept without points.")


def _enter(client, pupil, subject, key_stage, year, method, grade):
    return client.post(
        reverse("assessment:transitional"),
        {"action": "entry", "pupil": pupil.pk, "subject": subject.pk, "key_stage": key_stage, "year": year,
         "method": method, "grade": grade},
    )  # fmt: skip


def test_a_post2014_result_entered_by_hand_gets_its_scale_and_points(client_as, leader, school, subjects, pupils):
    client = client_as(leader, school)
    response = _enter(client, pupils[1], subjects["writing"], "KS1", 2022, "TA", "exs")
    assert response.status_code == 302
    row = TransitionalResult.objects.get(pupil=pupils[1])
    assert (row.grade, row.scale, row.points, row.source) == ("EXS", "ks1_pk", 6, "manual")
    followed = client.get(reverse("assessment:transitional"))
    note = [str(m) for m in followed.context["messages"]]
    assert any("EXS, 6 points on the KS1 teacher assessment (2019 on) scale" in m for m in note)
    assert any("baseline on the 2016+ scale: no NC-level trajectory" in m for m in note)


@pytest.mark.parametrize(
    ("key_stage", "method", "grade", "why"),
    [
        ("KS2", "TT", "130", "130 is outside the KS2 scaled-score range 80–120."),
        ("KS2", "TA", "XYZ", "“XYZ” is not a KS2 result"),
        ("KS1", "TA", "PK6", "“PK6” is not a KS1 result"),
    ],
)
def test_an_unknown_code_or_out_of_range_score_entered_by_hand_is_refused(
    client_as, leader, school, subjects, pupils, key_stage, method, grade, why
):
    response = _enter(client_as(leader, school), pupils[1], subjects["maths"], key_stage, 2024, method, grade)
    assert response.status_code == 200
    assert any(why in error for error in response.context["entry"].errors["grade"])
    assert not TransitionalResult.objects.filter(pupil=pupils[1]).exists()


def test_a_status_entered_by_hand_is_kept_without_points(client_as, leader, school, subjects, pupils):
    assert _enter(client_as(leader, school), pupils[1], subjects["maths"], "KS2", 2024, "TA", "A").status_code == 302
    row = TransitionalResult.objects.get(pupil=pupils[1])
    assert (row.grade, row.scale, row.points) == ("A", "", None)


def test_the_migration_names_the_scale_of_results_stored_before(school, subjects, pupils):
    migration = importlib.import_module("assessment.migrations.0002_transitional_result_scale")
    common = {"school": school, "pupil": pupils[0], "year": 2024, "method": "TA"}
    level = TransitionalResult.objects.create(subject=subjects["reading"], key_stage="KS1", grade="2b", points=15,
                                              **common)  # fmt: skip
    exs = TransitionalResult.objects.create(subject=subjects["writing"], key_stage="KS2", grade="EXS", **common)
    xyz = TransitionalResult.objects.create(subject=subjects["maths"], key_stage="KS2", grade="XYZ", **common)
    migration.name_scales(apps, None)
    for row in (level, exs, xyz):
        row.refresh_from_db()
    assert (level.scale, level.points) == ("nc_full", 15)
    assert (exs.scale, exs.points) == post2014_points("EXS", stage="KS2", subject="writing", method="TA", year=2024)
    assert (exs.scale, exs.points) == ("ks2_pk", 8)
    assert (xyz.scale, xyz.points) == ("", None)
