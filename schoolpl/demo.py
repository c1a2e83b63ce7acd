"""The demo school's tenancy part: schools, a trust, the calendar and the staff with one login per role.

``manage.py seed_demo`` calls ``build`` here first, then the ``demo.build`` of every other app in
dependency order, passing one ``DemoContext``. Everything is drawn from ``ctx.rng`` so the same seed
gives the same school.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password

from .calendar import academic_year_start
from .models import AcademicYear, AssessmentWindow, Membership, School, Trust, User
from .roles import Role

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

DEMO_PASSWORD = "schoolpl-demo-2026"  # noqa: S105 - printed for the demo; never used in production
DEMO_URN = "131313"

# (username, first name, last name, roles in the main school)
PERSONAS = [
    ("teacher", "Sarah", "Khan", [Role.TEACHER]),
    ("senco", "David", "Osei", [Role.SENCO]),
    ("leader", "Helen", "Price", [Role.LEADER]),
    ("sip", "Alan", "Ward", [Role.SIP]),
    ("admin", "Joanne", "Hill", [Role.ADMIN]),
]
# The demo logins this app creates: (role, username, what they see). seed_demo prints every app's LOGINS.
LOGINS = [
    ("Teacher (class teacher of 6B)", "teacher", "their own classes' pupils"),
    ("SENCO", "senco", "all pupils; plans interventions"),
    ("Senior leader (headteacher, also at Riverside)", "leader", "all pupils and dashboards"),
    ("School Improvement Partner", "sip", "aggregates only, no pupil names"),
    ("School admin", "admin", "everything, imports and settings"),
]
TEACHER_NAMES = [
    ("Emma", "Clarke"),
    ("James", "Turner"),
    ("Priya", "Patel"),
    ("Tom", "Hughes"),
    ("Grace", "Evans"),
    ("Daniel", "Murphy"),
    ("Aisha", "Rahman"),
    ("Oliver", "Wright"),
    ("Chloe", "Robinson"),
    ("Ben", "Walker"),
    ("Fatima", "Begum"),
    ("Lucy", "Green"),
    ("Sam", "Baker"),
    ("Hannah", "Wood"),
    ("Ravi", "Sharma"),
    ("Megan", "Hall"),
    ("Kwame", "Mensah"),
    ("Sophie", "Allen"),
    ("Jack", "Young"),
    ("Zara", "Ali"),
    ("Laura", "King"),
    ("Matthew", "Scott"),
    ("Nadia", "Hussain"),
    ("Peter", "Adams"),
    ("Ella", "Baker"),
]


@dataclass
class DemoContext:
    rng: random.Random
    pupils: int
    today: dt.date
    stdout: SupportsWrite[str] | None = None
    school: School | None = None
    second_school: School | None = None
    users: dict[str, User] = field(default_factory=dict)
    teachers: list[User] = field(default_factory=list)
    years: list[AcademicYear] = field(default_factory=list)
    windows: list[AssessmentWindow] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role label, username, what they see)
    extras: dict = field(default_factory=dict)  # anything one app's demo hands to a later one

    @property
    def current_year(self) -> AcademicYear:
        return self.years[-1]

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)


def _calendar(school: School, today: dt.date, years_back: int) -> tuple[list[AcademicYear], list[AssessmentWindow]]:
    this_start = academic_year_start(today)
    years, windows = [], []
    for start in range(this_start - years_back, this_start + 1):
        year = AcademicYear.objects.create(
            school=school,
            name=f"{start}/{str(start + 1)[-2:]}",
            start_date=dt.date(start, 9, 1),
            end_date=dt.date(start + 1, 8, 31),
        )
        years.append(year)
        for name, s, e in (
            ("Autumn", dt.date(start, 9, 1), dt.date(start, 12, 19)),
            ("Spring", dt.date(start + 1, 1, 5), dt.date(start + 1, 3, 31)),
            ("Summer", dt.date(start + 1, 4, 14), dt.date(start + 1, 7, 22)),
        ):
            if s > today:
                continue  # windows that have not started yet are added by the school when they come
            windows.append(
                AssessmentWindow.objects.create(
                    school=school,
                    academic_year=year,
                    name=f"{name} {s.year}",
                    start_date=s,
                    end_date=e,
                    is_open=e >= today - dt.timedelta(days=21),
                )
            )
    return years, windows


def _user(username: str, first: str, last: str, password_hash: str) -> User:
    return User(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@greenfield.example",
        password=password_hash,
    )


def build(ctx: DemoContext) -> None:
    trust = Trust.objects.create(name="Greenfield Learning Trust")
    ctx.school = School.objects.create(
        name="Greenfield Primary School",
        urn=DEMO_URN,
        la_code="801",
        estab="2001",
        phase=School.Phase.PRIMARY,
        trust=trust,
    )
    ctx.second_school = School.objects.create(
        name="Riverside Primary School",
        urn="131314",
        la_code="801",
        estab="2002",
        phase=School.Phase.PRIMARY,
        trust=trust,
    )
    ctx.years, ctx.windows = _calendar(ctx.school, ctx.today, years_back=3)
    second_years, second_windows = _calendar(ctx.second_school, ctx.today, years_back=1)
    ctx.extras["second_years"], ctx.extras["second_windows"] = second_years, second_windows

    # Password hashing is deliberately slow; the demo accounts share one hash of the printed password.
    password_hash = make_password(DEMO_PASSWORD)
    users = [_user(u, f, last, password_hash) for u, f, last, _ in PERSONAS]
    staff = [_user(f"{f[0].lower()}.{last.lower()}", f, last, password_hash) for f, last in TEACHER_NAMES]
    User.objects.bulk_create(users + staff)
    ctx.users = {u.username: u for u in User.objects.filter(username__in=[p[0] for p in PERSONAS])}
    ctx.teachers = [ctx.users["teacher"], *User.objects.filter(username__in=[s.username for s in staff]).order_by("pk")]

    memberships = [
        Membership(user=ctx.users[u], school=ctx.school, role=r) for u, _, _, roles in PERSONAS for r in roles
    ]
    memberships += [Membership(user=t, school=ctx.school, role=Role.TEACHER) for t in ctx.teachers[1:]]
    # The head is also executive leader of the trust's second school: she sees the switcher and trust view.
    memberships.append(Membership(user=ctx.users["leader"], school=ctx.second_school, role=Role.LEADER))
    memberships.append(Membership(user=ctx.users["sip"], school=ctx.second_school, role=Role.SIP))
    Membership.objects.bulk_create(memberships)

    ctx.logins += LOGINS
    ctx.say(f"  schools, calendar ({len(ctx.windows)} windows) and {len(users) + len(staff)} staff")
