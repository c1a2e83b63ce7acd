"""Demo data for the partnership app: personal tutors for every form, a dedicated "tutor" login, progress
reviews, parents and carers, a "parent" and a "pupil" portal login, and Year 6's reports for the latest
closed window, written and released."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assessment.roll import academic_year_of
from pupils.models import Contact, Pupil, TutorAssignment
from schoolpl.demo import DEMO_PASSWORD, DemoContext
from schoolpl.models import Membership, User
from schoolpl.roles import Role

from . import services
from .models import (
    Activity,
    ActivityAttendance,
    ActivityMember,
    ActivitySession,
    PortalLink,
    PortalSettings,
    ProgressReview,
    Report,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)

PARENT_FIRST = ["Sarah", "Amira", "Joanne", "Priya", "Grace", "Lena", "Fatima", "Claire", "Mark", "Tom", "Yusuf"]
VIEWS = [
    "I think I am getting better at reading longer books.",
    "Maths is hard when we do fractions but I try.",
    "I like writing stories now.",
    "I want to get faster at my times tables.",
    "I find it hard to concentrate after lunch.",
]
BARRIERS = ["", "", "", "Tired in the mornings", "Finds group work hard", "Attendance dipped this half-term"]


# The demo logins this app creates (seed_demo prints every app's LOGINS).
LOGINS = [
    ("Personal tutor (tutor of 6A)", "tutor", "their tutees' progress"),
    ("Parent (of a Year 6 pupil)", "parent", "their child's targets and released reports"),
    ("Pupil (Year 6)", "pupil", "their own targets and assessments"),
]


def build(ctx: DemoContext) -> None:
    """Each step in the order the demo has always drawn its random numbers, so the data stays the same."""
    password = make_password(DEMO_PASSWORD)
    pupils = list(
        Pupil.objects.filter(school=ctx.school, archived_at__isnull=True).order_by("year_group", "form", "pk")
    )
    form_tutor = _tutors(ctx, pupils, password)
    _contacts(ctx, pupils)
    reviews = _reviews(ctx, pupils, form_tutor)
    _portal(ctx, pupils, password)
    window = _reports(ctx)
    ctx.logins += LOGINS
    ctx.say(f"  partnership: {len(pupils)} tutor assignments, {len(reviews)} reviews, Year 6 reports for {window}")
    # Drawn from a generator of their own (seeded from the demo's, which it leaves untouched): the apps built
    # after this one get the same random numbers as before.
    rng = random.Random(str(ctx.rng.getstate()[1][:4]))
    sessions = _activities(ctx, rng)
    ctx.say(f"  partnership: {sessions} club and activity sessions over two years")
    answered = _surveys(ctx, rng)
    ctx.say(f"  partnership: a pupil and a parent survey, {answered} responses")


def _tutors(ctx: DemoContext, pupils: list[Pupil], password: str) -> dict:
    """The "tutor" login and a personal tutor for every form: {form: tutor}."""
    school = ctx.school
    tutor = User.objects.create(
        username="tutor", first_name="Ruth", last_name="Cole", email="tutor@greenfield.example", password=password
    )
    teacher = ctx.users["teacher"]
    Membership.objects.bulk_create(
        [
            Membership(user=tutor, school=school, role=Role.TUTOR),
            Membership(user=teacher, school=school, role=Role.TUTOR),
        ]
    )
    ctx.users["tutor"] = tutor
    forms = sorted({p.form for p in pupils})
    # The teacher persona tutors her class 6B; Ruth Cole tutors 6A (and any other Year 6 form); the other forms
    # are tutored by the school's teachers in turn.
    others = [t for t in ctx.teachers if t.pk != teacher.pk]
    form_tutor = {}
    for i, form in enumerate(forms):
        if form == "6B":
            form_tutor[form] = teacher
        elif form.startswith("6"):
            form_tutor[form] = tutor
        else:
            form_tutor[form] = others[i % len(others)] if others else tutor
    start = ctx.current_year.start_date
    bulk_create_with_history(
        [TutorAssignment(school=school, tutor=form_tutor[p.form], pupil=p, start_date=start) for p in pupils],
        TutorAssignment,
    )
    return form_tutor


def _contacts(ctx: DemoContext, pupils: list[Pupil]) -> None:
    contacts = []
    for p in pupils:
        first = ctx.rng.choice(PARENT_FIRST)
        contacts.append(
            Contact(
                pupil=p,
                name=f"{first} {p.legal_surname}",
                relationship="Father" if first in {"Mark", "Tom", "Yusuf"} else "Mother",
                email=f"parent.{p.pk}@families.example",
                preferred_language="Polish" if p.eal and ctx.rng.random() < 0.3 else "English",
                priority=1,
            )
        )
    if not Contact.objects.filter(pupil__school=ctx.school).exists():  # the pupils app may import contacts itself
        bulk_create_with_history(contacts, Contact)


def _reviews(ctx: DemoContext, pupils: list[Pupil], form_tutor: dict) -> list[ProgressReview]:
    """Most pupils reviewed last half-term; about two thirds already this half-term."""
    rng, reviews = ctx.rng, []
    for p in pupils:
        if rng.random() < 0.85:
            days_ago = rng.randint(0, 40) if rng.random() < 0.65 else rng.randint(45, 80)
            barrier = rng.choice(BARRIERS)
            refer = bool(barrier) and rng.random() < 0.15
            reviews.append(
                ProgressReview(
                    school=ctx.school,
                    pupil=p,
                    tutor=form_tutor[p.form],
                    held_on=ctx.today - dt.timedelta(days=days_ago),
                    pupil_attended=True,
                    parent_attended=rng.random() < 0.3,
                    pupil_view=rng.choice(VIEWS),
                    barriers=barrier,
                    actions="Tutor to check in weekly." if barrier else "",
                    refer_to_senco=refer,
                    referral_reason=f"{barrier}: please assess" if refer else "",
                )
            )
    bulk_create_with_history(reviews, ProgressReview)
    return reviews


def _portal(ctx: DemoContext, pupils: list[Pupil], password: str) -> None:
    """The portal: on for the demo school, a parent and a pupil login for one Year 6 pupil of 6B."""
    school = ctx.school
    PortalSettings.objects.create(school=school, pupils_enabled=True, parents_enabled=True)
    child = next((p for p in pupils if p.form == "6B"), None) or next(p for p in pupils if p.year_group == 6)
    parent = User.objects.create(
        username="parent", first_name="Amira", last_name=child.legal_surname, email="parent@families.example",
        password=password,
    )  # fmt: skip
    pupil_user = User.objects.create(
        username="pupil", first_name=child.forename, last_name=child.surname, password=password
    )
    Membership.objects.bulk_create(
        [
            Membership(user=parent, school=school, role=Role.PARENT),
            Membership(user=pupil_user, school=school, role=Role.PUPIL),
        ]
    )
    now = timezone.now()
    parent_contact = Contact.objects.filter(pupil=child).order_by("priority").first()
    PortalLink.objects.bulk_create(
        [
            PortalLink(school=school, user=parent, pupil=child, kind=PortalLink.Kind.PARENT, contact=parent_contact,
                       invited_by=ctx.users["admin"], accepted_at=now),
            PortalLink(school=school, user=pupil_user, pupil=child, kind=PortalLink.Kind.PUPIL,
                       invited_by=ctx.users["admin"], accepted_at=now),
        ]
    )  # fmt: skip


def _reports(ctx: DemoContext):
    """Year 6's reports for the latest closed window: written, released, some emailed and read."""
    school = ctx.school
    closed = [w for w in ctx.windows if not w.is_open] or ctx.windows
    window = closed[-1]
    services.reports_generate(school=school, window=window, year_group=6)
    services.reports_release(school=school, window=window, year_group=6, released_by=ctx.users["leader"])
    read = [r.pk for r in Report.objects.filter(school=school, window=window) if ctx.rng.random() < 0.6]
    Report.objects.filter(pk__in=read).update(first_read_at=timezone.now(), read_count=1)
    return window


