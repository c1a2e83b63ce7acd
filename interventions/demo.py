"""Demo interventions: a realistic catalogue, provision over past terms and this one (sessions, attendance,
follow-ups, entry/exit judgements where assessments are missing), and a needs assessment — score cards with
a baseline and a later card for about twenty pupils, journals and learning-potential aims for a few."""

from __future__ import annotations

import datetime as dt

from simple_history.utils import bulk_create_with_history

from assessment import scales
from assessment.models import Judgement, Subject
from pupils.models import Pupil
from schoolpl.calendar import academic_year_start
from schoolpl.demo import DemoContext

from .demo_support import build_support
from .journal import is_scale_question, split_scale_answer
from .models import (
    FollowUp,
    ImpactJudgement,
    InterventionSession,
    JournalEntry,
    JournalQuestion,
    LearningAim,
    Programme,
    Provision,
    ProvisionPupil,
    ProvisionStaff,
    ScoreCard,
    ScoreCardRating,
    SessionAttendance,
    Stage,
    SuccessCharacteristic,
)

# name, wave, need area, subject hint, group size, sessions a week, minutes, weeks, cost basis, cost, description
CATALOGUE = [
    (
        "Reading Recovery",
        3,
        "reading",
        "read",
        1,
        5,
        30,
        16,
        "pupil",
        2400,
        "Daily one-to-one lessons from a specially trained teacher for the lowest-attaining young readers, "
        "built around reading and writing real texts.",
    ),
    (
        "Numbers Count",
        3,
        "maths",
        "math",
        1,
        3,
        30,
        12,
        "pupil",
        1200,
        "Intensive one-to-one (or pairs) mathematics from a trained teacher for pupils well behind in number.",
    ),
    (
        "Fischer Family Trust Wave 3 literacy",
        3,
        "reading",
        "read",
        1,
        5,
        15,
        10,
        "session",
        9,
        "Short daily one-to-one sessions by a teaching assistant, following a tightly structured reading and "
        "writing sequence.",
    ),
    (
        "Speech and language therapy programme",
        3,
        "speech",
        "",
        1,
        2,
        30,
        10,
        "session",
        22,
        "Targets set by the visiting speech and language therapist, delivered by a trained teaching assistant.",
    ),
    (
        "Better Reading Partnership",
        2,
        "reading",
        "read",
        3,
        3,
        15,
        10,
        "session",
        8,
        "A trained adult hears a pupil read three times a week, teaching independent strategies.",
    ),
    (
        "Talk Boost",
        2,
        "speech",
        "",
        4,
        3,
        30,
        10,
        "session",
        14,
        "Small-group language activities for pupils whose talk is behind their age, with a classroom element.",
    ),
    (
        "Springboard maths",
        2,
        "maths",
        "math",
        6,
        3,
        30,
        10,
        "session",
        16,
        "Catch-up lessons for pupils just below age-related expectations, revisiting key number work.",
    ),
    (
        "Phonics catch-up (computer-assisted)",
        2,
        "phonics",
        "read",
        6,
        4,
        20,
        12,
        "pupil",
        95,
        "Adaptive phonics and word-reading practice on screen, with adult checks on progress each week.",
    ),
    (
        "Early Literacy Support",
        2,
        "writing",
        "writ",
        6,
        3,
        20,
        12,
        "session",
        12,
        "Structured small-group phonics, reading and writing for Year 1 pupils just behind their peers.",
    ),
    (
        "Social skills / nurture group",
        2,
        "social",
        "",
        8,
        2,
        60,
        12,
        "session",
        30,
        "A calm small group for pupils who find relationships or school life hard: turn-taking, feelings, friendships.",
    ),
]

# The year groups each programme was written for (its publisher's guidance): Reading Recovery and Early
# Literacy Support in Year 1, Every Child Counts' Numbers Count in Year 2, Fischer Family Trust Wave 3 and
# Talk Boost (KS1) in Key Stage 1, Springboard in Years 3–6, computer-assisted phonics catch-up up to Year 3.
YEARS = {
    "Reading Recovery": (1, 1),
    "Numbers Count": (2, 2),
    "Fischer Family Trust Wave 3 literacy": (1, 2),
    "Better Reading Partnership": (2, 6),
    "Talk Boost": (1, 2),
    "Springboard maths": (3, 6),
    "Phonics catch-up (computer-assisted)": (1, 3),
    "Early Literacy Support": (1, 1),
}

