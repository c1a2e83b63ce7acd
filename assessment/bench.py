"""``make bench`` for assessment: the class grid (34 pupils × 8 focuses) and saving grid cells.

At each size the school has that many pupils (bulk_create) with an overall judgement each in last window, and
one Year 6 English class of 34 pupils judged in every writing focus last window and this window. Measured
through the full Django stack (middleware, access layer, view, template) with the test client.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pupils.models import GroupMembership, Pupil, TeachingGroup, TeachingGroupTeacher
from pupils.upn import make_upn
from schoolpl.bench import school_codes
from schoolpl.models import AcademicYear, AssessmentWindow, Membership, School, User

from .frameworks import framework_install
from .models import FocusJudgement, Judgement, Subject

CLASS_SIZE = 34
PAGE_REPEATS = 30
SAVES = 200


def _school(size: int):
    school = School.objects.create(name=f"Bench {size}", **school_codes())
    year = AcademicYear.objects.create(
        school=school, name="2025/26", start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 8, 31)
    )
    before = AssessmentWindow.objects.create(
        school=school, academic_year=year, name="Summer 2025", start_date=dt.date(2025, 4, 14),
        end_date=dt.date(2025, 7, 22), is_open=False,
    )  # fmt: skip
    window = AssessmentWindow.objects.create(
        school=school, academic_year=year, name="Autumn 2025", start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2025, 12, 19),
    )  # fmt: skip
    framework_install(school=school, with_sample_criteria=False)
    writing = Subject.objects.get(school=school, code="writing")
    teacher = User.objects.create(username=f"bench-teacher-{size}", first_name="Bench", last_name="Teacher")
    Membership.objects.create(user=teacher, school=school, role="teacher")
    group = TeachingGroup.objects.create(
        school=school, academic_year=year, name="6B", subject="english", kind="class", year_group=6
    )
    TeachingGroupTeacher.objects.create(group=group, user=teacher)
    pupils = [
        Pupil(
            school=school,
            upn=make_upn(801, 3000 + n // 1000 % 6000, 19, n % 1000),
            legal_surname=f"Surname{n:06d}",
            legal_forename="Pat",
            date_of_birth=dt.date(2014, 3, 1),
            gender="F" if n % 2 else "M",
            year_group=1 + n % 6,
        )  # fmt: skip
        for n in range(size)
    ]
    Pupil.objects.bulk_create(pupils, batch_size=5000)
    ids = list(Pupil.objects.filter(school=school).order_by("pk").values_list("pk", flat=True))
    members = ids[:CLASS_SIZE]
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=group, pupil_id=pk, start_date=year.start_date) for pk in members]
    )
    now = timezone.now()
    Judgement.objects.bulk_create(
        [
            Judgement(school=school, pupil_id=pk, subject=writing, window=before, grade="3b", points=21, judged_at=now)
            for pk in ids
        ],
        batch_size=5000,
    )
    focuses = list(writing.focuses.all())
    FocusJudgement.objects.bulk_create(
        [
            FocusJudgement(
                school=school, pupil_id=pk, subject=writing, focus=f, window=w, grade=g, points=p, judged_at=now
            )
            for pk in members
            for f in focuses
            for w, g, p in ((before, "3b", 21), (window, "3a", 23))
        ],
        batch_size=5000,
    )
    return school, teacher, group, window, writing, members, focuses


def run(bench) -> None:
    for size in bench.sizes:
        school, teacher, group, window, writing, members, focuses = _school(size)
        client = Client()
        client.force_login(teacher, backend="django.contrib.auth.backends.ModelBackend")
        url = f"{reverse('assessment:grid')}?group={group.pk}&window={window.pk}&subject={writing.pk}"
        client.get(url)  # warm caches (templates, URL resolver)
        times = []
        for _ in range(PAGE_REPEATS):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200
        bench.record(
            f"grid page {CLASS_SIZE}×{len(focuses)} (median of {PAGE_REPEATS})", size, statistics.median(times),
            budget_seconds=0.100, note=f"{len(queries)} queries (budget 12); p95 {_p95(times) * 1000:.0f} ms",
        )  # fmt: skip

        cell_url = reverse("assessment:grid_cell", args=[group.pk, window.pk, writing.pk])
        version, pupil, focus = 1, members[0], focuses[0]
        FocusJudgement.objects.filter(pupil_id=pupil, focus=focus, window=window).update(version=1)
        saves, lost = [], 0
        for n in range(SAVES):
            grade = ("3a", "4c", "4b")[n % 3]
            started = time.perf_counter()
            response = client.post(cell_url, {"pupil": pupil, "focus": focus.pk, "grade": grade, "version": version})
            saves.append(time.perf_counter() - started)
            if b"cell-saved" not in response.content:
                lost += 1
            version += 1
        final = FocusJudgement.objects.get(pupil_id=pupil, focus=focus, window=window)
        lost += 0 if final.version == 1 + SAVES else 1
        bench.record(
            f"save a grid cell (p95 of {SAVES})", size, _p95(saves), budget_seconds=0.050,
            note=f"p50 {statistics.median(saves) * 1000:.1f} ms; lost updates {lost}",
        )  # fmt: skip
        stale = client.post(cell_url, {"pupil": pupil, "focus": focus.pk, "grade": "5c", "version": 1})
        bench.record(
            "stale save is refused as a conflict", size, 0.0,
            note="conflict shown" if b"cell-conflict" in stale.content else "NOT DETECTED",
        )  # fmt: skip


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
