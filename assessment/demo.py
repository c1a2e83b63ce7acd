"""Demo assessment data: the shipped frameworks in both schools, several years of termly judgements for every
pupil in Years 1–6 (overall and per focus), and KS1 results for Years 3–6.

Each pupil has an underlying attainment that grows term by term at their own rate (spread around the school's
typical rate), with a persistent "spiky" offset per focus, a few plateaus (stuck pupils), a few pupils working
on P-scales among those with an EHC plan, and a class-wide weakness in some writing focuses so the heat map
has something to show. Judgements are rounded to real grades on the scale. No history rows (bulk inserts).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pupils.models import Pupil
from schoolpl.demo import DemoContext

from . import scales
from .frameworks import framework_install
from .models import Focus, FocusJudgement, Judgement, Subject, TransitionalResult

SCALE = scales.NC_FULL
P_LABELS = scales.PSCALE_LABELS
# Typical attainment (points) at the start of Year 1 and points gained per term. Level 2b (15) at the end of
# Year 2 and 4b (27) at the end of Year 6 are the old national expectations; a term is about 1–1.5 points.
START_POINTS = 8.0
MEAN_RATE = 1.3
SUBJECT_SHIFT = {"reading": 0.6, "writing": -0.8, "maths": 0.0, "science": 0.2}
SHARED_WEAK = {("writing", "AF6"), ("writing", "AF8"), ("maths", "Ma1")}


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(15, 30)))


def build(ctx: DemoContext) -> None:
    for school in (ctx.school, ctx.second_school):
        framework_install(school=school)
    rng = ctx.rng
    subjects = list(Subject.objects.filter(school=ctx.school).order_by("order"))
    focuses: dict[int, list[Focus]] = {s.pk: [] for s in subjects}
    for focus in Focus.objects.filter(subject__school=ctx.school).order_by("order"):
        focuses[focus.subject_id].append(focus)
    pupils = list(
        Pupil.objects.filter(school=ctx.school, year_group__gte=1, year_group__lte=6)
        .order_by("pk")
        .values_list("pk", "year_group", "sen_provision")
    )
    this_start = ctx.current_year.start_date.year
    windows = list(ctx.windows)
    current = windows[-1] if windows else None
    teachers = ctx.teachers
    judgements, focus_judgements, results = [], [], []
    for pupil_id, year_group, sen in pupils:
        on_pscales = sen == "E" and rng.random() < 0.5
        ability = rng.gauss(0, 2.2) - (2.5 if sen == "K" else 0)
        rate = max(0.2, rng.gauss(MEAN_RATE, 0.45)) * (0.7 if sen != "N" else 1.0)
        stuck_from = len(windows) - rng.choice((2, 3)) if rng.random() < 0.1 else None
        skip_current = rng.random() < 0.25  # the current window is part-way through
        offsets = {
            f.pk: rng.choice((-4, -2, -2, 0, 0, 0, 0, 2, 2, 4))
            - (2 if (s.code, f.code) in SHARED_WEAK and rng.random() < 0.5 else 0)
            for s in subjects
            for f in focuses[s.pk]
        }
        teacher = teachers[pupil_id % len(teachers)]
        for subject in subjects:
            shift = SUBJECT_SHIFT.get(subject.code, 0.0) + rng.gauss(0, 0.8)
            for index, window in enumerate(windows):
                years_ago = this_start - window.academic_year.start_date.year
                year_then = year_group - years_ago
                if year_then < 1 or (window is current and skip_current):
                    continue
                term = (year_then - 1) * 3 + _term_of(window)
                t = term if stuck_from is None or index < stuck_from else max(term - (index - stuck_from) - 1, 0)
                if on_pscales:
                    step = min(len(P_LABELS) - 1, int(t * rate / 2.5) + rng.randrange(2))
                    overall = SCALE.parse(P_LABELS[step])
                else:
                    raw = START_POINTS + ability + shift + t * rate + rng.gauss(0, 0.7)
                    overall = SCALE.nearest(max(raw, scales.W_POINTS))
                judged_at = _aware(min(window.end_date, ctx.today))
                judgements.append(
                    Judgement(
                        school=ctx.school, pupil_id=pupil_id, subject=subject, window=window, grade=overall.label,
                        points=overall.points, judged_by=teacher, judged_at=judged_at,
                    )
                )  # fmt: skip
                for focus in focuses[subject.pk]:
                    if on_pscales:
                        grade = overall
                    else:
                        grade = SCALE.nearest(
                            max(overall.points + offsets[focus.pk] + rng.choice((0, 0, 0, -2, 2)), scales.W_POINTS)
                        )
                    focus_judgements.append(
                        FocusJudgement(
                            school=ctx.school, pupil_id=pupil_id, subject=subject, focus=focus, window=window,
                            grade=grade.label, points=grade.points, judged_by=teacher, judged_at=judged_at,
                        )
                    )  # fmt: skip
            if year_group >= 3:
                # KS1 teacher assessment at the end of Year 2 (whole levels with sub-levels, W below level 1).
                ks1_year = this_start - (year_group - 2) + 1
                raw = START_POINTS + ability + shift + 5 * rate
                grade = SCALE.parse("W") if on_pscales else SCALE.nearest(max(raw, scales.W_POINTS))
                results.append(
                    TransitionalResult(
                        school=ctx.school, pupil_id=pupil_id, subject=subject, key_stage="KS1", year=ks1_year,
                        method=TransitionalResult.Method.TEACHER_ASSESSMENT, grade=grade.label, points=grade.points,
                        source=TransitionalResult.Source.CTF,
                    )
                )  # fmt: skip
    Judgement.objects.bulk_create(judgements, batch_size=5000)
    FocusJudgement.objects.bulk_create(focus_judgements, batch_size=5000)
    TransitionalResult.objects.bulk_create(results, batch_size=5000)
    ctx.extras["assessment_subjects"] = {s.code: s for s in subjects}
    ctx.say(
        f"  frameworks in 2 schools; {len(judgements)} overall and {len(focus_judgements)} focus judgements; "
        f"{len(results)} KS1 results"
    )


def _term_of(window) -> int:
    """0 for autumn, 1 for spring, 2 for summer (by the month the window starts)."""
    month = window.start_date.month
    return 0 if month >= 9 else 1 if month <= 3 else 2
