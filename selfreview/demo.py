"""The demo school's self-review: last year's review complete in all three phases, and this year's with phase 1
complete and phase 2 partly rated, with notes a leadership team might write.

Where the product has its own evidence for an item on a phase's date (pupils off trajectory, up-to-date
assessments, follow-ups in class, measured impact, personal tutors …), the demo's rating agrees with it: the
rating is read from the figure (``EVIDENCE_RULES``) and the note quotes it. Other items are rated as a
leadership team might, holding or improving a step between phases."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from pupils.models import TeachingGroupTeacher
from schoolpl.calendar import academic_year_start
from schoolpl.evidence import Evidence, collect

from .models import AnnexItem, Judgement, Observation, ObservationFocus, Rating, Review, ReviewPhase
from .walks_evidence import LABEL as OBSERVED

# Notes by rating: what a senior leader or SIP might record.
NOTES = {
    1: [
        "Consistently seen in lesson observations across both key stages.",
        "Well embedded; staff share practice at weekly briefings.",
        "Strong in book scrutiny and pupil interviews this term.",
    ],
    2: [
        "Established in most classes; a few newer staff need coaching.",
        "Good practice in upper KS2, less consistent in Years 1 and 2.",
        "In place, but monitoring shows it is not yet routine in every subject.",
    ],
    3: [
        "Seen in some lessons only; added to the staff CPD plan for next term.",
        "Leaders agree this needs a clearer whole-school approach.",
        "Pupil voice shows mixed experience; subject leaders to review.",
    ],
    4: [
        "Not yet in place; a priority in the school development plan.",
        "Little evidence in monitoring; needs a lead and a timeline.",
    ],
}
# How a figure of the product's own evidence reads as a rating (1 a strong feature … 4 needs significant
# development): (item, the evidence's label starts with, higher is better, the figure for 1, 2 and 3). The
# figure is the last share in the evidence's value ("… 62% (8 of 13) accelerated"), read only where it is a share
# of at least MIN_BASE (a leadership team does not judge a feature on three pupils).
EVIDENCE_RULES = [
    ("2b", "Pupils off trajectory", False, (25, 40, 55)),
    ("2c", "Pupils off trajectory", False, (25, 40, 55)),
    ("2c", "Pupils stuck", False, (5, 10, 20)),
    ("2d", "Active pupil targets agreed", True, (80, 60, 40)),
    ("2d", "Pupils who reviewed their progress", True, (80, 60, 40)),
    ("3c", "Pupils with an up-to-date periodic assessment", True, (90, 75, 50)),
    ("4a", "Intervention learning followed up in class", True, (75, 55, 35)),
    ("4c", "Intervention places with measured impact", True, (70, 50, 30)),
    ("9a", "Progress reviews a parent or carer attended", True, (70, 50, 30)),
    ("9c", "Pupils with a personal tutor", True, (95, 80, 50)),
    *[(code, OBSERVED, True, (70, 55, 35)) for code in ("1c", "1d", "1e", "5b", "5c", "6a", "6b", "6d")],
]
_SHARE = re.compile(r"(\d+)% \((\d+) of (\d+)\b")  # "62% (8 of 13 pupils …)"
MIN_BASE = 10
# The demo's history before this school year covers assessment, progress and lesson observations only (reviews,
# tutors and provision start this year), so last year's review is read against those items' figures alone.
LAST_YEAR_ITEMS = {"2b", "2c", "3c", "1c", "1d", "1e", "5b", "5c", "6a", "6b", "6d"}

LINKS = [
    "Lesson observation summary (staff shared drive)",
    "Book scrutiny notes, governors' curriculum committee",
    "Pupil voice survey results",
]


def _rating_from(rule: tuple, evidence: Evidence) -> int | None:
    found = _SHARE.findall(evidence.value)
    if not found or int(found[-1][2]) < MIN_BASE:
        return None  # "no data yet", a count, a share hidden as a small number or one of too few
    _, _, higher_is_better, cuts = rule
    figure = int(found[-1][0])
    for rating, cut in enumerate(cuts, start=1):
        if (figure >= cut) if higher_is_better else (figure <= cut):
            return rating
    return 4


def evidenced(school, start: dt.date, day: dt.date, codes=None) -> dict[str, tuple[int, str]]:
    """Item code -> (the rating the product's own figures for ``start``–``day`` support, a note quoting them)."""
    by_item = collect(school, start, day)
    found: dict[str, list[tuple[int, Evidence]]] = {}
    for rule in EVIDENCE_RULES:
        code, label = rule[0], rule[1]
        if codes is not None and code not in codes:
            continue
        for item in by_item.get(code, []):
            rating = _rating_from(rule, item) if item.label.startswith(label) else None
            if rating is not None:
                found.setdefault(code, []).append((rating, item))
    return {
        code: (
            round(sum(r for r, _ in rated) / len(rated)),
            " ".join(f"{item.label}: {item.value}." for _, item in rated),
        )
        for code, rated in found.items()
    }


def _ratings(ctx, review, items, phase, day, by, previous=None, only=None, evidence=None) -> list[Rating]:
    rows = []
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(16, 30)))
    evidence = evidence or {}
    for item in items:
        if only is not None and item.feature.number not in only:
            continue
        note = None
        if item.code in evidence:
            value, figures = evidence[item.code]
            note = f"Our own figures: {figures}"
        elif previous is None:
            value = ctx.rng.choices([1, 2, 3, 4], weights=[2, 4, 3, 1])[0]
        else:
            # Most items hold or improve by one step between phases; a few slip.
            value = max(1, min(4, previous[item.pk] - ctx.rng.choices([0, 1, -1], weights=[5, 4, 1])[0]))
        rows.append(
            Rating(
                review=review,
                item=item,
                phase=phase,
                rating=value,
                notes=note or ctx.rng.choice(NOTES[value]),
                evidence_links=ctx.rng.choice(LINKS) if ctx.rng.random() < 0.3 else "",
                version=1,
                updated_by=by,
                updated_at=when,
            )
        )
    return rows