CHARACTERISTICS = [
    ("Learning skills", "Asks questions, organises work, keeps going without help"),
    ("Attendance", "In school and on time"),
    ("Resilience", "Copes with setbacks and tries again"),
    ("High self-esteem", "Believes they can succeed"),
    ("Communication", "Says what they think and listens to others"),
]
QUESTIONS = [
    "Am I doing well in school? How do I know?",
    "How do I feel about my attitude to learning, from 0 to 10?",
    "Is anything stopping me from learning?",
    "What else can help me to learn?",
]
FOLLOW_UP_NOTES = {
    "reading": [
        "Now checks a tricky word by reading to the end of the sentence",
        "Can retell a short story in order using first, next, finally",
        "Reads common exception words in the Year 2 list on sight",
    ],
    "phonics": ["Blends four-sound words with adjacent consonants", "Knows the split digraphs a-e, i-e, o-e"],
    "writing": [
        "Uses capital letters and full stops in most sentences",
        "Writes a simple sentence independently after saying it aloud",
    ],
    "maths": [
        "Counts on in tens from any number",
        "Uses a number line to subtract across a ten",
        "Knows number bonds to 10 quickly",
    ],
    "speech": ["Uses 'because' to explain an idea", "Answers 'why' questions in a full sentence"],
    "social": ["Waits for a turn in a group game", "Names how they feel and asks an adult for help"],
}
CLASS_NOTES = [
    "Praised it in guided reading",
    "Built into the lesson starter",
    "Reminded at the start of writing",
    "Paired with a confident partner to practise",
]
BLOCKERS = [
    "Being a young carer",
    "Tiredness in the mornings",
    "Worries about friendships",
    "Low confidence in maths",
    "Often absent on Mondays",
]
ENABLERS = [
    "Responds well to praise",
    "Loves sport",
    "Enjoys helping younger pupils",
    "Good relationship with TA",
    "Keen on drawing",
]
AIMS = [
    "to experience success in front of the class every week",
    "to arrive in school on time and ready to learn",
    "to take part in a lunchtime club with friends",
    "to ask for help when stuck rather than stopping work",
    "to read for pleasure at home three times a week",
]


def _subjects(school) -> dict[str, Subject]:
    found = {}
    for subject in Subject.objects.filter(school=school).order_by("order", "pk"):
        for hint in ("read", "writ", "math"):
            if hint in subject.name.lower() or hint in subject.code.lower():
                found.setdefault(hint, subject)
    return found


def _grade(points: float) -> str:
    if points < 7:
        return "W"
    level, sub = scales.nc_split(points)
    return f"{level}{sub}"


def _programmes(ctx: DemoContext, senco) -> list[Programme]:
    subjects = _subjects(ctx.school)
    programmes = [
        Programme(
            school=ctx.school, name=name, wave=wave, need_area=area, subject=subjects.get(hint) if hint else None,
            group_size=size, sessions_per_week=spw, session_minutes=minutes, length_weeks=weeks, cost_basis=basis,
            unit_cost=cost, description=text,
        )
        for name, wave, area, hint, size, spw, minutes, weeks, basis, cost, text in CATALOGUE
    ]  # fmt: skip
    bulk_create_with_history(programmes, Programme, default_user=senco)
    return list(Programme.objects.filter(school=ctx.school).order_by("pk"))


def _provisions(ctx: DemoContext, programmes: list[Programme], senco) -> tuple[list[Provision], list[int]]:
    """Most programmes run in each of the last three terms and this one; returns the provisions (saved) and
    the number of places planned in each."""
    today = ctx.today
    past = [w for w in ctx.windows if w.end_date < today][-3:]
    current = [w for w in ctx.windows if w.start_date <= today <= w.end_date]
    provisions, plan = [], []
    for t, window in enumerate(past + current):
        for i, programme in enumerate(programmes):
            if (i + t) % 3 == 2:
                continue  # not every programme runs every term
            start = window.start_date + dt.timedelta(days=14)
            end = min(start + dt.timedelta(weeks=programme.length_weeks) - dt.timedelta(days=3), window.end_date)
            size = programme.group_size if programme.wave == 2 else ctx.rng.choice((1, 2))
            provisions.append(Provision(
                school=ctx.school, programme=programme, name=f"{programme.name}: {window.name} group",
                start_date=start, end_date=max(start, end), created_by=senco,
            ))  # fmt: skip
            plan.append(min(size, 5))
    bulk_create_with_history(provisions, Provision, default_user=senco)
    return list(Provision.objects.filter(school=ctx.school).select_related("programme").order_by("pk")), plan


