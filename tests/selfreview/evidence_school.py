"""A small hand-built school for the annex evidence tests, every figure worked out by hand.

The test clock is 10 March 2026 (``tests.isolation``). Windows: Summer 2025 (22 Apr–18 Jul 2025), Autumn 2025
(1 Sep–19 Dec 2025), Spring 2026 (5 Jan–27 Mar 2026, not ended yet).

Pupils (year group today):
- ``q0``–``q5``: Year 1 today, so Reception in Summer 2025 (not assessed then); on track in reading in Autumn 2025.
  ``q0`` has an EHC plan.
- ``p0``–``p5``: Year 2 today, Year 1 in Summer 2025, all judged then; in Autumn 2025 all behind in reading
  (judged on 10 December 2025), in maths on track except ``p5`` (behind). ``p0``, ``p1`` have SEN support;
  ``p0``–``p2`` are in an English set and a maths set from 1 September 2025.
- ``late``: Year 3, admitted 1 September 2025 (not on roll in Summer 2025).
- ``leaver``: left on 1 March 2025 (on roll in neither window).

Actions after the Autumn flags (judgement recorded 10 December 2025): ``p0`` joins provision on 15 December
(5 days), ``p2`` gets a pupil target on 20 December (10 days), ``p1`` has a progress review on 5 January
(26 days), ``p3`` a classroom follow-up note on 20 February (72 days, through a place joined before the flag),
``p5`` a new numeric target on 5 March 2026; ``p4`` nothing.

Objectives: in Autumn 2025 class 2E has two objectives with success criteria and one without, set 2S one with
criteria; one more with criteria is taught on 5 January 2026 (after the period). Ratings on the autumn
objectives: 2 self, 1 peer, 3 teacher.
"""

from __future__ import annotations

import datetime as dt
import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from django.apps import apps

from assessment.models import CriterionRecord, Judgement, LearningObjective, Subject, SuccessCriterion
from interventions.models import FollowUp, Programme, Provision, ProvisionPupil
from pupils.models import GroupMembership, Pupil, TeachingGroup
from schoolpl.models import AcademicYear, AssessmentWindow
from targets.models import CurricularTarget, ProgressStatus, PupilTarget

LONDON = ZoneInfo("Europe/London")


def _at(day: dt.date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=LONDON)


_UPN_SERIAL = itertools.count(1)


def _pupil(school, key: str, year: int, **kwargs) -> Pupil:
    return Pupil.objects.create(
        school=school,
        upn=f"E80120000{next(_UPN_SERIAL):04d}",  # unique in the run (a hash of the key was not: it is salted)
        legal_forename=f"Forename{key.title()}",
        legal_surname=f"Surname{key.title()}",
        date_of_birth=dt.date(2019 - year, 3, 1),
        gender="F",
        year_group=year,
        **kwargs,
    )


