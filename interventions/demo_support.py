"""The demo school's pupil passports and multi-agency work (demo code only, run from ``interventions.demo``).

Most pupils with SEN have a passport written with them and reviewed each term; some reviews have slipped
(overdue), a few pupils have none yet. A handful of pupils have an early help assessment, a team around the
child or a referral to another service, some closed with an outcome, some still waiting for a first contact."""

from __future__ import annotations

import datetime as dt

from simple_history.utils import bulk_create_with_history

from pupils.models import Pupil

from .models import PASSPORT_REVIEW_DAYS, Adjustment, AgencyInvolvement, Passport, PassportReview

ABOUT = [
    "I like football and drawing dragons. I am good at building things with Lego.",
    "I love animals, especially my dog Biscuit. I am kind and I help my friends.",
    "I like singing and dancing. I am good at remembering songs.",
    "I like computers and Minecraft. I am good at puzzles.",
    "I like swimming and cooking with my nan. I am good at making people laugh.",
    "I like reading comics and playing tag. I try really hard in maths.",
]
HARD = [
    "Reading long words and copying from the board.",
    "Sitting still for a long time and when it is noisy.",
    "Remembering lots of instructions at once.",
    "Writing my ideas down quickly. My hand gets tired.",
    "Knowing what to do when plans change.",
    "Saying what I mean when I am upset.",
]
HELPS = [
    "Tell me one step at a time and check I understand. Let me use my word mat.",
    "Give me a warning before things change. Let me have a quiet space if I need it.",
    "Let me use the laptop for longer writing. Show me pictures as well as words.",
    "Sit me near the front so I can see and hear. Give me a bit more time to answer.",
    "Let me have a movement break. Praise me quietly, not in front of everyone.",
    "Let me talk my ideas through with a partner before I write.",
]
WITH = ["the pupil, mum and the SENCO", "the pupil, dad, class teacher and SENCO", "the pupil, carer and class teacher",
        "the pupil and the SENCO", "the pupil, both parents and the SENCO"]  # fmt: skip
ADJUSTMENTS = {
    Adjustment.Kind.ICT: ["Laptop with word prediction for extended writing", "Reading pen for longer texts",
                          "Text-to-speech on the tablet", "Large-print worksheets from the class tablet"],
    Adjustment.Kind.ACCESS: ["25% extra time in tests", "A reader for maths tests", "A scribe for written tests",
                             "Rest breaks in tests"],
    Adjustment.Kind.SEATING: ["Near the front, away from the door", "Seated beside a supportive partner"],
    Adjustment.Kind.RESOURCES: ["Visual timetable on the desk", "Coloured overlay (blue) for reading",
                                "Word mat and number line", "Writing slope and pencil grip"],
    Adjustment.Kind.TIME: ["Movement break mid-morning", "Extra processing time before answering"],
    Adjustment.Kind.COMMUNICATION: ["Instructions chunked and written on a whiteboard", "Now-and-next card"],
    Adjustment.Kind.ADULT: ["Teaching assistant check-in at the start of each lesson"],
}  # fmt: skip
CASES = [
    (AgencyInvolvement.Kind.REFERRAL, AgencyInvolvement.Service.SALT, "Unclear speech and limited vocabulary.",
     "Block of therapy; targets shared with the class teacher and a home programme."),
    (AgencyInvolvement.Kind.REFERRAL, AgencyInvolvement.Service.ED_PSYCH, "Slow progress despite wave 3 support.",
     "Assessment found working-memory difficulties; recommendations added to the passport."),
    (AgencyInvolvement.Kind.EARLY_HELP, AgencyInvolvement.Service.FAMILY, "Attendance falling; family under strain.",
     "Family support worker allocated; attendance back above 95%."),
    (AgencyInvolvement.Kind.TAC, AgencyInvolvement.Service.SOCIAL_CARE, "Team around the child after the early help "
     "assessment.", "Six-weekly meetings; plan stepped down to early help."),
    (AgencyInvolvement.Kind.REFERRAL, AgencyInvolvement.Service.CAMHS, "Anxiety affecting school attendance.",
     ""),
    (AgencyInvolvement.Kind.REFERRAL, AgencyInvolvement.Service.HEALTH, "Concerns about hearing.",
     "Audiology found glue ear; grommets fitted, seating adjusted."),
    (AgencyInvolvement.Kind.REFERRAL, AgencyInvolvement.Service.OT, "Handwriting and fine motor skills.",
     "Sensory circuits daily; writing slope provided."),
    (AgencyInvolvement.Kind.EARLY_HELP, AgencyInvolvement.Service.HEALTH, "Sleep and eating worries raised by mum.",
     ""),
]  # fmt: skip