def _choose(ctx: DemoContext, provision: Provision, size: int, pool: list, form_6b: list, used_now: set) -> list:
    """Pupils for a provision: from the pool, of the year groups the programme was made for (their year group
    when it ran), and not already in provision this term."""
    is_current = provision.end_date >= ctx.today
    low_year, high_year = YEARS.get(provision.programme.name, (1, 6))
    years_ago = academic_year_start(ctx.today) - academic_year_start(provision.start_date)
    chosen = []
    if is_current and high_year == 6 and form_6b and not used_now.intersection(p.pk for p in form_6b):
        chosen = form_6b[:2]
    eligible = [
        p for p in pool if low_year <= p.year_group - years_ago <= high_year and not (is_current and p.pk in used_now)
    ]
    for pupil in ctx.rng.sample(eligible, min(len(eligible), size)):
        if len(chosen) < size and pupil not in chosen:
            chosen.append(pupil)
    return chosen


def _places(ctx: DemoContext, provision: Provision, size: int, chosen: list) -> list[ProvisionPupil]:
    places = []
    for k, pupil in enumerate(chosen):
        joined = provision.start_date + (dt.timedelta(days=14) if k == 1 and size > 3 else dt.timedelta())
        left = None
        if k == 2 and size > 3 and provision.end_date < ctx.today:
            left = joined + dt.timedelta(days=28)  # one pupil left early (moved class / needs met)
        places.append(
            ProvisionPupil(
                provision=provision,
                pupil=pupil,
                joined_on=joined,
                left_on=left,
                leaving_reason="Moved to a different group" if left else "",
            )
        )
    return places


def build(ctx: DemoContext) -> None:
    rng, school, today = ctx.rng, ctx.school, ctx.today
    senco = ctx.users["senco"]
    programmes = _programmes(ctx, senco)
    pupils = list(Pupil.objects.filter(school=school, year_group__gte=1, archived_at__isnull=True).order_by("pk"))
    if not pupils:
        return
    # Provision goes to pupils with SEN and to the lowest attainers (by the assessment demo's underlying
    # attainment; a random sample where it did not run); the teacher persona's class (6B) gets some.
    ability = ctx.extras.get("assessment_ability", {})
    low = [p for p in pupils if ability.get(p.pk, 0) < -0.6] if ability else rng.sample(pupils, min(len(pupils), 60))
    pool = list(dict.fromkeys([p for p in pupils if p.sen_provision != "N"] + low))
    # 6B's pupils with a curricular target of their own (the targets demo's chain) first, so the help they get
    # serves the words they say (``_serve_targets``).
    chained = {t.pupil_id for t in ctx.extras.get("targets_pupil_targets", [])}
    form_6b = sorted((p for p in pupils if p.form == "6B"), key=lambda p: (p.pk not in chained, p.pk))[:3]
    staff = ctx.teachers[1:] or ctx.teachers
    provisions, plan = _provisions(ctx, programmes, senco)

    places, staff_links, used_now = [], [], set()
    for n, (provision, size) in enumerate(zip(provisions, plan, strict=True)):
        chosen = _choose(ctx, provision, size, pool, form_6b, used_now)
        places += _places(ctx, provision, size, chosen)
        if provision.end_date >= today:
            used_now.update(p.pk for p in chosen)
        staff_links.append(
            ProvisionStaff(
                provision=provision,
                user=staff[n % len(staff)],
                role=ProvisionStaff.Role.TA if n % 3 else ProvisionStaff.Role.TEACHER,
            )
        )
    bulk_create_with_history(places, ProvisionPupil, default_user=senco, batch_size=1000)
    bulk_create_with_history(staff_links, ProvisionStaff, default_user=senco)
    places = list(
        ProvisionPupil.objects.filter(provision__school=school).select_related("pupil", "provision__programme")
    )
    by_provision: dict[int, list[ProvisionPupil]] = {}
    for place in places:
        by_provision.setdefault(place.provision_id, []).append(place)

    _serve_targets(ctx, places)
    _sessions(ctx, provisions, by_provision, staff)
    _impact(ctx, places, senco)
    _follow_ups(ctx, places, senco)
    _needs(ctx, pupils, used_now, senco)
    build_support(ctx, senco)
    ctx.say(f"  {len(programmes)} programmes, {len(provisions)} provisions, {len(places)} places")


