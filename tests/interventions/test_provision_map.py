"""The provision map: pupils × provision for a term by wave, hours and cost, exports and print."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import sign_in
from interventions import services
from tests.interventions.factories import (
    ProgrammeFactory,
    PupilFactory,
    TeachingGroupFactory,
    enrol,
)
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory

pytestmark = pytest.mark.django_db

TERM_START, TERM_END = dt.date(2026, 1, 5), dt.date(2026, 3, 29)  # exactly 12 weeks


@pytest.fixture
def term(school):
    year = AcademicYearFactory(school=school, name="2025/26")
    return AssessmentWindowFactory(academic_year=year, name="Spring 2026", start_date=TERM_START, end_date=TERM_END)


@pytest.fixture
def mapped(school, term, senco):
    amara = PupilFactory(
        school=school,
        legal_forename="Amara",
        legal_surname="Okafor",
        year_group=3,
        sen_provision="K",
        primary_need="SLCN",
    )
    ben = PupilFactory(school=school, legal_forename="Ben", legal_surname="Ward", year_group=3)
    group = services.provision_plan(
        school=school,
        programme=ProgrammeFactory(
            school=school,
            name="Talk Boost",
            wave=2,
            need_area="speech",
            sessions_per_week=3,
            session_minutes=30,
            cost_basis="session",
            unit_cost=20,
        ),
        name="Year 3 talk group",
        start_date=TERM_START,
        end_date=TERM_END,
        pupils=[amara],
        by=senco,
    )
    services.provision_add_pupil(provision=group, pupil=ben, joined_on=dt.date(2026, 2, 2))  # 4 weeks late
    services.provision_plan(
        school=school,
        programme=ProgrammeFactory(
            school=school,
            name="Speech therapy",
            wave=3,
            need_area="speech",
            sessions_per_week=1,
            session_minutes=60,
            cost_basis="pupil",
            unit_cost=500,
        ),
        name="SaLT block",
        start_date=TERM_START,
        end_date=TERM_END,
        pupils=[amara],
        by=senco,
    )
    services.provision_plan(  # last term: not on this term's map
        school=school,
        programme=ProgrammeFactory(school=school, name="Old", wave=2),
        name="Autumn group",
        start_date=dt.date(2025, 9, 8),
        end_date=dt.date(2025, 12, 12),
        pupils=[ben],
        by=senco,
    )
    return amara, ben


EXPECTED = [
    ["Pupil", "Year", "Primary need", "Wave 1", "Wave 2", "Wave 3", "Hours", "Cost (£)"],
    # 12 weeks × 3 × 30 min = 18 h; 36 sessions × £20 shared by 2 = £360. Therapy: 12 h and £500 per pupil.
    [
        "Amara Okafor",
        "Year 3",
        "SLCN",
        "",
        "Talk Boost (Year 3 talk group)",
        "Speech therapy (SaLT block)",
        "30.0",
        "860.0",
    ],
    # joined 4 weeks late: 8 weeks × 3 × 30 min = 12 h; 24 sessions × £20 shared by 2 = £240
    ["Ben Ward", "Year 3", "", "", "Talk Boost (Year 3 talk group)", "", "12.0", "240.0"],
    ["Total", "", "", "", "", "", "42.0", "1100.0"],
]


def test_csv_export_contents(client, senco, school, term, mapped):
    sign_in(client, senco, school)
    response = client.get(reverse("interventions:provision_map_export", kwargs={"fmt": "csv"}), {"window": term.pk})
    import csv

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == EXPECTED


def test_xlsx_export_contents(client, senco, school, term, mapped):
    sign_in(client, senco, school)
    response = client.get(reverse("interventions:provision_map_export", kwargs={"fmt": "xlsx"}), {"window": term.pk})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    # Hours and cost are numbers in the workbook, text everywhere else.
    assert rows == [row[:6] + [float(v) for v in row[6:]] if i else row for i, row in enumerate(EXPECTED)]


def test_filters_by_wave_need_and_group(client, senco, school, term, mapped):
    amara, ben = mapped
    group = TeachingGroupFactory(academic_year=term.academic_year, name="3B")
    enrol(group, ben)
    sign_in(client, senco, school)
    url = reverse("interventions:provision_map_export", kwargs={"fmt": "csv"})

    def names(**query):
        text = client.get(url, {"window": term.pk, **query}).content.decode("utf-8-sig")
        return [line.split(",")[0] for line in text.splitlines()[1:-1]]

    assert names(wave=3) == ["Amara Okafor"]
    assert names(need="SLCN") == ["Amara Okafor"]
    assert names(group=group.pk) == ["Ben Ward"]
    assert names(area="maths") == []


def test_printable_version_has_the_table_and_a_print_button(client, senco, school, term, mapped):
    sign_in(client, senco, school)
    page = client.get(reverse("interventions:provision_map"), {"window": term.pk, "print": 1}).content.decode()
    assert "data-print" in page and "Amara Okafor" in page and "£1100.00" in page


@pytest.mark.parametrize("pupils", [2, 20])
def test_provision_map_query_count_is_constant(client, senco, school, term, pupils, django_assert_max_num_queries):
    programme = ProgrammeFactory(school=school, wave=2)
    kids = [PupilFactory(school=school) for _ in range(pupils)]
    for i in range(0, pupils, 4):
        services.provision_plan(
            school=school,
            programme=programme,
            name=f"Group {i}",
            start_date=TERM_START,
            end_date=TERM_END,
            pupils=kids[i : i + 4],
            by=senco,
        )
    sign_in(client, senco, school)
    # session, user, memberships (3); the chosen window (1); filter form's windows and groups (2);
    # places with pupils and programmes (1); group sizes (1); session save (≤ 3)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("interventions:provision_map"), {"window": term.pk})
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">') == pupils  # one row per pupil