# --- clubs and out-of-hours activities ----------------------------------------------------------------------

# (name, kind, years, term, weekday, provider, involves parents, involves community, share of the years joining)
CLUBS = [
    ("Football club", Activity.Kind.SPORT, (3, 6), "autumn", 0, "Riverside FC community coaches", False, False, 0.3),
    ("Choir", Activity.Kind.ARTS, (2, 6), "year", 2, "", False, True, 0.15),
    ("Homework club", Activity.Kind.STUDY, (4, 6), "year", 1, "", False, False, 0.12),
    ("Coding club", Activity.Kind.CLUB, (4, 6), "autumn", 3, "", False, False, 0.15),
    ("Family maths", Activity.Kind.FAMILY, (1, 2), "autumn", 3, "", True, False, 0.2),
    ("Art club", Activity.Kind.ARTS, (1, 3), "spring", 1, "", False, False, 0.2),
    ("Netball", Activity.Kind.SPORT, (4, 6), "spring", 0, "", False, False, 0.25),
    ("Family reading café", Activity.Kind.FAMILY, (0, 2), "spring", 4, "", True, False, 0.2),
    ("Gardening club", Activity.Kind.COMMUNITY, (2, 5), "summer", 2, "Friends of Greenfield Park", True, True, 0.12),
    ("Year 6 booster (study support)", Activity.Kind.STUDY, (6, 6), "spring", 2, "", False, False, 0.3),
    ("Cricket", Activity.Kind.SPORT, (3, 6), "summer", 0, "County Cricket Board", False, False, 0.2),
    ("Summer holiday scheme", Activity.Kind.HOLIDAY, (1, 6), "holiday", None, "Playworks", False, False, 0.1),
]
#: How much less likely (×) a pupil is to join and to come: disadvantaged pupils and pupils with SEN take part
#: somewhat less (the Sutton Trust's and the DfE's taking-part surveys: a gap of around ten points).
LESS_LIKELY = {"fsm": 0.7, "sen": 0.8}


