"""Demo data for the partnership app: personal tutors for every form, a dedicated "tutor" login, progress
reviews, parents and carers, a "parent" and a "pupil" portal login, and Year 6's reports for the latest
closed window, written and released."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from pupils.models import Contact, Pupil, TutorAssignment
from schoolpl.demo import DEMO_PASSWORD, DemoContext
from schoolpl.models import Membership, User
from schoolpl.roles import Role

from . import services
from .models import PortalLink, PortalSettings, ProgressReview, Report

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