def build(ctx) -> None:
    observed = build_observations(ctx)
    items = list(AnnexItem.objects.select_related("feature").order_by("position"))
    leader, sip = ctx.users.get("leader"), ctx.users.get("sip")
    this_year = ctx.current_year
    last_start = this_year.start_date.replace(year=this_year.start_date.year - 1)

    last = Review.objects.create(
        school=ctx.school,
        title="Annual self-review",
        academic_year_label=f"{last_start.year}/{str(last_start.year + 1)[-2:]}",
        created_by=leader,
    )
    last_dates = [last_start + dt.timedelta(days=d) for d in (45, 170, 290)]
    current = Review.objects.create(
        school=ctx.school,
        title="Annual self-review",
        academic_year_label=this_year.name,
        created_by=leader,
    )
    start = this_year.start_date
    p1 = min(start + dt.timedelta(days=45), ctx.today)
    p2 = max(p1 + dt.timedelta(days=14), min(start + dt.timedelta(days=170), ctx.today))
    p3 = max(p2 + dt.timedelta(days=14), start + dt.timedelta(days=290))
    ReviewPhase.objects.bulk_create(
        [ReviewPhase(review=last, phase=i + 1, date=d) for i, d in enumerate(last_dates)]
        + [ReviewPhase(review=current, phase=i + 1, date=d) for i, d in enumerate((p1, p2, p3))]
    )

    rows = []
    previous = None
    for phase, day in enumerate(last_dates, start=1):
        figures = evidenced(ctx.school, last_start, day, codes=LAST_YEAR_ITEMS)
        phase_rows = _ratings(ctx, last, items, phase, day, leader, previous, evidence=figures)
        previous = {r.item_id: r.rating for r in phase_rows}
        rows += phase_rows
    # This year starts from where last year ended, a little worse after staff changes.
    carried = {k: min(4, v + ctx.rng.choice([0, 0, 1])) for k, v in previous.items()}
    phase1 = _ratings(ctx, current, items, 1, p1, leader, carried, evidence=evidenced(ctx.school, start, p1))
    rows += phase1
    rows += _ratings(
        ctx, current, items, 2, p2, sip, {r.item_id: r.rating for r in phase1}, only={1, 2, 3, 4},
        evidence=evidenced(ctx.school, start, p2),
    )  # fmt: skip
    bulk_create_with_history(rows, Rating, batch_size=500)
    ctx.extras["selfreview_review"] = current
    ctx.say(
        f"Self-review: 2 reviews, {len(rows)} ratings (this year: phase 1 complete, phase 2 in progress);"
        f" {observed} lesson observations and learning-walk visits."
    )