def _terms(start: int) -> dict[str, tuple[dt.date, dt.date]]:
    return {
        "autumn": (dt.date(start, 9, 15), dt.date(start, 12, 12)),
        "spring": (dt.date(start + 1, 1, 12), dt.date(start + 1, 3, 27)),
        "summer": (dt.date(start + 1, 4, 20), dt.date(start + 1, 7, 10)),
        "year": (dt.date(start, 9, 15), dt.date(start + 1, 7, 10)),
        "holiday": (dt.date(start + 1, 7, 27), dt.date(start + 1, 8, 7)),
    }


def _likelihood(pupil: Pupil) -> float:
    factor = LESS_LIKELY["fsm"] if pupil.fsm else 1.0
    return factor * (LESS_LIKELY["sen"] if pupil.has_sen else 1.0)


def _year_then(pupil: Pupil, start: int, today: dt.date) -> int | None:
    """The year group ``pupil`` was in, in the academic year starting in ``start`` (None: not on roll then)."""
    left = pupil.leaving_date or (pupil.archived_at.date() if pupil.archived_at else None)
    if (left and left < dt.date(start, 9, 1)) or (
        pupil.admission_date and pupil.admission_date > dt.date(start + 1, 7, 1)
    ):
        return None
    return pupil.year_group - (academic_year_of(min(left, today) if left else today) - start)


def _club_days(first: dt.date, last: dt.date, weekday: int | None, today: dt.date) -> list[dt.date]:
    """Its weekday each week (every school weekday for a holiday scheme, ``weekday`` None), up to today."""
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7) if weekday is not None else first
    step = dt.timedelta(days=7 if weekday is not None else 1)
    days = []
    while day <= min(last, today):
        if day.weekday() < 5:
            days.append(day)
        day += step
    return days


def _club(ctx: DemoContext, rng: random.Random, i: int, club: tuple, start: int, then: dict, pupils: list) -> tuple:
    """One club in the year starting in ``start``: (activity, members, [(session, [(pupil, present)])])."""
    name, kind, (low, high), term, weekday, provider, parents, community, share = club
    first, last = _terms(start)[term]
    staff = ctx.teachers or [ctx.users["leader"]]
    activity = Activity(
        school=ctx.school, name=name, kind=kind, leader=staff[i % len(staff)] if i % 4 else staff[0],
        provider=provider, start_date=first, end_date=last, involves_parents=parents, involves_community=community,
    )  # fmt: skip
    joined = [
        p
        for p in pupils
        if then[p.pk] is not None and low <= then[p.pk] <= high and rng.random() < share * _likelihood(p)
    ]
    registers = []
    for day in _club_days(first, last, weekday, ctx.today):
        session = ActivitySession(
            activity=activity, held_on=day, parents_attending=rng.randint(4, 14) if parents else 0,
            community_attending=rng.randint(1, 4) if community else 0, recorded_by=activity.leader,
        )  # fmt: skip
        registers.append((session, [(p, rng.random() < 0.88 * _likelihood(p) ** 0.5) for p in joined]))
    return activity, joined, registers


