"""A CTF carrying post-2014 results (KS1 EXS and GDS, KS2 scaled scores): the preview names an unknown code and
an out-of-range scaled score by pupil and field; the import gives the rest points on their own scales; a pupil
whose only baseline is such a result is told so when targets are proposed (issue 14)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from assessment import importing
from assessment.models import TransitionalResult
from pupils import ctf_import
from pupils.ctf import parse_ctf
from pupils.models import CtfStageResult, Pupil
from pupils.upn import make_upn
from targets import services as target_services
from tests.assessment.factories import subjects_for

UPN = make_upn(801, 2103, 21, 7)
URL = reverse("pupils:import_ctf")

RESULTS = [  # (stage, year, subject, method, component, result)
    ("KS1", 2019, "REA", "TA", "TA", "EXS"),
    ("KS1", 2019, "WRI", "TA", "TA", "gds"),
    ("KS1", 2019, "MAT", "TA", "TA", "XYZ"),
    ("KS2", 2024, "MAT", "TT", "SCALED", "104"),
    ("KS2", 2024, "REA", "TT", "SCALED", "125"),
    ("KS2", 2024, "SCI", "TA", "TA", "EXS"),
]


def _stage(stage: str) -> str:
    rows = "".join(
        f"<StageAssessment><Locale>ENG</Locale><Year>{year}</Year><Subject>{subject}</Subject><Method>{method}"
        f"</Method><Component>{component}</Component><Result>{result}</Result></StageAssessment>"
        for s, year, subject, method, component, result in RESULTS
        if s == stage
    )
    return f"<KeyStage><Stage>{stage}</Stage>{rows}</KeyStage>"


CTF = f"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName><CTFversion>24.0</CTFversion>
    <DateTime>2024-07-15T16:42:07</DateTime>
    <SourceSchool><LEA>801</LEA><Estab>2103</Estab></SourceSchool>
    <DestSchool><LEA>801</LEA><Estab>4002</Estab></DestSchool>
  </Header>
  <CTFpupilData>
    <Pupil>
      <UPN>{UPN}</UPN><Surname>Okafor</Surname><Forename>Chidi</Forename><DOB>2013-05-02</DOB><Gender>M</Gender>
      <BasicDetails><NCyearActual>6</NCyearActual></BasicDetails>
      <StageAssessments>{_stage("KS1")}{_stage("KS2")}</StageAssessments>
    </Pupil>
  </CTFpupilData>
</CTfile>
""".encode()


@pytest.fixture
def hillcrest(school):
    """The CTF is addressed to 801/4002."""
    school.la_code, school.estab = "801", "4002"
    school.save()
    return school


def test_the_file_reads_every_result_and_names_the_bad_ones_by_field():
    ctf = parse_ctf(CTF)
    [pupil] = ctf.pupils
    assert [a.result for a in pupil.assessments] == ["EXS", "gds", "XYZ", "104", "125", "EXS"]  # all kept
    where = "Pupil 1 (OKAFOR, Chidi): StageAssessments/KeyStage"
    assert ctf.problems == (
        f"{where}[KS1]/StageAssessment[3]/Result: “XYZ” is not a KS1 result (GDS, EXS, WTS, PK1–PK4, BLW, PKF, "
        "HNM, a status such as A, or a scaled score 85–115); kept without points",
        f"{where}[KS2]/StageAssessment[2]/Result: 125 is outside the KS2 scaled-score range 80–120; "
        "kept without points",
    )


def test_the_preview_page_shows_the_problems(client_as, school_admin, hillcrest):
    upload = io.BytesIO(CTF)
    upload.name = "post2014.xml"
    response = client_as(school_admin, hillcrest).post(URL, {"action": "upload", "file": upload})
    html = response.content.decode()
    assert response.context["can_commit"]
    assert "StageAssessments/KeyStage[KS2]/StageAssessment[2]/Result: 125 is outside the KS2 scaled-score range" in html
    assert "StageAssessments/KeyStage[KS1]/StageAssessment[3]/Result: “XYZ” is not a KS1 result" in html


def _imported(school) -> Pupil:
    subjects_for(school)
    ctf_import.pupil_import_ctf(school=school, ctf=parse_ctf(CTF))
    assert CtfStageResult.objects.filter(pupil__upn=UPN).count() == len(RESULTS)
    return Pupil.objects.get(upn=UPN)


def test_the_import_gives_post2014_results_points_on_their_own_scales(hillcrest):
    pupil = _imported(hillcrest)
    report = importing.transitional_results_from_ctf(school=hillcrest)
    assert report.created == len(RESULTS)
    got = {
        (r.key_stage, r.subject.code): (r.grade, r.scale, r.points)
        for r in TransitionalResult.objects.filter(pupil=pupil).select_related("subject")
    }
    assert got == {
        ("KS1", "reading"): ("EXS", "ks1_pk", 6),  # PK1–PK4, WTS, EXS: the sixth step
        ("KS1", "writing"): ("GDS", "ks1_pk", 7),  # written as the DfE writes it
        ("KS1", "maths"): ("XYZ", "", None),
        ("KS2", "maths"): ("104", "ks2_scaled", 104),
        ("KS2", "reading"): ("125", "", None),
        ("KS2", "science"): ("EXS", "ks2_met", 2),
    }
    assert len(report.own_scale) == 4
    assert len(report.unmapped) == 2
    assert any("125 is outside the KS2 scaled-score range 80–120; kept without points." in m for m in report.unmapped)


def test_the_results_page_shows_the_grade_its_scale_and_the_note(client_as, leader, hillcrest):
    _imported(hillcrest)
    importing.transitional_results_from_ctf(school=hillcrest)
    html = client_as(leader, hillcrest).get(reverse("assessment:transitional")).content.decode()
    assert "KS2 scaled scores scale" in html and "KS1 teacher assessment (2019 on) scale" in html
    assert "baseline on the 2016+ scale: no NC-level trajectory" in html


def test_a_pupil_whose_only_baseline_is_post2014_is_told_so(hillcrest):
    pupil = _imported(hillcrest)
    importing.transitional_results_from_ctf(school=hillcrest)
    result = target_services.target_propose(school=hillcrest, pupil_ids=[pupil.pk])
    # Reading (KS1 EXS), writing (KS1 GDS), maths (KS2 104) and science (KS2 EXS) have only a result on a
    # 2016+ scale; no judgement either, so no NC-level trajectory.
    assert result.created == 0
    assert result.own_scale_only == 4
    assert result.no_baseline >= 4