def build(school) -> dict:
    w: dict = {"school": school}
    y24 = AcademicYear.objects.create(
        school=school, name="2024/25", start_date=dt.date(2024, 9, 1), end_date=dt.date(2025, 8, 31)
    )
    y25 = AcademicYear.objects.create(
        school=school, name="2025/26", start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 8, 31)
    )
    w["summer"] = AssessmentWindow.objects.create(
        school=school,
        academic_year=y24,
        name="Summer 2025",
        start_date=dt.date(2025, 4, 22),
        end_date=dt.date(2025, 7, 18),
    )
    w["autumn"] = AssessmentWindow.objects.create(
        school=school,
        academic_year=y25,
        name="Autumn 2025",
        start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2025, 12, 19),
    )
    w["spring"] = AssessmentWindow.objects.create(
        school=school,
        academic_year=y25,
        name="Spring 2026",
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 3, 27),
    )
    reading = Subject.objects.create(school=school, code="reading", name="Reading", group_subject="english")
    maths = Subject.objects.create(school=school, code="maths", name="Mathematics", group_subject="maths", order=1)
    q = [_pupil(school, f"q{i}", 1, sen_provision="E" if i == 0 else "N") for i in range(6)]
    p = [_pupil(school, f"p{i}", 2, sen_provision="K" if i < 2 else "N") for i in range(6)]
    late = _pupil(school, "late", 3, admission_date=dt.date(2025, 9, 1))
    leaver = _pupil(school, "leaver", 4, leaving_date=dt.date(2025, 3, 1), archived_at=_at(dt.date(2025, 3, 2)))
    w.update(q=q, p=p, late=late, leaver=leaver, pupils=[*q, *p, late, leaver], reading=reading, maths=maths)

    def judge(pupil, subject, window, day):
        Judgement.objects.create(
            school=school, pupil=pupil, subject=subject, window=window, grade="1b", points=9, judged_at=_at(day)
        )

    def status(pupil, subject, window, value):
        ProgressStatus.objects.create(
            school=school,
            pupil=pupil,
            subject=subject,
            window=window,
            since_window=window,
            expected=15,
            actual=13,
            status=value,
        )

    for pupil in p:
        judge(pupil, reading, w["summer"], dt.date(2025, 7, 10))
        judge(pupil, reading, w["autumn"], dt.date(2025, 12, 10))
        status(pupil, reading, w["autumn"], "behind")
        status(pupil, maths, w["autumn"], "behind" if pupil is p[5] else "on_track")
    for pupil in q:
        judge(pupil, reading, w["autumn"], dt.date(2025, 12, 10))
        status(pupil, reading, w["autumn"], "on_track")

    sets = {
        subject: TeachingGroup.objects.create(
            school=school, academic_year=y25, name=f"2S {subject}", subject=subject, kind="set", year_group=2
        )
        for subject in ("english", "maths")
    }
    for group in sets.values():
        for pupil in p[:3]:
            GroupMembership.objects.create(group=group, pupil=pupil, start_date=dt.date(2025, 9, 1))
    class_2e = TeachingGroup.objects.create(
        school=school, academic_year=y25, name="2E", subject="english", kind="class", year_group=2
    )
    TeachingGroup.objects.create(school=school, academic_year=y25, name="1E", subject="english", year_group=1)
    w["groups"] = 4  # 2S english, 2S maths, 2E, 1E

    programme = Programme.objects.create(
        school=school,
        name="Reading boost",
        wave=2,
        need_area="reading",
        group_size=4,
        sessions_per_week=3,
        session_minutes=20,
        length_weeks=8,
    )
    provision = Provision.objects.create(
        school=school,
        programme=programme,
        name="Reading boost A",
        start_date=dt.date(2025, 12, 15),
        end_date=dt.date(2026, 2, 13),
    )
    ProvisionPupil.objects.create(provision=provision, pupil=p[0], joined_on=dt.date(2025, 12, 15))
    earlier = Provision.objects.create(
        school=school,
        programme=programme,
        name="Reading boost Z",
        start_date=dt.date(2025, 3, 3),
        end_date=dt.date(2025, 4, 4),
    )
    place = ProvisionPupil.objects.create(provision=earlier, pupil=p[3], joined_on=dt.date(2025, 3, 3))
    FollowUp.objects.create(place=place, learned="Blends ch and sh", recorded_on=dt.date(2026, 2, 20))
    target = CurricularTarget.objects.create(
        school=school, level=CurricularTarget.Level.PUPIL, term="short", text="Read on to check", pupil=p[2]
    )
    CurricularTarget.objects.filter(pk=target.pk).update(created_at=_at(dt.date(2025, 12, 20)))
    apps.get_model("partnership", "ProgressReview").objects.create(
        school=school, pupil=p[1], held_on=dt.date(2026, 1, 5)
    )
    numeric = PupilTarget.objects.create(
        school=school,
        pupil=p[5],
        subject=reading,
        baseline_points=9,
        baseline_date=dt.date(2025, 7, 18),
        target_points=21,
        target_date=dt.date(2027, 7, 15),
        status="active",
    )
    PupilTarget.history.filter(id=numeric.pk).update(history_date=_at(dt.date(2026, 3, 5)))

    def objective(group, title, day, criteria=2):
        obj = LearningObjective.objects.create(school=school, group=group, title=title, taught_on=day)
        made = [SuccessCriterion.objects.create(objective=obj, text=f"{title} {i}", order=i) for i in range(criteria)]
        return obj, made

    _, crit = objective(class_2e, "use phonics", dt.date(2025, 10, 1))
    objective(class_2e, "read with expression", dt.date(2025, 11, 1))
    objective(class_2e, "enjoy a story", dt.date(2025, 11, 5), criteria=0)
    objective(sets["maths"], "count in tens", dt.date(2025, 10, 8))
    objective(class_2e, "retell a story", dt.date(2026, 1, 6))
    for pupil, by in ((p[0], "self"), (p[1], "self"), (p[2], "peer"), (p[0], "teacher"), (p[1], "teacher")):
        CriterionRecord.objects.create(criterion=crit[0], pupil=pupil, by=by, rating=2)
    CriterionRecord.objects.create(criterion=crit[1], pupil=p[2], by="teacher", rating=3)
    CriterionRecord.objects.update(recorded_at=_at(dt.date(2025, 10, 2)))
    return w
