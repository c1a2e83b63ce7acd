"""Criteria CSV import (all or nothing) and transitional results from CTF rows, CSV and by hand."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment import importing
from assessment.models import Criterion, TransitionalResult
from pupils.models import CtfStageResult

pytestmark = pytest.mark.django_db


def test_criteria_import_adds_every_valid_row(school, subjects):
    before = Criterion.objects.count()
    added = importing.criteria_import_csv(
        school=school, text="subject,focus,level,text\nreading,AF2,4,Finds two facts\nWriting,AF8,P7,Writes own name\n"
    )
    assert added == 2 and Criterion.objects.count() == before + 2
    # Importing the same file again changes nothing.
    assert (
        importing.criteria_import_csv(school=school, text="subject,focus,level,text\nreading,AF2,4,Finds two facts\n")
        == 0
    )


def test_criteria_import_with_one_bad_row_imports_nothing(school, subjects):
    before = Criterion.objects.count()
    with pytest.raises(ValidationError) as caught:
        importing.criteria_import_csv(
            school=school,
            text="subject,focus,level,text\nreading,AF2,4,Fine\nreading,AF99,4,No such focus\nmaths,Ma2,12,Bad level\n",
        )
    assert any("Row 3" in m for m in caught.value.messages) and any("Row 4" in m for m in caught.value.messages)
    assert Criterion.objects.count() == before


def test_criteria_import_page_is_for_admins(client_as, school_admin, school, subjects):
    upload = SimpleUploadedFile("c.csv", b"subject,focus,level,text\nscience,Sc1,3,Plans a test\n", "text/csv")
    response = client_as(school_admin, school).post(reverse("assessment:frameworks"), {"file": upload})
    assert response.status_code == 302
    assert Criterion.objects.filter(text="Plans a test", focus__subject__school=school).exists()


def test_ctf_results_become_transitional_results_on_their_scales(school, subjects, pupils):
    pupil = pupils[0]
    for subject, method, result in (("REA", "TA", "2B"), ("MAT", "TA", "3"), ("WRI", "TA", "EXS"), ("XYZ", "TA", "2")):
        CtfStageResult.objects.create(pupil=pupil, stage="KS1", year="2019", subject=subject, method=method,
                                      component="TA", result=result)  # fmt: skip
    report = importing.transitional_results_from_ctf(school=school)
    assert report.created == 3 and len(report.skipped) == 1
    rows = {r.subject.code: r for r in TransitionalResult.objects.filter(pupil=pupil)}
    assert (rows["reading"].grade, rows["reading"].points) == ("2B", 15)
    assert rows["maths"].points == 21
    assert (rows["reading"].scale, rows["maths"].scale) == ("nc_full", "nc_full")
    # A 2019 KS1 EXS is on its own scale (PK1–PK4, WTS, EXS, GDS: EXS is the sixth step), not an NC level.
    assert (rows["writing"].grade, rows["writing"].scale, rows["writing"].points) == ("EXS", "ks1_pk", 6)
    assert report.unmapped == [] and len(report.own_scale) == 1
    # Running it again updates rather than duplicates.
    again = importing.transitional_results_from_ctf(school=school)
    assert again.created == 0 and again.updated == 3


def test_transitional_csv_import_is_all_or_nothing(school, subjects, pupils):
    good = f"upn,subject,key_stage,year,method,result\n{pupils[0].upn},reading,KS1,2020,TA,2a\n"
    bad = good + "NOPE,reading,KS1,2020,TA,2a\n"
    with pytest.raises(ValidationError):
        importing.transitional_results_import_csv(school=school, text=bad)
    assert not TransitionalResult.objects.exists()
    report = importing.transitional_results_import_csv(school=school, text=good)
    assert report.created == 1
    assert TransitionalResult.objects.get().points == 17


def test_leader_enters_a_transitional_result_by_hand(client_as, leader, school, subjects, pupils):
    response = client_as(leader, school).post(
        reverse("assessment:transitional"),
        {"action": "entry", "pupil": pupils[1].pk, "subject": subjects["maths"].pk, "key_stage": "KS1",
         "year": 2021, "method": "TT", "grade": "2c"},
    )  # fmt: skip
    assert response.status_code == 302
    result = TransitionalResult.objects.get(pupil=pupils[1])
    assert (result.points, result.source, result.recorded_by) == (13, "manual", leader)
