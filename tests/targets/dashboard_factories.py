"""A small, hand-built school for the dashboard tests, small enough to work out every figure by hand.

Four termly windows (Autumn 2024, Spring 2025, Summer 2025, Autumn 2025); Reading and Mathematics on NC
points; ten pupils:

====  =====  ======  ==  ===  =========================================================
pupil year   gender  PP  SEN  Reading points Aut24/Spr25/Sum25/Aut25, statuses Sum25 → Aut25
====  =====  ======  ==  ===  =========================================================
A     6      F       y   N    19 21 21 21   stuck → stuck (since Spring 2025)
B     6      M       y   N    19 19 19 19   behind → well behind (since Summer 2025)
C     6      F       y   N    21 23 25 27   on track → on track
D     6      M       -   K    21 23 23 25   on track → on track
E     6      F       -   N    23 25 27 29   on track → ahead
F     6      M       -   N    19 21 21 23   on track → behind (EAL)
G     5      F       y   N    15 17 19 21   on track → on track
H     5      F       y   N    17 19 21 23   on track → on track
I     5      M       -   N    19 21 23 25   on track → on track
J     5      M       -   N    13 15 17 19   on track → behind
====  =====  ======  ==  ===  =========================================================

Mathematics has statuses only (no judgements): everyone on track in both windows except B (behind both
times), C (ahead at Autumn 2025) and F (stuck since Autumn 2025). KS1 reading baselines for Year 6:
A 15, B 13, C 15, D 9, E 21, F 15 (teacher assessment; D also has a KS1 test result of 9).

The world's teacher teaches "6 English" with A, B and C now in it (D left it in July 2025).
"""

from __future__ import annotations

import datetime as dt
import random

import factory
from django.utils import timezone

from assessment.models import Judgement, Subject, TransitionalResult
from pupils.models import GroupMembership, Pupil, TeachingGroup, TeachingGroupTeacher
from schoolpl.models import AcademicYear, AssessmentWindow
from targets.models import ProgressStatus


class DashPupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = None
    upn = factory.Sequence(lambda n: f"T{n:012d}")
    legal_surname = factory.Sequence(lambda n: f"Pupil{n}")
    legal_forename = "Test"
    date_of_birth = dt.date(2014, 5, 1)
    gender = "F"
    year_group = 6


class DashSubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    school = None
    code = factory.Sequence(lambda n: f"subject{n}")
    name = factory.Sequence(lambda n: f"Subject {n}")
    scale_code = "nc"
    group_subject = "english"


def judgement(pupil, subject, window, points: float) -> Judgement:
    return Judgement.objects.create(
        school=pupil.school,
        pupil=pupil,
        subject=subject,
        window=window,
        grade=str(points),
        points=points,
        judged_at=timezone.make_aware(dt.datetime.combine(window.end_date, dt.time(12))),
    )


def status(pupil, subject, window, value: str, since=None, latest: bool = False) -> ProgressStatus:
    return ProgressStatus.objects.create(
        school=pupil.school,
        pupil=pupil,
        subject=subject,
        window=window,
        expected=20,
        actual=20,
        status=value,
        since_window=since or window,
        is_latest=latest,
    )


def baseline(pupil, subject, points: float, method: str = "TA", key_stage: str = "KS1") -> TransitionalResult:
    return TransitionalResult.objects.create(
        school=pupil.school,
        pupil=pupil,
        subject=subject,
        key_stage=key_stage,
        year=2022,
        method=method,
        grade=str(points),
        points=points,
    )


def teaching_group(school, year, name: str, subject: str = "english", year_group: int = 6, teacher=None):
    group, _ = TeachingGroup.objects.get_or_create(
        school=school, academic_year=year, name=name, subject=subject, defaults={"year_group": year_group}
    )
    if teacher is not None:
        TeachingGroupTeacher.objects.create(group=group, user=teacher)
    return group


def enrol(group, pupil, start=dt.date(2024, 9, 1), end=None) -> GroupMembership:
    return GroupMembership.objects.create(group=group, pupil=pupil, start_date=start, end_date=end)


PUPILS = {
    # key: (forename, surname, year, gender, pupil premium, SEN, EAL)
    "A": ("Amelia", "Archer", 6, "F", True, "N", False),
    "B": ("Ben", "Brooks", 6, "M", True, "N", False),
    "C": ("Chloe", "Carter", 6, "F", True, "N", False),
    "D": ("Daniel", "Dixon", 6, "M", False, "K", False),
    "E": ("Emily", "Evans", 6, "F", False, "N", False),
    "F": ("Farhan", "Fofana", 6, "M", False, "N", True),
    "G": ("Grace", "Gould", 5, "F", True, "N", False),
    "H": ("Harriet", "Hill", 5, "F", True, "N", False),
    "I": ("Isaac", "Iqbal", 5, "M", False, "N", False),
    "J": ("Jack", "Jones", 5, "M", False, "N", False),
}
READING = {
    "A": (19, 21, 21, 21),
    "B": (19, 19, 19, 19),
    "C": (21, 23, 25, 27),
    "D": (21, 23, 23, 25),
    "E": (23, 25, 27, 29),
    "F": (19, 21, 21, 23),
    "G": (15, 17, 19, 21),
    "H": (17, 19, 21, 23),
    "I": (19, 21, 23, 25),
    "J": (13, 15, 17, 19),
}
# (status at Summer 2025, status at Autumn 2025, since-window index at Autumn 2025)
READING_STATUS = {
    "A": ("stuck", "stuck", 1),
    "B": ("behind", "well_behind", 2),
    "C": ("on_track", "on_track", 0),
    "D": ("on_track", "on_track", 0),
    "E": ("on_track", "ahead", 3),
    "F": ("on_track", "behind", 3),
    "G": ("on_track", "on_track", 0),
    "H": ("on_track", "on_track", 0),
    "I": ("on_track", "on_track", 0),
    "J": ("on_track", "behind", 3),
}
MATHS_STATUS = {"B": ("behind", "behind", 2), "C": ("on_track", "ahead", 3), "F": ("on_track", "stuck", 3)}
KS1_READING = {"A": 15, "B": 13, "C": 15, "D": 9, "E": 21, "F": 15}


