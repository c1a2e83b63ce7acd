"""Intervention impact across the trust (``interventions:impact_trust``): each programme pooled across the
trust's schools and each school on its own, figures only, small counts hidden by each school's threshold, for
the schools of the trust where the user reads impact; a bar of accelerated % per school; CSV/XLSX; every role;
queries that do not grow with schools or pupils."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import ROLES
from interventions.models import ImpactJudgement
from tests.interventions.factories import PlaceFactory, ProgrammeFactory, ProvisionFactory, PupilFactory
from tests.schoolpl.factories import MembershipFactory, SchoolFactory, TrustFactory

pytestmark = pytest.mark.django_db

URL = reverse("interventions:impact_trust")
START, END = dt.date(2025, 9, 1), dt.date(2025, 12, 31)  # 121 days ≈ 3.98 months: about 1 point expected


def _programme(school, gains: list[float], name: str = "Reading catch-up") -> None:
    """A provision of ``name`` with one pupil per gain, entry 15 recorded at the start and 15 + gain at the end.
    A gain of 2 beats the expected point (accelerated); a gain of 0.5 does not."""
    programme = ProgrammeFactory(school=school, name=name, cost_basis="pupil", unit_cost=100)
    provision = ProvisionFactory(programme=programme, start_date=START, end_date=END)
    judgements = []
    for n, gain in enumerate(gains):
        place = PlaceFactory(provision=provision, pupil=PupilFactory(school=school, legal_forename=f"Hidden{n}"))
        judgements += [
            ImpactJudgement(place=place, kind="entry", points=15, judged_on=START),
            ImpactJudgement(place=place, kind="exit", points=15 + gain, judged_on=END),
        ]
    ImpactJudgement.objects.bulk_create(judgements)


@pytest.fixture
def trust(school, leader, teacher):
    """Greenfield (the personas' school) and Riverside in one trust, the leader leading both; Oakfield in the
    trust too, where the leader only teaches; Elsewhere, outside the trust, where the leader also leads.
    Greenfield: Reading catch-up, 12 pupils, 7 accelerated. Riverside: Reading catch-up, 3 pupils, 2
    accelerated."""
    group = TrustFactory(name="Greenfield Learning Trust")
    school.trust = group
    school.save()
    riverside = SchoolFactory(name="Riverside Primary", trust=group)
    oakfield = SchoolFactory(name="Oakfield Primary", trust=group)
    elsewhere = SchoolFactory(name="Elsewhere Primary")
    MembershipFactory(user=leader, school=riverside, role="leader")
    MembershipFactory(user=leader, school=oakfield, role="teacher")
    MembershipFactory(user=leader, school=elsewhere, role="leader")
    _programme(school, [2] * 7 + [0.5] * 5)
    _programme(riverside, [2, 2, 0.5])
    _programme(oakfield, [2] * 6)
    _programme(elsewhere, [2] * 6)
    return {"riverside": riverside, "oakfield": oakfield, "elsewhere": elsewhere, "trust": group}


def _text(response) -> str:
    """The page's main content (the header's school switcher names every school of the user's)."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(main.split())


def test_the_leader_reads_each_programme_and_each_school_of_the_trust(trust, school, leader, client_as):
    response = client_as(leader, school).get(URL)
    assert response.status_code == 200
    page = _text(response)
    assert "Greenfield Primary School" in page and "Riverside Primary" in page
    assert "Oakfield Primary" not in page and "Elsewhere Primary" not in page  # teaches there; not the trust
    # Pooled under the stricter threshold (5, both schools' default): 15 pupils, 9 accelerated, 6 not.
    assert "<td>15</td><td>15</td><td>60% (9 of 15)</td>" in page
    assert "<td>12</td><td>12</td><td>58% (7 of 12)</td>" in page  # Greenfield
    assert re.search(r"Riverside Primary</th>\s*<td>&lt;5</td><td>&lt;5</td><td>—</td>", page)
    assert "Hidden" not in page  # no pupil named
    chart = json.loads(re.search(r'id="trust-accelerated-chart"[^>]*>(.*?)</script>', page).group(1))
    assert chart["data"]["labels"] == ["Greenfield Primary School", "Riverside Primary"]
    assert chart["data"]["datasets"][0]["data"] == [58, None]
    assert "No bar for Riverside Primary" in page


def test_the_school_page_links_to_the_trust_view(trust, school, leader, client_as):
    page = _text(client_as(leader, school).get(reverse("interventions:impact_summary")))
    assert URL in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export(trust, school, leader, client_as, fmt):
    response = client_as(leader, school).get(URL, {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    if fmt == "csv":
        lines = response.content.decode().lstrip("\ufeff").splitlines()
        assert lines[0].startswith("School,Programme,Wave,Schools,Pupils,Measured,Accelerated,Accelerated (%)")
        assert lines[1].startswith("All schools,Reading catch-up,2,2,15,15,60% (9 of 15),60,")
        assert lines[2].startswith("Greenfield Primary School,All programmes,,1,12,12,58% (7 of 12),58,")
        assert lines[3].startswith("Riverside Primary,All programmes,,1,<5,<5,—,,")
        assert "Hidden" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_every_role(trust, school, personas, client_as, role):
    response = client_as(personas[role], school).get(URL)
    assert response.status_code == (403 if role == "teacher" else 200)
    if response.status_code == 200:
        page = _text(response)
        assert "58% (7 of 12)" in page  # the school's own figures
        assert ("Riverside Primary" in page) == (role == "leader")  # only the leader has a role there


def test_an_admin_of_another_school_sees_only_their_own(trust, outsider, other_school, client_as):
    page = _text(client_as(outsider, other_school).get(URL))
    assert "Greenfield" not in page and "Riverside" not in page and "No provision has run yet." in page


def test_a_portal_account_is_refused(trust, school, portal_pupil, client_as):
    assert client_as(portal_pupil, school).get(URL).status_code == 403


def test_queries_do_not_grow_with_schools_or_pupils(trust, school, leader, client_as):
    client = client_as(leader, school)
    with CaptureQueriesContext(connection) as before:
        client.get(URL)
    more = SchoolFactory(name="Meadow Primary", trust=trust["trust"])
    MembershipFactory(user=leader, school=more, role="senco")
    _programme(more, [2] * 8, name="Spelling boost")
    _programme(school, [0.5] * 6, name="Number sense")
    with CaptureQueriesContext(connection) as after:
        page = _text(client.get(URL))
    assert "Meadow Primary" in page and "Spelling boost" in page
    assert len(after) == len(before)
