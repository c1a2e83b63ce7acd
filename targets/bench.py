"""``make bench`` for targets: recompute the trajectories of a whole trust and compare with COPY (and the
progress dashboards' own benchmarks, ``targets.dashboard.bench``, after it).

For each size (pupils in the trust) it generates schools of up to 1,500 pupils with DESIGN §7's shape of
an LA's data: five years of termly windows (15), four subjects, one active numeric target per pupil ×
subject and a judgement per pupil × subject × window (size × 60 judgements: 9M at 150,000 pupils), then
times:

- COPY of those judgement rows out of PostgreSQL (the floor for any job that reads them);
- the first recompute of every school (every ProgressStatus row written: a one-off, budget < 60 s);
- the nightly recompute with nothing changed (reads and classifies everything, writes nothing);
- the nightly recompute after one window was re-marked in a tenth of the schools, then in every school;
- an incremental recompute of one pupil (what a saved judgement triggers).

The schools are recomputed in the nightly job's batches (``school_batches``) on two forked processes, as the
compose file's worker (``--concurrency=2``) runs them; "nothing changed" is also timed on one process.
Budget (DESIGN §7): the trust's nightly recompute < 60 s and ≤ 3× the COPY time.
"""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from django.db import connection, connections, transaction
from django.utils import timezone

from assessment.models import Judgement, Subject
from pupils.models import Pupil
from schoolpl.bench import school_codes
from schoolpl.models import AcademicYear, AssessmentWindow, School, Trust
from schoolpl.pgcopy import run_copy
from targets.models import Notification, ProgressStatus, PupilTarget, RecomputeState
from targets.recompute import progress_recompute, progress_recompute_schools, school_batches

from .dashboard import bench as dashboard_bench
from .dashboard.bench import analyze

PUPILS_PER_SCHOOL = 1500
SUBJECTS = (
    ("reading", "Reading", "english"),
    ("writing", "Writing", "english"),
    ("maths", "Mathematics", "maths"),
    ("science", "Science", "science"),
)
#: Five academic years of termly windows: 15 windows, so 60 judgements a pupil (DESIGN §7: ~9M for an LA).
YEARS = (2020, 2021, 2022, 2023, 2024)
TERMS = (("Autumn", (9, 1), (12, 19), 0), ("Spring", (1, 5), (3, 31), 1), ("Summer", (4, 14), (7, 22), 1))