def build_support(ctx, senco) -> None:
    """Passports for most pupils with SEN, and multi-agency work for a few pupils."""
    pupils = list(
        Pupil.objects.filter(school=ctx.school, archived_at__isnull=True, sen_provision__in=("K", "E")).order_by("pk")
    )
    passports = _passports(ctx, pupils, senco)
    ctx.say(f"  {passports} pupil passports for {len(pupils)} pupils with SEN")
    ctx.say(f"  {_agency(ctx, senco)} multi-agency involvements")


def _passports(ctx, pupils: list, senco) -> int:
    rng, today = ctx.rng, ctx.today
    passports, plans = [], []
    for pupil in pupils:
        if rng.random() < 0.1:
            continue  # not written yet
        written = today - dt.timedelta(days=rng.randint(20, 420))
        # Reviewed every term since; for about one in six the reviews stopped a while ago (overdue).
        reviews = [written]
        stop = today - dt.timedelta(days=rng.randint(130, 200)) if rng.random() < 0.17 else today
        while reviews[-1] + dt.timedelta(days=PASSPORT_REVIEW_DAYS) <= stop:
            reviews.append(reviews[-1] + dt.timedelta(days=PASSPORT_REVIEW_DAYS + rng.randint(-10, 5)))
        passports.append(
            Passport(
                school=ctx.school, pupil=pupil, about_me=rng.choice(ABOUT), find_hard=rng.choice(HARD),
                helps_me=rng.choice(HELPS), contributors=rng.choice(WITH), pupil_contributed=rng.random() > 0.05,
                written_on=written, reviewed_on=reviews[-1],
                next_review_on=reviews[-1] + dt.timedelta(days=PASSPORT_REVIEW_DAYS), updated_by=senco,
            )
        )  # fmt: skip
        plans.append(reviews)
    bulk_create_with_history(passports, Passport, default_user=senco)
    saved = dict(Passport.objects.filter(school=ctx.school).values_list("pupil_id", "pk"))
    rows, adjustments = [], []
    for passport, reviews in zip(passports, plans, strict=True):
        pk = saved[passport.pupil.pk]
        rows += [PassportReview(passport_id=pk, reviewed_on=day, reviewed_by=senco) for day in reviews]
        adjustments += _adjustments(rng, pk, passport, reviews)
    bulk_create_with_history(rows, PassportReview, default_user=senco)
    bulk_create_with_history(adjustments, Adjustment, default_user=senco)
    return len(passports)


def _adjustments(rng, pk: int, passport: Passport, reviews: list) -> list[Adjustment]:
    kinds = rng.sample([k for k in ADJUSTMENTS if k not in (Adjustment.Kind.ICT, Adjustment.Kind.ACCESS)], 2)
    if rng.random() < 0.45:
        kinds.append(Adjustment.Kind.ICT)
    if passport.pupil.year_group in (2, 6) or rng.random() < 0.2:
        kinds.append(Adjustment.Kind.ACCESS)
    out = []
    for kind in kinds:
        added = rng.choice(reviews)
        ended = reviews[-1] if added < reviews[-1] and rng.random() < 0.1 else None
        out.append(
            Adjustment(passport_id=pk, kind=kind, description=rng.choice(ADJUSTMENTS[kind]), added_on=added,
                       ended_on=ended)
        )  # fmt: skip
    return out


def _agency(ctx, senco) -> int:
    rng, today = ctx.rng, ctx.today
    candidates = list(
        Pupil.objects.filter(school=ctx.school, archived_at__isnull=True, year_group__gte=1)
        .exclude(sen_provision="N", looked_after=False)
        .order_by("pk")
    )
    if not candidates:
        return 0
    chosen = rng.sample(candidates, min(len(candidates), max(14, len(candidates) // 4)))
    records = []
    for n, pupil in enumerate(chosen):
        kind, service, reason, outcome = CASES[n % len(CASES)]
        referred = today - dt.timedelta(days=rng.randint(20, 500))
        wait = rng.randint(7, 90) if service != AgencyInvolvement.Service.CAMHS else rng.randint(60, 200)
        contact = referred + dt.timedelta(days=wait)
        contact = contact if contact <= today else None
        closed = None
        if contact and outcome and contact + dt.timedelta(days=60) < today and rng.random() < 0.7:
            closed = contact + dt.timedelta(days=rng.randint(60, min(240, (today - contact).days)))
        records.append(
            AgencyInvolvement(
                school=ctx.school, pupil=pupil, kind=kind, service=service, referred_on=referred,
                first_contact_on=contact, closed_on=closed, reason=reason, outcome=outcome if closed else "",
                lead_professional="SENCO" if kind != AgencyInvolvement.Kind.REFERRAL else "", recorded_by=senco,
            )
        )  # fmt: skip
    bulk_create_with_history(records, AgencyInvolvement, default_user=senco)
    return len(records)