def _serve_targets(ctx: DemoContext, places: list[ProvisionPupil]) -> None:
    """A provision running now serves the curricular targets of its pupils (from the targets demo, where it
    ran): the chain from a pupil's number to the words they say runs through the help they get."""
    by_pupil: dict[int, list[int]] = {}
    for target in ctx.extras.get("targets_pupil_targets", []):
        by_pupil.setdefault(target.pupil_id, []).append(target.pk)
    through = Provision.targets.through
    links = {
        (place.provision_id, target_id)
        for place in places
        if place.provision.end_date >= ctx.today
        for target_id in by_pupil.get(place.pupil_id, [])
    }
    through.objects.bulk_create(through(provision_id=p, curriculartarget_id=t) for p, t in sorted(links))


def _sessions(ctx, provisions, by_provision, staff) -> None:
    rng, today = ctx.rng, ctx.today
    stages = Stage.values
    sessions = []
    for provision in provisions:
        programme = provision.programme
        days = [0, 2, 4, 1, 3][: programme.sessions_per_week]
        week, count = provision.start_date - dt.timedelta(days=provision.start_date.weekday()), 0
        while week <= min(provision.end_date, today):
            for offset in sorted(days):
                day = week + dt.timedelta(days=offset)
                if provision.start_date <= day <= min(provision.end_date, today):
                    sessions.append(InterventionSession(
                        provision=provision, date=day, stage=stages[count % len(stages)],
                        minutes=programme.session_minutes, led_by=staff[provision.pk % len(staff)],
                        notes="" if count % 4 else "Good focus; revisit next time",
                    ))  # fmt: skip
                    count += 1
            week += dt.timedelta(weeks=1)
    bulk_create_with_history(sessions, InterventionSession, batch_size=2000)
    sessions = InterventionSession.objects.filter(provision__school=ctx.school).values_list(
        "pk", "provision_id", "date"
    )
    marks = []
    for session_id, provision_id, day in sessions:
        for place in by_provision.get(provision_id, []):
            if place.joined_on <= day and (place.left_on is None or place.left_on >= day):
                marks.append(
                    SessionAttendance(session_id=session_id, pupil_id=place.pupil_id, present=rng.random() > 0.08)
                )
    bulk_create_with_history(marks, SessionAttendance, batch_size=5000)


def _impact(ctx, places, senco) -> None:
    """Where the assessment records don't cover a place, record entry and exit judgements for it."""
    rng, today = ctx.rng, ctx.today
    judged = set(
        Judgement.objects.filter(school=ctx.school, pupil_id__in={p.pupil_id for p in places}).values_list(
            "pupil_id", "subject_id"
        )
    )
    rows = []
    for place in places:
        provision, programme = place.provision, place.provision.programme
        if programme.subject_id is None or (place.pupil_id, programme.subject_id) in judged:
            continue
        entry = max(3, 3 + 4 * place.pupil.year_group - rng.choice((2, 4, 6)))
        entry = entry if entry % 2 else entry + 1
        rows.append(
            ImpactJudgement(
                place=place,
                kind="entry",
                points=entry,
                grade=_grade(entry),
                judged_on=provision.start_date,
                recorded_by=senco,
            )
        )
        end = place.left_on or provision.end_date
        if end < today and not (place.left_on and rng.random() < 0.5):
            gain = rng.choice((0, 2, 2, 2, 4, 4) if programme.wave == 3 else (0, 0, 2, 2, 2, 4))
            rows.append(
                ImpactJudgement(
                    place=place,
                    kind="exit",
                    points=entry + gain,
                    grade=_grade(entry + gain),
                    judged_on=end,
                    recorded_by=senco,
                )
            )
    bulk_create_with_history(rows, ImpactJudgement, default_user=senco, batch_size=2000)


def _follow_ups(ctx, places, senco) -> None:
    rng, today = ctx.rng, ctx.today
    rows = []
    for place in places:
        provision = place.provision
        if provision.start_date + dt.timedelta(days=21) > today or rng.random() < 0.3:
            continue
        notes = FOLLOW_UP_NOTES[provision.programme.need_area]
        recorded = min(today, provision.start_date + dt.timedelta(days=21 + rng.randrange(21)))
        done = provision.end_date < today and rng.random() < 0.7
        rows.append(FollowUp(
            place=place, learned=rng.choice(notes), recorded_by=senco, recorded_on=recorded,
            classroom_note=rng.choice(CLASS_NOTES) if done else "",
            followed_up_on=recorded + dt.timedelta(days=3) if done else None,
            # A follow-up done in class names who did it (a class teacher), as the page shows.
            followed_up_by=ctx.teachers[place.pk % len(ctx.teachers)] if done and ctx.teachers else None,
        ))  # fmt: skip
    bulk_create_with_history(rows, FollowUp, default_user=senco, batch_size=2000)


