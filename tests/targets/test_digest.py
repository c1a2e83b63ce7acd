"""The weekly e-mail digest gives each flagged row the sentence the in-app notice gives (``targets.explain``),
in a number of queries that does not grow with the pupils."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from targets import recompute
from tests.targets.factories import JudgementFactory, PupilFactory, PupilTargetFactory, enrol

pytestmark = pytest.mark.django_db


def _digest(today: dt.date) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert recompute.digest_send_weekly(today=today) == 1
    return len(queries)


def _add(tracked, name: str, points: list[int]) -> None:
    pupil = PupilFactory(school=tracked["english"].school, legal_forename=name, legal_surname="Pupil")
    enrol(tracked["english"], pupil)
    PupilTargetFactory(pupil=pupil, subject=tracked["reading"])
    for window, p in zip(tracked["windows"], points, strict=True):
        JudgementFactory(pupil=pupil, subject=tracked["reading"], window=window, points=p, grade="x")


def test_the_digest_says_why_each_pupil_is_flagged(school, teacher, tracked, mailoutbox):
    teacher.email = "teacher@example.org"
    teacher.save()
    # The line at each window ≈ 16.7, 17.8, 19.1, 20.7, 21.8, 23.1: Plateau is on it (3a, 23) from Summer 2024
    # and has not moved in four windows.
    _add(tracked, "Plateau", [19, 21, 23, 23, 23, 23])
    recompute.progress_recompute(school_id=school.pk)
    _digest(dt.date(2025, 10, 6))
    lines = {
        line.split(" Pupil ")[0].lstrip("- "): line for line in mailoutbox[0].body.splitlines() if " Pupil " in line
    }
    assert lines["Flat"] == (
        "- Flat Pupil (Year 6), Reading: Well behind: judged 3c in Summer 2025, two sub-levels below the expected "
        "line (3a)."
    )
    assert lines["Slipping"] == (
        "- Slipping Pupil (Year 6), Reading: Behind: judged 3b in Summer 2025, one sub-level below the expected "
        "line (3a)."
    )
    assert lines["Plateau"] == (
        "- Plateau Pupil (Year 6), Reading: Stuck: no gain over the last 4 assessments: 3a since Summer 2024; "
        "within a sub-level of the expected line (3a)."
    )
    assert "points against" not in mailoutbox[0].body  # the sentence, not the bare numbers


def test_the_digest_queries_do_not_grow_with_the_pupils(school, teacher, tracked, mailoutbox):
    teacher.email = "teacher@example.org"
    teacher.save()
    recompute.progress_recompute(school_id=school.pk)
    few = _digest(dt.date(2025, 10, 6))
    for n in range(4):
        _add(tracked, f"Still{n}", [17] * 6)
    recompute.progress_recompute(school_id=school.pk)
    assert _digest(dt.date(2025, 10, 13)) == few
    assert mailoutbox[1].body.count("Reading: Well behind: judged 2a in Summer 2025, three sub-levels below") == 4