def build_small_school(school, teacher=None) -> dict:
    """The school in this module's docstring. Returns pupils by key, windows, subjects and the group."""
    # get_or_create: the access-matrix world already has 2025/26 and Autumn 2025 with the same dates.
    y1, _ = AcademicYear.objects.get_or_create(
        school=school, name="2024/25", defaults={"start_date": dt.date(2024, 9, 1), "end_date": dt.date(2025, 8, 31)}
    )
    y2, _ = AcademicYear.objects.get_or_create(
        school=school, name="2025/26", defaults={"start_date": dt.date(2025, 9, 1), "end_date": dt.date(2026, 8, 31)}
    )
    windows = [
        AssessmentWindow.objects.get_or_create(
            school=school,
            name=name,
            defaults={"academic_year": year, "start_date": start, "end_date": start + dt.timedelta(days=90)},
        )[0]
        for year, name, start in (
            (y1, "Autumn 2024", dt.date(2024, 9, 2)),
            (y1, "Spring 2025", dt.date(2025, 1, 6)),
            (y1, "Summer 2025", dt.date(2025, 4, 22)),
            (y2, "Autumn 2025", dt.date(2025, 9, 1)),
        )
    ]
    # get_or_create: other apps' access-matrix worlds may already have made these subjects.
    reading, _ = Subject.objects.get_or_create(
        school=school,
        code="reading",
        defaults={"name": "Reading", "scale_code": "nc", "group_subject": "english", "order": 1},
    )
    maths, _ = Subject.objects.get_or_create(
        school=school,
        code="maths",
        defaults={"name": "Mathematics", "scale_code": "nc", "group_subject": "maths", "order": 2},
    )
    pupils = {}
    for key, (forename, surname, year, gender, pp, sen, eal) in PUPILS.items():
        pupils[key] = DashPupilFactory(
            school=school,
            upn=f"D999{ord(key):09d}",
            legal_forename=forename,
            legal_surname=surname,
            year_group=year,
            gender=gender,
            pupil_premium=pp,
            fsm=pp,
            sen_provision=sen,
            primary_need="MLD" if sen != "N" else "",
            eal=eal,
            ethnicity="WBRI",
        )
    for key, points in READING.items():
        for window, p in zip(windows, points, strict=True):
            judgement(pupils[key], reading, window, p)
    for key, (before, now, since) in READING_STATUS.items():
        status(pupils[key], reading, windows[2], before)
        status(pupils[key], reading, windows[3], now, since=windows[since], latest=True)
    for key, pupil in pupils.items():
        before, now, since = MATHS_STATUS.get(key, ("on_track", "on_track", 0))
        status(pupil, maths, windows[2], before)
        status(pupil, maths, windows[3], now, since=windows[since], latest=True)
    for key, points in KS1_READING.items():
        baseline(pupils[key], reading, points)
    baseline(pupils["D"], reading, 9, method="TT")
    group = teaching_group(school, y2, "6 English", teacher=teacher)
    for key in "ABC":
        enrol(group, pupils[key])
    enrol(group, pupils["D"], end=dt.date(2025, 7, 20))
    return {"pupils": pupils, "windows": windows, "reading": reading, "maths": maths, "group": group}


def vary_baselines(school, seed: int = 3) -> None:
    """Give a school made by ``targets.dashboard.bench.generate_school`` (every KS1 result 15 points, teacher
    assessment) baselines worth checking levels against: KS1 points from W to level 3, a test result as well
    for some pupils (it wins), and a KS2 result for a few (the later key stage wins)."""
    rng = random.Random(seed)
    results = list(TransitionalResult.objects.filter(school=school))
    for result in results:
        result.points = rng.choice((3, 7, 9, 11, 13, 15, 17, 19, 21))
    TransitionalResult.objects.bulk_update(results, ["points"])
    extra = []
    for result in results:
        common = {"school": school, "pupil_id": result.pupil_id, "subject_id": result.subject_id, "grade": "x"}
        if rng.random() < 0.2:
            extra.append(
                TransitionalResult(
                    key_stage="KS1", year=result.year, method="TT", points=rng.choice((9, 15, 21)), **common
                )
            )
        if rng.random() < 0.1:
            extra.append(TransitionalResult(key_stage="KS2", year=result.year + 4, method="TA", points=27, **common))
    TransitionalResult.objects.bulk_create(extra)
