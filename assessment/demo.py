"""Demo assessment data: the shipped frameworks in both schools, several years of termly judgements for every
pupil in Years 1–6 (overall and per focus), KS1 results for Years 3–6 and for last summer's leavers, and the
leavers' KS2 results. The trust's second school gets the same, over its shorter history.

The attainment is generated from England's published figures, not from the flag rule:
- at the end of Year 2 (KS1 teacher assessment, DfE SFR 2012) about three quarters of pupils are at 2b or
  above in reading and mathematics and about two thirds in writing, with about a quarter at level 3
  (``KS1_SHAPE``: the mean and spread of the underlying attainment, in points, that give those shares);
- from KS1 to KS2 pupils gain about 3 points a year, spread so that about 82–83% make two whole levels
  (DfE SFR23/2011) (``RATE``);
- pupils eligible for free school meals, with SEN support or an EHC plan start lower and progress a little
  more slowly, giving gaps of the size DESIGN §3 quotes (``SHIFT``, in standard deviations of attainment);
- a few pupils with an EHC plan work on P-scales and climb about one P-level a year.
A teacher's termly judgement is the pupil's attainment then, give or take (the judgement lands on a sub-level,
so it moves in 2-point steps), and teachers seldom mark a pupil down, so a pupil making expected progress
(half a sub-level a term) is often flat for a term. Some pupils stall for a couple of terms at some point
(illness, a hard year at home). Each focus carries a persistent "spiky" offset, with a class-wide weakness in
some writing focuses so the heat map has something to show. No history rows (bulk inserts).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from pupils.models import Pupil
from schoolpl.demo import DemoContext

from . import scales
from .frameworks import framework_install
from .models import Focus, FocusJudgement, Judgement, Subject, TransitionalResult

SCALE = scales.NC_FULL
P_LABELS = scales.PSCALE_LABELS
# Underlying attainment at the end of Year 2 (points): mean and standard deviation across England. A judgement
# is the nearest sub-level, so 2b+ means 14 points or more and level 3 means 18 or more. Reading: 76% 2b+,
# 27% L3; writing: 64% 2b+, 14% L3; mathematics: 76% 2b+, 22% L3 (KS1 teacher assessment, 2012).
KS1_SHAPE = {"reading": (16.3, 2.6), "writing": (15.4, 2.5), "maths": (16.3, 2.4), "science": (16.4, 2.7)}
# Points gained a year (KS1 to KS2 and through Key Stage 1): mean and spread between pupils.
RATE = (3.4, 0.75)
# Shifts in attainment (standard deviations) and in rate (points a year) by pupil characteristic.
SHIFT = {"fsm": -0.75, "K": -1.2, "E": -2.3, "eal": -0.15, "gifted": 1.1}
RATE_SHIFT = {"fsm": -0.3, "K": -0.5, "E": -0.8, "eal": 0.15}
# The characteristics above lower the school's average by about a third of a standard deviation; the average
# pupil is England's average pupil, so attainment is centred back by as much.
CENTRE = 0.36
SUBJECT_CORRELATION = 0.85  # how much of a pupil's attainment in a subject is their general attainment
TERM_END = (0.3, 0.6, 0.9)  # when each term's judgement is made, in years from the start of the school year
KS1_AT = 1 + TERM_END[2]  # the end of Year 2, in years from the start of Year 1
STALL_SHARE = 0.08  # pupils who stall for two or three terms at some point
MARK_DOWN = 0.25  # the chance that a teacher records a lower sub-level than last term when the evidence says so
TA = TransitionalResult.Method.TEACHER_ASSESSMENT
SHARED_WEAK = {("writing", "AF6"), ("writing", "AF8"), ("maths", "Ma1")}


@dataclass
class Learner:
    """The demo's hidden truth about one pupil: general attainment (in standard deviations), rate, stall."""

    ability: float
    rate_shift: float
    stall: tuple[int, int] | None  # (first term, terms) with no growth; terms count from autumn of Year 1
    on_pscales: bool