def _activities(ctx: DemoContext, rng: random.Random) -> int:
    """Last year's clubs (its leavers included), and this year's so far, with registers: a session a week
    (every weekday of the holiday scheme), most members at most sessions. Returns the number of sessions."""
    years = ctx.years[-2:]
    pupils = list(
        Pupil.objects.filter(school=ctx.school)
        .filter(Q(archived_at__isnull=True) | Q(leaving_date__gte=years[0].start_date))
        .order_by("pk")
    )
    clubs = []
    for year in years:
        start = year.start_date.year
        then = {p.pk: _year_then(p, start, ctx.today) for p in pupils}
        for i, club in enumerate(CLUBS):
            if _terms(start)[club[3]][0] <= ctx.today:
                clubs.append(_club(ctx, rng, i, club, start, then, pupils))
    bulk_create_with_history([a for a, _, _ in clubs], Activity)
    bulk_create_with_history(
        [ActivityMember(activity=a, pupil=p, joined_on=a.start_date) for a, joined, _ in clubs for p in joined],
        ActivityMember,
    )
    sessions = [s for _, _, registers in clubs for s, _ in registers]
    bulk_create_with_history(sessions, ActivitySession)
    bulk_create_with_history(
        [
            ActivityAttendance(session=s, pupil=p, present=here)
            for _, _, registers in clubs
            for s, rows in registers
            for p, here in rows
        ],
        ActivityAttendance,
        batch_size=2000,
    )
    return len(sessions)


# --- pupil and parent voice -----------------------------------------------------------------------------------

# (audience, title, years, days before today it opened and closed, response rate, [(statement, share agreeing)])
SURVEYS = [
    (
        Survey.Audience.PUPILS, "How we feel about school", (3, 6), (35, 14), 0.78,
        [("I enjoy coming to school", 0.82), ("*I feel safe at school", 0.9),
         ("Adults in school help me when I am stuck", 0.86), ("I know what I need to do to improve my work", 0.74),
         ("Text: What would make our school even better?", 0.4)],
    ),
    (
        Survey.Audience.PARENTS, "Parents' and carers' views", (0, 6), (60, 30), 0.46,
        [("My child is happy at this school", 0.93),
         ("*The school keeps me well informed about my child's progress", 0.8),
         ("I know how I can help my child with their learning at home", 0.7),
         ("Text: Is there anything else you would like to tell us?", 0.25)],
    ),
]  # fmt: skip
WORDS = {
    Survey.Audience.PUPILS: ["More clubs after school", "A bigger library", "More time outside", "Longer lunch",
                             "More trips", "Better football goals", "More art"],
    Survey.Audience.PARENTS: ["More notice of events, please", "The reading café was lovely", "Homework is about right",
                              "More about what they learn each week", "Thank you to the class team"],
}  # fmt: skip


def _surveys(ctx: DemoContext, rng: random.Random) -> int:
    """A pupil survey and a parent survey closed this term, most answers on paper entered by the office;
    agreement a little lower among pupils with SEN (as in most schools' surveys). Returns the responses."""
    pupils = list(Pupil.objects.filter(school=ctx.school, archived_at__isnull=True).order_by("pk"))
    admin = ctx.users["admin"]
    responses, answers = [], []
    for audience, title, (low, high), (opened, closed), rate, statements in SURVEYS:
        survey = Survey.objects.create(
            school=ctx.school, title=title, audience=audience, year_from=low, year_to=high,
            opens_on=ctx.today - dt.timedelta(days=opened), closes_on=ctx.today - dt.timedelta(days=closed),
            created_by=ctx.users["leader"],
        )  # fmt: skip
        questions = []
        for order, (text, agreeing) in enumerate(statements):
            kind = SurveyQuestion.Kind.TEXT if text.startswith("Text:") else SurveyQuestion.Kind.AGREE
            words = text.removeprefix("Text:").lstrip("*").strip()
            questions.append(
                (
                    SurveyQuestion(survey=survey, order=order, text=words, kind=kind, is_key=text.startswith("*")),
                    agreeing,
                )
            )
        bulk_create_with_history([q for q, _ in questions], SurveyQuestion)
        for p in pupils:
            if not low <= p.year_group <= high or rng.random() >= rate:
                continue
            response = SurveyResponse(
                survey=survey, pupil=p, on_paper=True, entered_by=admin, submitted_on=survey.closes_on
            )
            responses.append(response)
            for q, agreeing in questions:
                if q.kind == SurveyQuestion.Kind.TEXT:
                    if rng.random() < agreeing:
                        answers.append(SurveyAnswer(response=response, question=q, text=rng.choice(WORDS[audience])))
                    continue
                agree = rng.random() < agreeing * (0.92 if p.has_sen else 1.0)
                level = (4 if rng.random() < 0.55 else 3) if agree else (2 if rng.random() < 0.75 else 1)
                answers.append(SurveyAnswer(response=response, question=q, agreement=level))
    bulk_create_with_history(responses, SurveyResponse)
    bulk_create_with_history(answers, SurveyAnswer, batch_size=2000)
    return len(responses)