def _needs(ctx, pupils, supported_now, senco) -> None:
    rng, school, today = ctx.rng, ctx.school, ctx.today
    traits = [
        SuccessCharacteristic(school=school, name=n, description=d, order=i) for i, (n, d) in enumerate(CHARACTERISTICS)
    ]
    bulk_create_with_history(traits, SuccessCharacteristic, default_user=senco)
    traits = list(SuccessCharacteristic.objects.filter(school=school).order_by("order"))
    questions = [
        JournalQuestion(school=school, text=q, order=i, scale=is_scale_question(q)) for i, q in enumerate(QUESTIONS)
    ]
    bulk_create_with_history(questions, JournalQuestion, default_user=senco)
    questions = list(JournalQuestion.objects.filter(school=school).order_by("order"))

    sen = [p for p in pupils if p.sen_provision != "N"]
    rated = list(dict.fromkeys(sen[:14] + rng.sample(pupils, min(len(pupils), 8))))[:22]
    cards, ratings_for = [], []
    for n, pupil in enumerate(rated):
        base = [rng.randint(2, 6) for _ in traits]
        # A handful not yet in provision stay low (or are referred): the candidates list picks them up.
        stays_low = pupil.pk not in supported_now and n % 4 == 0
        for taken_on, lift in ((today - dt.timedelta(days=150), 0), (today - dt.timedelta(days=30), 1)):
            if stays_low and lift:
                continue
            cards.append(
                ScoreCard(
                    school=school, pupil=pupil, taken_on=taken_on, recorded_by=senco, referred=stays_low and n % 8 == 0
                )
            )
            ratings_for.append([
                (min(10, b + lift * rng.choice((0, 1, 2, 2))),
                 min(10, b + rng.choice((-1, 0, 1)) + lift * rng.choice((0, 1, 2))),
                 min(10, max(0, b + rng.choice((-1, 0, 1, 2)) + lift)) if rng.random() > 0.15 else None)
                for b in base
            ])  # fmt: skip
    bulk_create_with_history(cards, ScoreCard, default_user=senco)
    cards = list(ScoreCard.objects.filter(school=school).order_by("pk"))
    rows = [
        ScoreCardRating(card=card, characteristic=trait, professional=a, pupil_view=b, parent_view=c)
        for card, views in zip(cards, ratings_for, strict=True)
        for trait, (a, b, c) in zip(traits, views, strict=True)
    ]
    bulk_create_with_history(rows, ScoreCardRating, default_user=senco, batch_size=2000)

    answers = [
        [
            "Better than before, my reading book went up a level",
            "7",
            "When it's noisy I can't think",
            "Sitting near the front and having my word mat",
        ],
        [
            "Sometimes. I get stars in maths",
            "5",
            "I'm tired because I look after my brother",
            "Breakfast club and a quiet place to do homework",
        ],
        ["Not really in writing", "4", "I don't like reading out loud", "Doing it with a partner first"],
        ["Yes, my teacher said my times tables are good", "8", "Nothing much", "More practice on the computer"],
    ]
    entries, aims = [], []
    for n, pupil in enumerate(rated[:4]):
        written = today - dt.timedelta(days=40 - n)
        for question, answer in zip(questions, answers[n], strict=True):
            score, note = split_scale_answer(answer) if question.scale else (None, answer)
            entries.append(
                JournalEntry(
                    school=school,
                    pupil=pupil,
                    question=question,
                    written_on=written,
                    score=score,
                    answer=note,
                    reviewed_by=senco,
                    reviewed_on=written + dt.timedelta(days=2),
                    next_steps="Agreed one small step to try before the next review",
                )
            )
        aims.append(
            LearningAim(
                school=school,
                pupil=pupil,
                blockers=BLOCKERS[n],
                enablers=ENABLERS[n],
                aim=AIMS[n],
                created_by=senco,
                created_on=written + dt.timedelta(days=7),
            )
        )
    bulk_create_with_history(entries, JournalEntry, default_user=senco)
    bulk_create_with_history(aims, LearningAim, default_user=senco)