def learner_for(rng: random.Random, *, sen: str, fsm: bool, eal: bool, gifted: bool, terms: int) -> Learner:
    ability = rng.gauss(0, 1) + CENTRE + (SHIFT["fsm"] if fsm else 0) + SHIFT.get(sen, 0) + (SHIFT["eal"] if eal else 0)
    ability += SHIFT["gifted"] if gifted else 0
    rate_shift = (RATE_SHIFT["fsm"] if fsm else 0) + RATE_SHIFT.get(sen, 0) + (RATE_SHIFT["eal"] if eal else 0)
    stall = (rng.randrange(max(terms, 1)), rng.choice((2, 3))) if rng.random() < STALL_SHARE else None
    return Learner(ability, rate_shift, stall, on_pscales=sen == "E" and rng.random() < 0.5)


def judgement_path(rng: random.Random, learner: Learner, subject: str, terms: int) -> list[scales.Grade]:
    """The teacher's judgement at the end of each term from autumn of Year 1 (term 0) to ``terms - 1``."""
    if learner.on_pscales:
        start, pace = rng.randrange(2, 7), max(0.5, rng.gauss(1.1, 0.3))  # P-levels a year
        return [
            SCALE.parse(P_LABELS[min(len(P_LABELS) - 1, start + int(pace * _years(term)))]) for term in range(terms)
        ]
    mean, spread = KS1_SHAPE.get(subject, KS1_SHAPE["science"])
    own = SUBJECT_CORRELATION * learner.ability + (1 - SUBJECT_CORRELATION**2) ** 0.5 * rng.gauss(0, 1)
    ks1 = mean + spread * own
    rate = max(0.8, rng.gauss(*RATE) + learner.rate_shift + 0.25 * learner.ability)
    path, previous, wobble = [], None, 0.0
    for term in range(terms):
        wobble = 0.5 * wobble + rng.gauss(0, 0.7)  # a good or a bad term, partly carried into the next
        raw = ks1 + rate * (_years(term) - _stalled(learner.stall, term) - KS1_AT) + wobble
        grade = SCALE.nearest(max(raw, scales.W_POINTS))
        if previous is not None and grade.points < previous.points and rng.random() > MARK_DOWN:
            grade = previous  # teachers seldom mark a pupil down a sub-level
        path.append(grade)
        previous = grade
    return path


def _years(term: int) -> float:
    return term // 3 + TERM_END[term % 3]


def _stalled(stall: tuple[int, int] | None, term: int) -> float:
    """Years of no growth before the end of ``term``."""
    if stall is None or term < stall[0]:
        return 0.0
    return (min(term, stall[0] + stall[1] - 1) - stall[0] + 1) / 3


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(15, 30)))


def _term_of(window) -> int:
    """0 for autumn, 1 for spring, 2 for summer (by the month the window starts)."""
    month = window.start_date.month
    return 0 if month >= 9 else 1 if month <= 3 else 2


@dataclass
class _Rows:
    judgements: list
    focus_judgements: list
    results: list


@dataclass
class _Site:
    """One school being generated: its windows, subjects and focuses."""

    school: object
    windows: list
    focuses: dict
    this_start: int

    @property
    def current(self):
        return self.windows[-1] if self.windows else None


@dataclass
class _Child:
    """One pupil being generated."""

    pk: int
    year_now: int  # a leaver would be in Year 7 now
    learner: Learner
    teacher: object
    offsets: dict  # focus pk -> this pupil's lasting offset in that focus (the spiky profile)
    skip_current: bool  # the current window is part-way through and this pupil is not judged yet


def _windows_rows(ctx: DemoContext, site: _Site, child: _Child, subject, path, rows: _Rows) -> None:
    """The pupil's overall and focus judgements in the site's windows, read from their path."""
    rng = ctx.rng
    for window in site.windows:
        year_then = child.year_now - (site.this_start - window.academic_year.start_date.year)
        term = (year_then - 1) * 3 + _term_of(window)
        if not 1 <= year_then <= 6 or (window is site.current and child.skip_current) or term >= len(path):
            continue
        judged_at = _aware(min(window.end_date, ctx.today))
        overall = path[term]
        rows.judgements.append(
            Judgement(
                school=site.school, pupil_id=child.pk, subject=subject, window=window, grade=overall.label,
                points=overall.points, judged_by=child.teacher, judged_at=judged_at,
            )
        )  # fmt: skip
        for focus in site.focuses[subject.pk]:
            grade = overall
            if not child.learner.on_pscales:
                noisy = overall.points + child.offsets[focus.pk] + rng.choice((0, 0, 0, -2, 2))
                grade = SCALE.nearest(max(noisy, scales.W_POINTS))
            rows.focus_judgements.append(
                FocusJudgement(
                    school=site.school, pupil_id=child.pk, subject=subject, focus=focus, window=window,
                    grade=grade.label, points=grade.points, judged_by=child.teacher, judged_at=judged_at,
                )
            )  # fmt: skip


