"""Annex item 2a, "translating NC or GCSE targets into curricular targets" (``targets.evidence``), by hand on a
built school: of the pupils on roll in the period with a numeric target, those with a numeric target that a
curricular target serves (their own, linked by ``serves``, or a group target of theirs in its subject), set in
the period or still active. One query; small counts hidden."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from targets import evidence
from targets.models import CurricularTarget, PupilTarget
from tests.targets.factories import CurricularTargetFactory, PupilFactory, PupilTargetFactory, SubjectFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2025, 9, 1), dt.date(2026, 2, 28)
BEFORE, DURING, AFTER = dt.date(2025, 6, 1), dt.date(2025, 11, 5), dt.date(2026, 3, 5)
PUPIL, GROUP = CurricularTarget.Level.PUPIL, CurricularTarget.Level.GROUP


def _at(target: CurricularTarget, day: dt.date) -> CurricularTarget:
    stamp = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    CurricularTarget.objects.filter(pk=target.pk).update(created_at=stamp)
    return target


def _own(pupil, numeric, day=BEFORE, status=CurricularTarget.Status.ACTIVE, serves=True):
    target = CurricularTargetFactory(
        school=pupil.school, level=PUPIL, term="short", pupil=pupil, subject=numeric.subject, status=status,
        serves=numeric if serves else None,
    )  # fmt: skip
    return _at(target, day)


def _group(school, subject, pupils, day=BEFORE):
    target = CurricularTargetFactory(school=school, level=GROUP, term="medium", subject=subject)
    target.group_pupils.set(pupils)
    return _at(target, day)


@pytest.fixture
def built(school):
    """Fourteen pupils with a numeric target in the period (0–13), hand-labelled served or not:

    0–4 served: their own active pupil target names their reading target (set before the period, still active);
    5 not: their own target was achieved before the period (set then, not current);
    6 served: their own target was set in the period and achieved since;
    7, 8 served: in an active reading group target; 9 not: in a maths group target, with a reading target only;
    10 not: their own reading target serves no number; 11 not: their target was set after the period;
    12 served: reading unserved, maths served by their own target (counted once);
    13 not: a numeric target with nothing.
    Not counted at all: a leaver who left before the period (served), a pupil with no numeric target, and a
    pupil whose only numeric target was replaced before the period (served)."""
    reading, maths = SubjectFactory(school=school, code="reading"), SubjectFactory(school=school, code="maths")
    pupils = [PupilFactory(school=school) for _ in range(14)]
    numeric = [PupilTargetFactory(pupil=p, subject=reading) for p in pupils]
    for i in range(5):
        _own(pupils[i], numeric[i])
    _own(pupils[5], numeric[5], status=CurricularTarget.Status.ACHIEVED)
    _own(pupils[6], numeric[6], day=DURING, status=CurricularTarget.Status.ACHIEVED)
    _group(school, reading, pupils[7:9])
    _group(school, maths, [pupils[9]])
    _own(pupils[10], numeric[10], serves=False)
    _own(pupils[11], numeric[11], day=AFTER)
    _own(pupils[12], PupilTargetFactory(pupil=pupils[12], subject=maths))
    leaver = PupilFactory(school=school, leaving_date=dt.date(2025, 7, 20), archived_at=timezone.now())
    _own(leaver, PupilTargetFactory(pupil=leaver, subject=reading))
    PupilFactory(school=school)  # on roll, no numeric target
    replaced = PupilFactory(school=school)
    old = PupilTargetFactory(pupil=replaced, subject=reading, status=PupilTarget.Status.REPLACED)
    PupilTarget.objects.filter(pk=old.pk).update(set_at=timezone.make_aware(dt.datetime(2025, 7, 1)))
    _own(replaced, old)
    return pupils


def test_2a_counts_pupils_whose_number_a_curricular_target_serves(built, school, django_assert_num_queries):
    with django_assert_num_queries(1):
        item = evidence._translated(school, START, END)
    assert item.item_code == "2a"
    # served: 0–4, 6, 7, 8, 12 = 9 of 14 → 64%
    assert item.value == "64% (9 of 14 pupils on roll with a numeric target in a subject)"
    assert item.url_name is None  # no page lists which pupils


def test_2a_hides_a_small_count(built, school):
    school.small_count_threshold = 10
    assert evidence._translated(school, START, END).value == (
        "<10 of 14 pupils on roll with a numeric target in a subject"
    )


def test_2a_with_no_numeric_targets_says_so(school):
    assert evidence._translated(school, START, END).value == "no pupils on roll with a numeric target in a subject"


def test_the_evidence_hook_gives_2a_in_a_constant_number_of_queries(built, school, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # window, trajectories (none here), numeric targets served, pupil targets
        items = evidence.evidence(school, START, END)
    assert [i.item_code for i in items if i.item_code == "2a"] == ["2a"]