def _generate(size: int, tag: str) -> list[int]:
    """Schools, windows, subjects, pupils, targets and judgements for ``size`` pupils; returns school ids."""
    trust = Trust.objects.create(name=f"Bench trust {tag}")
    n_schools = max(1, -(-size // PUPILS_PER_SCHOOL))
    schools = School.objects.bulk_create(
        [School(name=f"Bench {tag} school {i}", trust=trust, **school_codes()) for i in range(n_schools)]
    )
    years, windows, subjects, pupils = [], [], [], []
    for school in schools:
        for start in YEARS:
            years.append(
                AcademicYear(
                    school=school,
                    name=f"{start}/{str(start + 1)[-2:]}",
                    start_date=dt.date(start, 9, 1),
                    end_date=dt.date(start + 1, 8, 31),
                )
            )
        subjects += [
            Subject(school=school, code=c, name=n, group_subject=g, order=i) for i, (c, n, g) in enumerate(SUBJECTS)
        ]
    AcademicYear.objects.bulk_create(years)
    Subject.objects.bulk_create(subjects)
    for year in years:
        start = year.start_date.year
        for name, s, e, shift in TERMS:
            windows.append(
                AssessmentWindow(
                    school=year.school,
                    academic_year=year,
                    name=f"{name} {start + shift}",
                    start_date=dt.date(start + shift, *s),
                    end_date=dt.date(start + shift, *e),
                    is_open=False,
                )
            )
    AssessmentWindow.objects.bulk_create(windows)
    remaining = size
    for i, school in enumerate(schools):
        count = min(PUPILS_PER_SCHOOL, remaining)
        remaining -= count
        pupils += [
            Pupil(
                school=school,
                upn=f"B{i:05d}{n:07d}",
                legal_surname=f"Pupil{n}",
                legal_forename="Bench",
                date_of_birth=dt.date(2014, 1, 1),
                gender="F",
                year_group=6,
            )
            for n in range(count)
        ]
    Pupil.objects.bulk_create(pupils, batch_size=5000)
    school_ids = [s.pk for s in schools]
    now = timezone.now()
    j_table, t_table = Judgement._meta.db_table, PupilTarget._meta.db_table
    p_table, s_table, w_table = Pupil._meta.db_table, Subject._meta.db_table, AssessmentWindow._meta.db_table
    with connection.cursor() as cursor:
        ids = ", ".join(map(str, school_ids))
        # Baseline 9-21 points in July 2020, a target 12 points higher in July 2026; judgements scatter
        # round a pupil-specific rate of progress (some pupils stall, some race ahead).
        cursor.execute(  # table names from the models, ids are integers
            f"INSERT INTO {t_table} (school_id, pupil_id, subject_id, baseline_points, baseline_date, target_points, "  # noqa: S608
            f"target_date, proposed_points, proposal_basis, status, set_at) "
            f"SELECT p.school_id, p.id, s.id, 9 + ((p.id * 7 + s.id) %% 13), %s, 21 + ((p.id * 7 + s.id) %% 13), %s, "
            f"21 + ((p.id * 7 + s.id) %% 13), 'bench', 'active', %s "
            f"FROM {p_table} p JOIN {s_table} s ON s.school_id = p.school_id WHERE p.school_id IN ({ids})",
            [dt.date(YEARS[0], 7, 15), dt.date(2026, 7, 15), now],
        )
        cursor.execute(  # table names from the models, ids are integers
            f"INSERT INTO {j_table} (school_id, pupil_id, subject_id, window_id, grade, points, judged_at, version) "  # noqa: S608
            f"SELECT p.school_id, p.id, s.id, w.id, 'x', "
            f"9 + ((p.id * 7 + s.id) %% 13) + ((w.id - mw.first_id) + 1) * ((p.id * 37 + s.id * 11) %% 9) / 10.0, "
            f"%s, 1 "
            f"FROM {p_table} p JOIN {s_table} s ON s.school_id = p.school_id "
            f"JOIN {w_table} w ON w.school_id = p.school_id "
            f"JOIN (SELECT school_id, MIN(id) AS first_id FROM {w_table} GROUP BY school_id) mw "
            f"ON mw.school_id = p.school_id "
            f"WHERE p.school_id IN ({ids})",
            [now],
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {j_table}; ANALYZE {t_table}; ANALYZE {p_table}")
    return school_ids


def _cleanup(school_ids: list[int]) -> None:
    ids = ", ".join(map(str, school_ids))
    with connection.cursor() as cursor:
        for model in (
            ProgressStatus,
            RecomputeState,
            Notification,
            PupilTarget,
            Judgement,
            Pupil,
            AssessmentWindow,
            AcademicYear,
            Subject,
            School,
        ):
            column = "id" if model is School else "school_id"
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {column} IN ({ids})")  # noqa: S608
    # What autovacuum soon does after a mass delete: the emptied pages are freed (the tables shrink back), so
    # the benchmarks after this one meet tables of their own size, not an LA's worth of empty pages.
    analyze()


def _copy_out(school_ids: list[int]) -> int:
    ids = ", ".join(map(str, school_ids))
    buffer = io.BytesIO()
    run_copy(  # integer ids
        f"COPY (SELECT pupil_id, subject_id, window_id, points FROM {Judgement._meta.db_table} "  # noqa: S608
        f"WHERE school_id IN ({ids})) TO STDOUT WITH (FORMAT csv)",
        buffer,
    )
    return buffer.getbuffer().nbytes


def _touch_window(school_ids: list[int], share: float) -> tuple[int, int]:
    """A day's work: in ``share`` of the schools, every judgement of the latest window is re-marked (one point
    up for a third of the pupils). Returns (schools, judgements) touched."""
    touched = school_ids[: max(1, round(len(school_ids) * share))]
    ids = ", ".join(map(str, touched))
    with connection.cursor() as cursor:
        cursor.execute(  # table names from the models, ids are integers
            f"UPDATE {Judgement._meta.db_table} j SET points = points + 1, version = version + 1 "  # noqa: S608
            f"WHERE j.school_id IN ({ids}) AND j.pupil_id %% 3 = 0 AND j.window_id = ("
            f"SELECT w.id FROM {AssessmentWindow._meta.db_table} w WHERE w.school_id = j.school_id "
            f"ORDER BY w.end_date DESC LIMIT 1)",
            [],
        )
        return len(touched), cursor.rowcount


#: The compose file's worker runs ``--concurrency=2``: the nightly job's batches run two at a time.
WORKER_PROCESSES = 2
#: The size DESIGN §7's budget is set for: a local authority.
LA_PUPILS = 150_000


def _run_batch(batch: list[int]):
    return progress_recompute_schools(batch)


def _recompute_all(school_ids: list[int], processes: int = WORKER_PROCESSES):
    """What the nightly job does: the schools in batches (one Celery task each), on ``processes`` worker
    processes (forked here, each with its own database connection)."""
    batches = school_batches(school_ids)
    if processes == 1 or len(batches) == 1:
        return [result for batch in batches for result in _run_batch(batch)]
    connections.close_all()
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
        return [result for results in pool.map(_run_batch, batches) for result in results]


def _timed(bench, size, school_ids, copy_seconds, name, budget, note, processes=WORKER_PROCESSES):
    """Time the nightly job over the trust and record it with its ratio to the COPY reference."""
    started = time.perf_counter()
    results = _recompute_all(school_ids, processes)
    seconds = time.perf_counter() - started
    ratio = f"{seconds / copy_seconds:.1f}× COPY; " if copy_seconds else ""
    bench.record(name, size, seconds, budget_seconds=budget, note=f"{ratio}{note}")
    return results


def run(bench) -> None:
    """Targets' benchmarks: the trust's recompute, then the progress dashboards (``targets.dashboard.bench``)."""
    run_recompute(bench)
    dashboard_bench.run(bench)


def run_recompute(bench) -> None:
    postgres = connection.vendor == "postgresql"
    for size in bench.sizes:
        started = time.perf_counter()
        with transaction.atomic():
            school_ids = _generate(size, f"t{size}")
        rows = size * len(SUBJECTS) * len(YEARS) * len(TERMS)
        bench.record(
            "generate trust (pupils, targets, judgements)",
            size,
            time.perf_counter() - started,
            note=f"{len(school_ids)} schools, {rows:,} judgements",
        )
        # As autovacuum leaves a live database: the reference COPY then reads the rows, not the dead ones a
        # previous size left behind, nor does it set every new row's hint bits on the way.
        analyze()
        copy_seconds = None
        if postgres:
            t0 = time.perf_counter()
            nbytes = _copy_out(school_ids)
            copy_seconds = time.perf_counter() - t0
            bench.record("COPY the judgement rows out (reference)", size, copy_seconds, note=f"{nbytes / 1e6:.0f} MB")
        # DESIGN §7 sets the ratio for an LA (150,000 pupils); for a school or two a job's fixed costs (its
        # queries, a process) outweigh a COPY of a few milliseconds, so smaller sizes report the ratio only.
        la = size >= LA_PUPILS and copy_seconds is not None
        ratio_budget = min(60.0, 3 * copy_seconds) if la else 60.0
        shape = f"{len(school_batches(school_ids))} batches on {WORKER_PROCESSES} worker processes"

        _timed(
            bench,
            size,
            school_ids,
            copy_seconds,
            "recompute trust, first run (every status written)",
            60.0,
            f"{shape}; budget < 60 s (a one-off: writing every row costs more than 3× COPY)",
        )
        written = ProgressStatus.objects.filter(school_id__in=school_ids).count()
        if postgres:
            with connection.cursor() as cursor:  # what autovacuum does after a bulk load
                cursor.execute(f"VACUUM ANALYZE {ProgressStatus._meta.db_table}")  # noqa: S608
        budget_note = "budget < 60 s and ≤ 3× COPY" if la else "budget < 60 s (the 3× COPY ratio is an LA's)"
        results = _timed(
            bench,
            size,
            school_ids,
            copy_seconds,
            "nightly recompute, nothing changed",
            ratio_budget,
            f"{written:,} statuses; {shape}; {budget_note}",
        )
        assert not any(r.written or r.deleted for r in results)
        _timed(
            bench,
            size,
            school_ids,
            copy_seconds,
            "nightly recompute, nothing changed, one process",
            None,
            "for comparison",
            processes=1,
        )
        for share, label in ((0.1, "in 10% of schools"), (1.0, "in every school")):
            schools, judgements = _touch_window(school_ids, share)
            results = _timed(
                bench,
                size,
                school_ids,
                copy_seconds,
                f"nightly recompute, a window re-marked {label}",
                ratio_budget,
                f"{judgements:,} judgements changed in {schools} school(s); {budget_note}",
            )
            assert sum(not r.unchanged for r in results) == schools
        pupil_id = ProgressStatus.objects.filter(school_id=school_ids[0]).values_list("pupil_id", flat=True).first()
        with bench.timer("incremental recompute, one pupil", size, budget_seconds=0.5):
            progress_recompute(school_id=school_ids[0], pupil_ids=[pupil_id])
        _cleanup(school_ids)
