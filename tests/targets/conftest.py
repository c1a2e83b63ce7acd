"""A small school with trajectories to compute: six termly windows, reading and maths, and pupils in
Year 6 classes whose targets run from 15 points (2b) in July 2023 to 27 points (4b) in July 2026, in a school
that expects 4 points a year (so the expected-progress line, which flags use, meets the target in July 2026)."""

from __future__ import annotations

import pytest

from tests.targets.factories import (
    JudgementFactory,
    PupilFactory,
    PupilTargetFactory,
    SubjectFactory,
    TeachingGroupFactory,
    enrol,
    teach,
    windows,
)


@pytest.fixture
def tracked(school, teacher, senco):
    """``windows``, ``reading``, ``maths``, ``english`` (taught by ``teacher``), ``maths_group`` (another
    teacher) and pupils ``steady`` (on the line), ``slipping`` (falls behind in the last window), ``flat``
    (no progress: stuck) — each with a reading target and judgements in all six windows."""
    from targets.models import TargetSettings
    from tests.schoolpl.factories import MembershipFactory, UserFactory

    TargetSettings.objects.update_or_create(school=school, defaults={"expected_points_per_year": 4.0})
    ws = windows(school)
    reading = SubjectFactory(school=school, code="reading", group_subject="english")
    maths = SubjectFactory(school=school, code="maths", name="Mathematics", group_subject="maths")
    english = TeachingGroupFactory(school=school, subject="english", name="6B")
    maths_teacher = UserFactory(username="maths_teacher")
    MembershipFactory(user=maths_teacher, school=school, role="teacher")
    maths_group = TeachingGroupFactory(school=school, subject="maths", name="6B maths")
    teach(english, teacher)
    teach(maths_group, maths_teacher)
    series = {
        # the expected line at each window end ≈ 16.7, 17.8, 19.1, 20.7, 21.8, 23.1 (15 + 4 a year)
        "steady": [17, 18, 19, 21, 22, 23],  # on track throughout
        "slipping": [17, 18, 19, 20, 22, 21],  # on track, then behind (2.1 below) in the last window
        "flat": [17, 19, 19, 19, 19, 19],  # stuck from the fourth window, well behind in the last
    }
    pupils = {}
    for name, points in series.items():
        pupil = PupilFactory(school=school, legal_forename=name.title(), legal_surname="Pupil")
        enrol(english, pupil)
        enrol(maths_group, pupil)
        PupilTargetFactory(pupil=pupil, subject=reading)
        for window, p in zip(ws, points, strict=True):
            JudgementFactory(pupil=pupil, subject=reading, window=window, points=p, grade="x")
        pupils[name] = pupil
    return {
        "windows": ws,
        "reading": reading,
        "maths": maths,
        "english": english,
        "maths_group": maths_group,
        "maths_teacher": maths_teacher,
        "teacher": teacher,
        "senco": senco,
        **pupils,
    }
