"""``make bench`` for interventions: the provision map and the candidates list for a 2,000-pupil school
(about one pupil in six with provision in the term), timed through the real page with its query count.

Budget: the school dashboard's (DESIGN §7) — constant queries (≤ 20) and < 300 ms server time.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from schoolpl.bench import school_codes

SIZE = 2000
BUDGET = 0.3


def _school(size: int):
    from assessment.models import Subject
    from pupils.models import Pupil
    from schoolpl.models import AcademicYear, AssessmentWindow, Membership, School, User
    from targets.models import ProgressStatus

    from .models import Programme, Provision, ProvisionPupil

    rng = random.Random(11)
    school = School.objects.create(name=f"Bench interventions {size}", **school_codes())
    year = AcademicYear.objects.create(
        school=school, name="2025/26", start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 8, 31)
    )
    term = AssessmentWindow.objects.create(
        school=school, academic_year=year, name="Spring 2026", start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 3, 31),
    )  # fmt: skip
    Pupil.objects.bulk_create(
        [
            Pupil(school=school, upn=f"B{n:012d}", legal_surname=f"Surname{n}", legal_forename=f"Forename{n}",
                  date_of_birth=dt.date(2016, 1, 1), gender="F" if n % 2 else "M", year_group=n % 7,
                  sen_provision="K" if n % 7 == 0 else "N", primary_need="SPLD" if n % 7 == 0 else "")
            for n in range(size)
        ],
        batch_size=2000,
    )  # fmt: skip
    pupils = list(Pupil.objects.filter(school=school).values_list("pk", flat=True))
    subject = Subject.objects.create(school=school, code="reading", name="Reading", group_subject="english")
    programmes = Programme.objects.bulk_create(
        [
            Programme(school=school, name=f"Programme {i}", wave=2 + i % 2, need_area="reading",
                      group_size=1 if i % 2 else 6, cost_basis="pupil" if i % 2 else "session", unit_cost=20 + i)
            for i in range(10)
        ]
    )  # fmt: skip
    provisions = Provision.objects.bulk_create(
        [
            Provision(school=school, programme=programmes[i % 10], name=f"Group {i}",
                      start_date=dt.date(2026, 1, 12), end_date=dt.date(2026, 3, 20))
            for i in range(size // 20)
        ]
    )  # fmt: skip
    chosen = rng.sample(pupils, size // 6)
    ProvisionPupil.objects.bulk_create(
        [
            ProvisionPupil(provision=provisions[n % len(provisions)], pupil_id=pk, joined_on=dt.date(2026, 1, 12))
            for n, pk in enumerate(chosen)
        ],
        batch_size=2000,
    )
    flagged = rng.sample(pupils, size // 5)
    ProgressStatus.objects.bulk_create(
        [
            ProgressStatus(school=school, pupil_id=pk, subject=subject, window=term, since_window=term, expected=20,
                           actual=17, status="stuck", is_latest=True)
            for pk in flagged
        ],
        batch_size=2000,
    )  # fmt: skip
    user = User.objects.create(username=f"bench-senco-{size}")
    Membership.objects.create(user=user, school=school, role="senco")
    return school, term, user


def run(bench) -> None:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from . import selectors

    if SIZE not in bench.sizes and not any(s >= SIZE for s in bench.sizes):
        return
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    school, term, user = _school(SIZE)
    with bench.timer("provision map selector (one term)", SIZE, budget_seconds=BUDGET):
        result = selectors.provision_map(school, term.start_date, term.end_date)
    assert len(result.rows) == SIZE // 6
    from schoolpl.access import load_access

    with bench.timer("candidates selector", SIZE, budget_seconds=BUDGET):
        found = selectors.candidates(load_access(user, school.pk))
    assert found
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    for label, url in (
        ("provision map page", reverse("interventions:provision_map") + f"?window={term.pk}"),
        ("provision map CSV export", reverse("interventions:provision_map_export", kwargs={"fmt": "csv"})
         + f"?window={term.pk}"),
        ("candidates page", reverse("interventions:candidates")),
    ):  # fmt: skip
        client.get(url)  # warm up
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            seconds = time.perf_counter() - started
        assert response.status_code == 200, (label, response.status_code)
        bench.record(label, SIZE, seconds, budget_seconds=BUDGET, note=f"{len(queries)} queries")