def _key_stage_rows(site: _Site, child: _Child, subject, path, rows: _Rows) -> None:
    """End-of-key-stage teacher assessment: the summer judgement of Year 2 (KS1) and of Year 6 (KS2)."""
    for key_stage, last_year in (("KS1", 2), ("KS2", 6)):
        if child.year_now <= last_year:
            continue
        grade = path[last_year * 3 - 1]
        rows.results.append(
            TransitionalResult(
                school=site.school, pupil_id=child.pk, subject=subject, key_stage=key_stage,
                year=site.this_start - (child.year_now - last_year) + 1, method=TA, grade=grade.label,
                points=grade.points, scale=subject.scale_code, source=TransitionalResult.Source.CTF,
            )
        )  # fmt: skip


def _school(ctx: DemoContext, school, windows, teachers, rows: _Rows) -> dict[int, float]:
    """Judgements, focus judgements and key-stage results for one school's pupils in Years 1–6 (and its
    leavers); returns each pupil's general attainment (for the interventions demo to pick pupils by)."""
    rng = ctx.rng
    subjects = list(Subject.objects.filter(school=school).order_by("order"))
    site = _Site(school, windows, {s.pk: [] for s in subjects}, ctx.current_year.start_date.year)
    for focus in Focus.objects.filter(subject__school=school).order_by("order"):
        site.focuses[focus.subject_id].append(focus)
    pupils = list(
        Pupil.objects.filter(school=school, year_group__gte=1, year_group__lte=6)
        .order_by("pk")
        .values_list("pk", "year_group", "sen_provision", "fsm", "eal", "gifted", "archived_at")
    )
    now_term = _term_of(site.current) if site.current else 2
    abilities = {}
    for pupil_id, year_group, sen, fsm, eal, gifted, archived_at in pupils:
        year_now = year_group + (1 if archived_at else 0)
        terms = (year_now - 1) * 3 + now_term + 1
        learner = learner_for(rng, sen=sen, fsm=fsm, eal=eal, gifted=gifted, terms=terms)
        abilities[pupil_id] = learner.ability
        skip_current = rng.random() < 0.25
        offsets = {
            f.pk: rng.choice((-4, -2, -2, 0, 0, 0, 0, 2, 2, 4))
            - (2 if (s.code, f.code) in SHARED_WEAK and rng.random() < 0.5 else 0)
            for s in subjects
            for f in site.focuses[s.pk]
        }
        child = _Child(pupil_id, year_now, learner, teachers[pupil_id % len(teachers)], offsets, skip_current)
        for subject in subjects:
            path = judgement_path(rng, learner, subject.code, terms)
            _windows_rows(ctx, site, child, subject, path, rows)
            _key_stage_rows(site, child, subject, path, rows)
    return abilities


def build(ctx: DemoContext) -> None:
    for school in (ctx.school, ctx.second_school):
        framework_install(school=school)
    rows = _Rows([], [], [])
    abilities = _school(ctx, ctx.school, list(ctx.windows), ctx.teachers, rows)
    if ctx.second_school is not None:
        second_windows = list(ctx.extras.get("second_windows", []))
        _school(ctx, ctx.second_school, second_windows, [ctx.users["leader"]], rows)
    Judgement.objects.bulk_create(rows.judgements, batch_size=5000)
    FocusJudgement.objects.bulk_create(rows.focus_judgements, batch_size=5000)
    TransitionalResult.objects.bulk_create(rows.results, batch_size=5000)
    subjects = Subject.objects.filter(school=ctx.school).order_by("order")
    ctx.extras["assessment_subjects"] = {s.code: s for s in subjects}
    ctx.extras["assessment_ability"] = abilities
    ctx.say(
        f"  frameworks in 2 schools; {len(rows.judgements)} overall and {len(rows.focus_judgements)} focus "
        f"judgements; {len(rows.results)} key-stage results"
    )
