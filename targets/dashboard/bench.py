"""``make bench`` for the progress dashboards (run by ``targets.bench``): a 2,000-pupil school with five
years of termly data (15 windows of judgements and progress statuses in three subjects, KS1 baselines),
timed through the test client as a senior leader, with its query count; and the trust view over 50,000
pupils in ten schools.

:func:`generate_school` is also used by the tests to show the query count does not grow with pupils."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import Judgement, Subject, TransitionalResult
from pupils.models import GroupMembership, Pupil, TeachingGroup, TeachingGroupTeacher
from schoolpl.bench import school_codes
from schoolpl.models import AcademicYear, AssessmentWindow, Membership, School, Trust, User
from targets.models import ProgressStatus

SUBJECTS = (("reading", "Reading", "english"), ("writing", "Writing", "english"), ("maths", "Mathematics", "maths"))
TERMS = (("Autumn", 9, 1), ("Spring", 1, 5), ("Summer", 4, 20))
STATUS_WEIGHTS = (("ahead", 15), ("on_track", 50), ("behind", 20), ("well_behind", 8), ("stuck", 7))

_sequence = 0


def _next() -> int:
    global _sequence
    _sequence += 1
    return _sequence


def make_school(name: str, trust=None):
    return School.objects.create(name=name, trust=trust, **school_codes())


def make_windows(school, years: int = 5, first_year: int = 2021) -> list:
    """``years`` academic years of three termly windows each, oldest first (bulk)."""
    academic_years = AcademicYear.objects.bulk_create(
        AcademicYear(
            school=school,
            name=f"{y}/{str(y + 1)[-2:]}",
            start_date=dt.date(y, 9, 1),
            end_date=dt.date(y + 1, 8, 31),
        )
        for y in range(first_year, first_year + years)
    )
    rows = []
    for ay in academic_years:
        y = ay.start_date.year
        for term, month, day in TERMS:
            year = y if month >= 9 else y + 1
            start = dt.date(year, month, day)
            rows.append(
                AssessmentWindow(
                    school=school,
                    academic_year=ay,
                    name=f"{term} {year}",
                    start_date=start,
                    end_date=start + dt.timedelta(days=80),
                    is_open=False,
                )
            )
    AssessmentWindow.objects.bulk_create(rows)
    return list(AssessmentWindow.objects.filter(school=school).order_by("start_date"))


def make_subjects(school) -> list:
    Subject.objects.bulk_create(
        Subject(school=school, code=code, name=name, scale_code="nc_full", group_subject=group, order=i)
        for i, (code, name, group) in enumerate(SUBJECTS)
    )
    return list(Subject.objects.filter(school=school).order_by("order"))


def make_pupils(school, count: int, rng: random.Random) -> list:
    prefix = f"{school.pk:04d}"[-4:]
    pupils = []
    for i in range(count):
        sen = rng.choices("NKE", weights=(82, 15, 3))[0]
        pp = rng.random() < 0.3
        pupils.append(
            Pupil(
                school=school,
                upn=f"Z{prefix}{i:08d}",
                legal_surname=f"Surname{i}",
                legal_forename=f"Forename{i}",
                date_of_birth=dt.date(2015, 1, 1) + dt.timedelta(days=i % 2000),
                gender=rng.choice("MF"),
                year_group=1 + i % 6,
                sen_provision=sen,
                primary_need="MLD" if sen != "N" else "",
                eal=rng.random() < 0.2,
                fsm=pp and rng.random() < 0.7,
                pupil_premium=pp,
                looked_after=rng.random() < 0.01,
                gifted=rng.random() < 0.05,
                ethnicity=rng.choice(["WBRI", "WBRI", "WBRI", "ABAN", "BAFR", "MWBC", "WOTH"]),
            )
        )
    Pupil.objects.bulk_create(pupils, batch_size=5000)
    return list(Pupil.objects.filter(school=school).order_by("pk"))


def generate_school(school, pupils: int, *, years: int = 5, seed: int = 1, teacher=None) -> dict:
    """A school with ``pupils`` pupils in Years 1–6, ``years`` years of termly windows, and for every pupil,
    subject and window a judgement and a progress status; KS1 baselines for Years 3–6; one English class
    per year group (taught by ``teacher`` when given). Everything by bulk_create."""
    rng = random.Random(seed)
    windows = make_windows(school, years)
    subjects = make_subjects(school)
    pupil_rows = make_pupils(school, pupils, rng)
    current_year = windows[-1].academic_year
    groups = TeachingGroup.objects.bulk_create(
        TeachingGroup(school=school, academic_year=current_year, name=f"{y}E", subject="english", year_group=y)
        for y in range(1, 7)
    )
    if teacher is not None:
        TeachingGroupTeacher.objects.bulk_create(TeachingGroupTeacher(group=g, user=teacher) for g in groups)
    by_year = {g.year_group: g for g in groups}
    GroupMembership.objects.bulk_create(
        (GroupMembership(group=by_year[p.year_group], pupil=p, start_date=current_year.start_date) for p in pupil_rows),
        batch_size=5000,
    )
    judged_at = timezone.make_aware(dt.datetime(2025, 1, 1, 12))
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    judgements, progress, baselines = [], [], []
    for p in pupil_rows:
        for s in subjects:
            points = 3.0 + p.year_group * 2 + rng.choice((0, 2, 4))
            if p.year_group >= 3:
                baselines.append(
                    TransitionalResult(
                        school=school,
                        pupil=p,
                        subject=s,
                        key_stage="KS1",
                        year=2022,
                        method="TA",
                        grade="2b",
                        points=15,
                    )
                )
            since = windows[0]
            for index, w in enumerate(windows):
                points += rng.choice((0, 1, 2, 2))
                status = rng.choices(statuses, weights=weights)[0]
                if index == 0 or status != progress[-1].status:
                    since = w
                judgements.append(
                    Judgement(
                        school=school, pupil=p, subject=s, window=w, grade="x", points=points, judged_at=judged_at
                    )
                )
                progress.append(
                    ProgressStatus(
                        school=school,
                        pupil=p,
                        subject=s,
                        window=w,
                        expected=points + 1,
                        actual=points,
                        status=status,
                        since_window=since,
                        is_latest=index == len(windows) - 1,
                    )
                )
    Judgement.objects.bulk_create(judgements, batch_size=5000)
    ProgressStatus.objects.bulk_create(progress, batch_size=5000)
    TransitionalResult.objects.bulk_create(baselines, batch_size=5000)
    analyze()
    return {"windows": windows, "subjects": subjects, "groups": groups}


def generate_trust(pupils: int, schools: int = 10, seed: int = 2) -> list:
    """``schools`` schools sharing ``pupils`` pupils, each with three subjects and one latest status per
    pupil and subject (what the trust view reads)."""
    rng = random.Random(seed)
    trust = Trust.objects.create(name=f"Bench trust {_next()}")
    made = []
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    for i in range(schools):
        school = make_school(f"Bench trust school {i + 1}", trust=trust)
        windows = make_windows(school, years=1, first_year=2025)
        subjects = make_subjects(school)
        pupil_rows = make_pupils(school, pupils // schools, rng)
        ProgressStatus.objects.bulk_create(
            (
                ProgressStatus(
                    school=school,
                    pupil=p,
                    subject=s,
                    window=windows[-1],
                    expected=20,
                    actual=20,
                    status=rng.choices(statuses, weights=weights)[0],
                    since_window=windows[-1],
                    is_latest=True,
                )
                for p in pupil_rows
                for s in subjects
            ),
            batch_size=5000,
        )
        made.append(school)
    analyze()
    return made


def analyze() -> None:
    """Vacuum and refresh the planner's statistics after a bulk load (as autovacuum does on a live database),
    so the timings are of the plans and pages production gets: not of plans for tables the planner thinks
    are empty, nor of reads that first set every new row's hint bits or race autovacuum cleaning up after
    the benchmarks before this one."""
    if connection.vendor == "postgresql" and connection.get_autocommit():
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elif connection.vendor == "postgresql":  # inside a transaction (a test): statistics only
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _member(school, role: str, user=None):
    user = user or User.objects.create(username=f"bench-{role}-{_next()}")
    Membership.objects.create(user=user, school=school, role=role)
    return user


def _time_get(client, url: str, runs: int = 5) -> tuple[float, int, int]:
    """Median seconds of ``runs`` GETs after a warm-up, the query count of one, and the status."""
    client.get(url)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), len(queries), response.status_code


def run(bench) -> None:
    if 2000 in bench.sizes or not bench.sizes:
        school = make_school("Bench dashboard primary")
        leader = _member(school, "leader")
        started = time.perf_counter()
        generate_school(school, 2000)
        bench.record("dashboard data: 2,000 pupils × 3 subjects × 15 windows", 2000, time.perf_counter() - started)
        client = Client()
        client.force_login(leader, backend="django.contrib.auth.backends.ModelBackend")
        seconds, queries, status = _time_get(client, reverse("targets:dashboard"))
        bench.record(
            "school dashboard (leader, all panels)",
            2000,
            seconds,
            budget_seconds=0.3,
            note=f"{queries} queries (budget 20), HTTP {status}",
        )
        seconds, queries, status = _time_get(client, reverse("targets:dashboard") + "?year=6&group=pupil_premium")
        bench.record(
            "school dashboard (Year 6, pupil premium)",
            2000,
            seconds,
            budget_seconds=0.3,
            note=f"{queries} queries, HTTP {status}",
        )
    if 50000 in bench.sizes:
        started = time.perf_counter()
        schools = generate_trust(50000)
        bench.record("trust data: 50,000 pupils in 10 schools", 50000, time.perf_counter() - started)
        user = _member(schools[0], "leader")
        for school in schools[1:]:
            _member(school, "leader", user=user)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        seconds, queries, status = _time_get(client, reverse("targets:trust_dashboard"))
        bench.record(
            "trust dashboard (10 schools)", 50000, seconds, budget_seconds=0.3, note=f"{queries} queries, HTTP {status}"
        )