# --- lesson observations and learning walks ------------------------------------------------------------------

# Half-terms of a school year starting on 1 September of year Y: (month, day) of the start and end, and the
# year offset (0: Y, 1: Y + 1).
HALF_TERMS = [
    ((0, 9, 3), (0, 10, 23)),
    ((0, 11, 3), (0, 12, 18)),
    ((1, 1, 6), (1, 2, 13)),
    ((1, 2, 23), (1, 3, 31)),
    ((1, 4, 14), (1, 5, 22)),
    ((1, 6, 2), (1, 7, 21)),
]
# How often each focus is judged secure at the start of a year (it improves through the year) and how often a
# walk looks for it and does not see it: the outdoor classroom and guided learning are this school's weak spots.
SECURE = {"1c": 0.62, "1d": 0.5, "1e": 0.42, "5b": 0.58, "5c": 0.38, "6a": 0.6, "6b": 0.45, "6d": 0.3}
NOT_SEEN = {"6d": 0.25, "5c": 0.15, "6b": 0.12}
STRENGTHS = {
    "1c": "Clear modelling on the visualiser; questions pitched to make pupils explain their reasoning.",
    "1d": "Talk partners used well: most pupils rehearsed answers before sharing.",
    "1e": "Pupils chose their own level of challenge and used the working wall to get unstuck.",
    "5b": "Moved smoothly between whole-class input, pairs and a focus group.",
    "5c": "Guided group well planned, with the teacher's time on the pupils who needed it.",
    "6a": "Resources to hand and the room arranged for the task; routines well established.",
    "6b": "Tablets used purposefully for research and to record explanations.",
    "6d": "The outdoor area used for measuring; pupils knew what they were there to learn.",
}
NEXT_STEPS = {
    "1c": "Use more open questions and wait time before taking answers.",
    "1d": "Structure group talk with roles so every pupil contributes.",
    "1e": "Reduce over-scaffolding for the middle group; let them try first.",
    "5b": "Plan for pairs to be changed when the task changes.",
    "5c": "Guided group was not yet routine: plan it into every literacy lesson.",
    "6a": "Keep the working wall current with this week's learning.",
    "6b": "ICT was available but not used; plan where it helps the learning.",
    "6d": "Plan outdoor learning with clear objectives, not only for PE.",
}


def _school_days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [d for d in (start + dt.timedelta(days=n) for n in range((end - start).days + 1)) if d.weekday() < 5]


def _judge(ctx, code: str, progress: float) -> str:
    roll = ctx.rng.random()
    if roll < NOT_SEEN.get(code, 0.05):
        return Judgement.NOT_SEEN
    return Judgement.SECURE if ctx.rng.random() < SECURE[code] + 0.2 * progress else Judgement.DEVELOPING


