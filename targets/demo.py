"""Demo targets: each school's settings, long-term targets proposed and accepted for Years 2–6 in reading,
writing and maths, a whole-school → year → class → group → pupil chain of curricular targets (some in the
pupil's own words, with reviews), then a recompute so the demo has progress statuses and notifications."""

from __future__ import annotations

import datetime as dt

from assessment.models import Subject
from pupils.models import Pupil, TeachingGroup
from schoolpl.demo import DemoContext

from . import chain, recompute, services
from .models import CurricularTarget, PupilTarget, TargetReview, TargetSettings

PUPIL_WORDS = [
    "I will find a quote to prove what I think.",
    "I want to use because and so to join my ideas.",
    "I will check my answer by doing the opposite sum.",
    "I will say how the character feels and why.",
    "I will remember full stops and capital letters every time.",
]


def _second_school(ctx: DemoContext) -> int:
    """The trust's second school: its own targets (the school's default policy) and progress statuses, so the
    trust view compares two schools. Returns the number of statuses."""
    school = ctx.second_school
    TargetSettings.objects.get_or_create(school=school)
    subjects = list(Subject.objects.filter(school=school, code__in=["reading", "writing", "maths"]))
    pupil_ids = list(
        Pupil.objects.filter(school=school, year_group__gte=2, year_group__lte=6).values_list("pk", flat=True)
    )
    if not subjects or not pupil_ids:
        return 0
    services.target_propose(
        school=school, pupil_ids=pupil_ids, subject_ids=[s.pk for s in subjects], by=ctx.users["leader"],
        today=ctx.today,
    )  # fmt: skip
    PupilTarget.objects.filter(school=school, status=PupilTarget.Status.PROPOSED).update(
        status=PupilTarget.Status.ACTIVE, set_by=ctx.users["leader"]
    )
    return recompute.progress_recompute(school_id=school.pk).rows  # its first run: a silent baseline


def build(ctx: DemoContext) -> None:
    school = ctx.school
    TargetSettings.objects.get_or_create(school=school, defaults={"policy": TargetSettings.Policy.EXPECTED_PLUS})
    second = _second_school(ctx) if ctx.second_school is not None else 0
    ctx.say(f"  the trust's second school: {second} progress statuses")
    subjects = list(Subject.objects.filter(school=school, code__in=["reading", "writing", "maths"]))
    if not subjects:
        ctx.say("  targets: no assessment subjects in the demo yet, so no targets")
        return
    leader = ctx.users["leader"]
    pupil_ids = list(
        Pupil.objects.filter(school=school, year_group__gte=2, year_group__lte=6).values_list("pk", flat=True)
    )
    proposed = services.target_propose(
        school=school, pupil_ids=pupil_ids, subject_ids=[s.pk for s in subjects], by=leader, today=ctx.today
    )
    # Most proposals are accepted as they stand; some are raised by a sub-level (2 points).
    targets = list(PupilTarget.objects.filter(school=school, status=PupilTarget.Status.PROPOSED).order_by("pk"))
    for i, target in enumerate(targets):
        if i % 5 == 4:
            target.target_points = target.proposed_points + 2
        if i % 7 != 6:  # a few are left for a teacher to decide
            target.status = PupilTarget.Status.ACTIVE
            target.set_by = leader
    PupilTarget.objects.bulk_update(targets, ["target_points", "status", "set_by"], batch_size=1000)

    reading = next((s for s in subjects if s.code == "reading"), subjects[0])
    top = services.curricular_target_create(
        school=school,
        level=CurricularTarget.Level.SCHOOL,
        term=CurricularTarget.Term.LONG,
        text="Pupils explain what they infer from a text, using evidence from it.",
        subject=reading,
        focuses=list(reading.focuses.filter(code="AF3")),
        review_date=ctx.today + dt.timedelta(days=120),
        by=leader,
    )
    year6 = services.curricular_target_derive(
        parent=top,
        level="year",
        text="Year 6 pupils support every inference with a quotation.",
        year_group=6,
        by=leader,
    )
    teacher = ctx.users["teacher"]
    klass = TeachingGroup.objects.filter(school=school, name="6B", subject="english").first()
    if klass is None:  # a small demo: no chain, but its progress statuses all the same
        result = recompute.progress_recompute(school_id=school.pk)  # a school's first run is a silent baseline
        ctx.say(
            f"  targets: {proposed.created} numeric targets; no class 6B for the curricular chain; "
            f"{result.rows} progress statuses"
        )
        return
    class_target = services.curricular_target_derive(
        parent=year6, level="class", term="medium", text="6B: explain a character's motives with evidence.",
        teaching_group=klass, by=teacher,
    )  # fmt: skip
    members = list(Pupil.objects.in_group(klass).order_by("legal_surname", "legal_forename"))
    group_members = members[: min(6, len(members))]
    group = services.curricular_target_derive(
        parent=class_target, level="group", term="medium", text="Use 'because' to link a point to the evidence.",
        group_pupils=group_members, by=teacher,
    )  # fmt: skip
    reviews, pupil_targets = [], []
    # Each pupil target serves the pupil's current numeric target in reading, where they have one (the chain
    # from the number to the pupil's words, as the form pre-fills it).
    numeric = {
        t.pupil_id: t
        for t in PupilTarget.objects.filter(
            school=school, subject=reading, pupil__in=group_members, status__in=chain.CURRENT
        ).order_by("pk")
    }
    for i, pupil in enumerate(group_members[:5]):
        target = services.curricular_target_derive(
            parent=group, level="pupil", term="short", text="Find a quotation that shows how the character feels.",
            pupil=pupil, pupil_words=PUPIL_WORDS[i], agreed_with_pupil=i != 4,
            review_date=ctx.today + dt.timedelta(days=14 + i), by=teacher,
        )  # fmt: skip
        pupil_targets.append(target)
        if pupil.pk in numeric:
            chain.curricular_target_serve(target=target, numeric=numeric[pupil.pk])
        if i < 3:
            reviews.append(
                TargetReview(
                    target=target,
                    reviewed_on=ctx.today - dt.timedelta(days=7 - i),
                    outcome=CurricularTarget.Status.ACTIVE,
                    note="Getting there: found a quotation with a prompt.",
                    pupil_comment="I found one on my own the second time.",
                    reviewed_by=teacher,
                )
            )
    TargetReview.objects.bulk_create(reviews)
    result = recompute.progress_recompute(school_id=school.pk)  # a school's first run is a silent baseline
    # The nightly job would have run all year: its notices from when the latest window was judged.
    result.notified = recompute.progress_notify_latest_slips(school_id=school.pk)
    ctx.extras["targets_school_target"] = top
    ctx.extras["targets_pupil_targets"] = pupil_targets  # for a later demo to link its provision to
    ctx.say(
        f"  {proposed.created} numeric targets, a curricular chain reaching {len(group_members)} pupils, "
        f"{result.rows} progress statuses, {result.notified} notifications"
    )