def _visits(ctx, classes, year_start: int, today: dt.date):
    """(observation, {focus: judgement}) for each half-term of the school year starting ``year_start`` up to
    ``today``: two or three learning walks (each visiting five to eight classes with two or three focuses) and
    five to eight lesson observations (three or four focuses)."""
    codes = list(SECURE)
    for index, (begin, finish) in enumerate(HALF_TERMS):
        start = dt.date(year_start + begin[0], begin[1], begin[2])
        end = min(dt.date(year_start + finish[0], finish[1], finish[2]), today)
        days = _school_days(start, end)
        if not days:
            break
        progress = index / (len(HALF_TERMS) - 1)
        for _ in range(ctx.rng.choice([2, 3])):
            day, focuses = ctx.rng.choice(days), ctx.rng.sample(codes, ctx.rng.choice([2, 3]))
            for group, teacher in ctx.rng.sample(classes, min(len(classes), ctx.rng.randint(5, 8))):
                yield (Observation.Kind.WALK, day, group, teacher), {c: _judge(ctx, c, progress) for c in focuses}
        for group, teacher in ctx.rng.sample(classes, min(len(classes), ctx.rng.randint(5, 8))):
            focuses = ctx.rng.sample(codes, ctx.rng.choice([3, 4]))
            day = ctx.rng.choice(days)
            yield (Observation.Kind.LESSON, day, group, teacher), {c: _judge(ctx, c, progress) for c in focuses}


def _feedback(judged: dict[str, str]) -> tuple[str, str]:
    strengths = [STRENGTHS[c] for c, j in judged.items() if j == Judgement.SECURE]
    steps = [NEXT_STEPS[c] for c, j in judged.items() if j != Judgement.SECURE]
    return " ".join(strengths), " ".join(steps)


def build_observations(ctx) -> int:
    """Last school year's observations (of teachers: the demo keeps this year's classes only) and this year's
    (of classes and their teachers) up to today. Same seed, same observations."""
    observers = [u for u in (ctx.users.get("leader"), ctx.users.get("senco")) if u is not None]
    if not observers:
        return 0
    this_year = academic_year_start(ctx.today)
    links = (
        TeachingGroupTeacher.objects.filter(
            group__school=ctx.school,
            group__academic_year=ctx.current_year,
            is_main=True,
            group__subject__in=["english", "maths"],
        )
        .select_related("group", "user")
        .order_by("group__name", "group__subject", "pk")
    )
    classes = [(link.group, link.user) for link in links]
    plans = []
    if ctx.teachers:
        plans += list(_visits(ctx, [(None, t) for t in ctx.teachers], this_year - 1, ctx.today))
    if classes:
        plans += list(_visits(ctx, classes, this_year, ctx.today))
        persona = ctx.users.get("teacher")
        theirs = [c for c in classes if c[1] == persona]
        days = _school_days(dt.date(this_year, 9, 8), min(dt.date(this_year, 10, 17), ctx.today))
        if theirs and days and not any(plan[0][2] is not None and plan[0][3] == persona for plan in plans):
            # The teacher persona has at least one observation of her own class to read.
            day = ctx.rng.choice(days)
            plans.append(
                ((Observation.Kind.LESSON, day, *theirs[0]), {"1c": Judgement.SECURE, "1e": Judgement.DEVELOPING})
            )
    observations, judged_all = [], []
    for (kind, day, group, teacher), judged in plans:
        strengths, steps = _feedback(judged)
        observer = observers[0] if kind == Observation.Kind.LESSON or ctx.rng.random() < 0.7 else observers[-1]
        observations.append(
            Observation(
                school=ctx.school, kind=kind, date=day, observer=observer, group=group, teacher=teacher,
                strengths=strengths, next_steps=steps,
            )
        )  # fmt: skip
        judged_all.append(judged)
    created = bulk_create_with_history(observations, Observation, batch_size=500, default_user=observers[0])
    focuses = [
        ObservationFocus(observation=o, focus=code, judgement=judgement)
        for o, judged in zip(created, judged_all, strict=True)
        for code, judgement in judged.items()
    ]
    bulk_create_with_history(focuses, ObservationFocus, batch_size=1000, default_user=observers[0])
    return len(observations)
