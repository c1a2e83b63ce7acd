"""Demo pupils and teaching groups: a two- or three-form-entry primary school, Reception to Year 6, with the
mix of needs and backgrounds an English primary school has."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone
from faker import Faker
from simple_history.utils import bulk_create_with_history

from schoolpl.calendar import academic_year_start
from schoolpl.demo import DemoContext
from schoolpl.demodata.names import BACKGROUND_NAMES, background_surname, child_first_name, short_name

from .models import Contact, GroupMembership, Pupil, TeachingGroup, TeachingGroupTeacher
from .upn import make_upn

ETHNICITY_MIX = [
    ("WBRI", 63),
    ("WOTH", 7),
    ("APKN", 6),
    ("ABAN", 3),
    ("AIND", 4),
    ("BAFR", 5),
    ("BCRB", 2),
    ("MWBC", 3),
    ("MWAS", 2),
    ("CHNE", 1),
    ("AOTH", 1),
    ("OOTH", 1),
    ("WIRI", 1),
    ("NOBT", 1),
]
EAL_LIKELY = {"WOTH": 0.75, "APKN": 0.6, "ABAN": 0.7, "AIND": 0.5, "BAFR": 0.45, "CHNE": 0.7, "AOTH": 0.5, "OOTH": 0.5}
NEEDS_K = [("SPLD", 20), ("MLD", 18), ("SLCN", 22), ("SEMH", 20), ("ASD", 10), ("OTH", 5), ("PD", 3), ("HI", 2)]
NEEDS_E = [("ASD", 35), ("SLD", 10), ("SLCN", 15), ("SEMH", 20), ("MLD", 10), ("PD", 5), ("PMLD", 5)]
SUBJECTS_FOR_ALL = [
    "english",
    "maths",
    "science",
    "computing",
    "history",
    "geography",
    "art",
    "music",
    "pe",
    "re",
    "dt",
    "pshe",
]
CLASS_LETTERS = "ABC"
LEAVERS = 7  # in the generator: the year group that left last July (stored as Year 6, archived)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(16, 0)))


def _pick(rng, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _name(rng, faker: Faker, ethnicity: str, gender: str) -> tuple[str, str]:
    """An adult's name (a parent or carer): any generation's first names will do."""
    if ethnicity in BACKGROUND_NAMES:
        boys, girls, surnames = BACKGROUND_NAMES[ethnicity]
        return rng.choice(boys if gender == "M" else girls), rng.choice(surnames)
    first = faker.first_name_male() if gender == "M" else faker.first_name_female()
    return first, faker.last_name()


def _child_name(rng, faker: Faker, ethnicity: str, gender: str, born: dt.date) -> tuple[str, str]:
    """A child's name: a first name given to children born that year, and a surname that fits the background."""
    first = child_first_name(rng, gender, born.year, ethnicity)
    return first, background_surname(rng, ethnicity) or faker.last_name()


def _pupil(ctx: DemoContext, faker: Faker, *, year_group: int, form: str, left: dt.date | None, serial: int) -> Pupil:
    rng = ctx.rng
    entry_year = academic_year_start(ctx.today) - year_group  # the September they joined Reception
    gender = "F" if rng.random() < 0.49 else "M"
    ethnicity = _pick(rng, ETHNICITY_MIX)
    born = dt.date(entry_year - 5, 9, 1) + dt.timedelta(days=rng.randrange(365))
    first, last = _child_name(rng, faker, ethnicity, gender, born)
    sen = "E" if rng.random() < 0.03 else "K" if rng.random() < 0.14 else "N"
    fsm = rng.random() < 0.24
    joined = dt.date(entry_year, 9, 1)
    return Pupil(
        school=ctx.school,
        upn=make_upn(801, 2001, entry_year % 100, serial),
        legal_surname=last,
        legal_forename=first,
        preferred_forename=short_name(rng, first) if rng.random() < 0.3 else "",
        date_of_birth=born,
        gender=gender,
        year_group=min(year_group, 6),
        form=form,
        leaving_date=left,
        archived_at=_aware(left) if left else None,
        admission_date=joined
        if rng.random() < 0.9
        else max(joined, (left or ctx.today) - dt.timedelta(days=rng.randrange(60, 700))),
        sen_provision=sen,
        primary_need=_pick(rng, NEEDS_E if sen == "E" else NEEDS_K) if sen != "N" else "",
        eal=rng.random() < EAL_LIKELY.get(ethnicity, 0.02),
        fsm=fsm,
        pupil_premium=fsm or rng.random() < 0.04,
        looked_after=rng.random() < 0.012,
        gifted=sen == "N" and rng.random() < 0.08,
        ethnicity=ethnicity,
    )


def _pupils(ctx: DemoContext, faker: Faker) -> list[Pupil]:
    start = academic_year_start(ctx.today)
    per_year = [ctx.pupils // 7 + (1 if i < ctx.pupils % 7 else 0) for i in range(7)]
    pupils = []
    # Reception = 0 … Year 6 = 6, then last summer's Year 6: leavers, archived, kept for their KS2 results.
    for year_group, count in enumerate([*per_year, per_year[-1]]):
        forms = 3 if count > 60 else 2 if count > 30 else 1
        left = dt.date(start, 7, 22) if year_group == LEAVERS else None
        for i in range(count):
            form = "" if left else f"{year_group if year_group else 'R'}{CLASS_LETTERS[i % forms]}"
            pupils.append(_pupil(ctx, faker, year_group=year_group, form=form, left=left, serial=len(pupils) + 1))
    return pupils


def _groups(ctx: DemoContext, forms: list[str], year_of: dict[str, int]) -> list[TeachingGroup]:
    """A class per form and subject (maths set in Years 5 and 6 instead), saved and read back."""
    groups = []
    for form in forms:
        subjects = SUBJECTS_FOR_ALL + (["languages"] if year_of[form] >= 3 else [])
        for subject in subjects:
            if subject == "maths" and year_of[form] >= 5:
                continue  # upper key stage 2 is set for maths (below)
            groups.append(
                TeachingGroup(
                    school=ctx.school,
                    academic_year=ctx.current_year,
                    name=form,
                    subject=subject,
                    kind=TeachingGroup.Kind.CLASS,
                    year_group=year_of[form],
                )
            )
    for yg in (5, 6):
        for n in (1, 2, 3):
            groups.append(
                TeachingGroup(
                    school=ctx.school,
                    academic_year=ctx.current_year,
                    name=f"Y{yg} Maths Set {n}",
                    subject="maths",
                    kind=TeachingGroup.Kind.SET,
                    year_group=yg,
                )
            )
    bulk_create_with_history(groups, TeachingGroup, batch_size=1000)
    return list(TeachingGroup.objects.filter(school=ctx.school, academic_year=ctx.current_year))


def _set_teacher(ctx: DemoContext, group: TeachingGroup, forms: list[str], teacher_for_form: dict):
    n, yg = int(group.name[-1]), group.year_group
    if (yg, n) == (6, 2):
        return ctx.users["teacher"]  # the teacher persona (6B) takes Year 6 Set 2
    forms_of_year = [f for f in forms if f.startswith(str(yg))] or forms
    teacher = teacher_for_form[forms_of_year[(n - 1) % len(forms_of_year)]]
    if teacher == ctx.users["teacher"]:
        teachers = ctx.teachers[1:]
        teacher = teachers[(n + yg) % len(teachers)]
    return teacher


def _staff_groups(ctx: DemoContext, groups: list[TeachingGroup], forms: list[str]) -> tuple[dict, dict]:
    """Give every group its teacher; returns (form -> its classes, (year, set number) -> the set)."""
    teachers = ctx.teachers[1:]
    teacher_for_form = {
        form: ctx.users["teacher"] if form == "6B" else teachers[i % len(teachers)] for i, form in enumerate(forms)
    }
    by_form, sets, links = {}, {}, []
    for group in groups:
        if group.kind == TeachingGroup.Kind.CLASS:
            by_form.setdefault(group.name, []).append(group)
            links.append(TeachingGroupTeacher(group=group, user=teacher_for_form[group.name]))
    for group in groups:
        if group.kind == TeachingGroup.Kind.SET:
            links.append(TeachingGroupTeacher(group=group, user=_set_teacher(ctx, group, forms, teacher_for_form)))
            sets[(group.year_group, int(group.name[-1]))] = group
    TeachingGroupTeacher.objects.bulk_create(links)
    return by_form, sets


def _memberships(ctx: DemoContext, pupils: list[Pupil], by_form: dict, sets: dict) -> None:
    start = ctx.current_year.start_date
    members = []
    for pupil in pupils:
        for group in by_form.get(pupil.form, []):
            members.append(GroupMembership(group=group, pupil=pupil, start_date=start))
        if pupil.year_group >= 5:
            n = 1 + ctx.rng.randrange(3)
            members.append(GroupMembership(group=sets[(pupil.year_group, n)], pupil=pupil, start_date=start))
    bulk_create_with_history(members, GroupMembership, batch_size=2000)
    # A few pupils moved maths set at half-term: the old membership ends, a new one starts.
    movers = [p for p in pupils if p.year_group == 6][:3]
    half_term = start + dt.timedelta(days=56)
    if ctx.today > half_term:
        for pupil in movers:
            old = GroupMembership.objects.get(pupil=pupil, group__kind=TeachingGroup.Kind.SET)
            old.end_date = half_term - dt.timedelta(days=1)
            old.save()
            new_set = sets[(6, 1 + (int(old.group.name[-1]) % 3))]
            GroupMembership.objects.create(group=new_set, pupil=pupil, start_date=half_term)


def build(ctx: DemoContext) -> None:
    faker = Faker("en_GB")
    faker.seed_instance(ctx.rng.randrange(1 << 30))
    bulk_create_with_history(_pupils(ctx, faker), Pupil, batch_size=1000)
    pupils = list(Pupil.objects.filter(school=ctx.school, archived_at__isnull=True).order_by("pk"))
    forms = sorted({p.form for p in pupils}, key=lambda f: (f[0] != "R", f))
    year_of = {f: (0 if f.startswith("R") else int(f[0])) for f in forms}
    groups = _groups(ctx, forms, year_of)
    by_form, sets = _staff_groups(ctx, groups, forms)
    _memberships(ctx, pupils, by_form, sets)
    _second_school(ctx, faker)
    contacts = _contacts(pupils)
    ctx.say(f"  {len(pupils)} pupils, {len(groups)} teaching groups, {contacts} parents and carers")


def _contacts(pupils: list[Pupil]) -> int:
    """One or two parents or carers per pupil, sharing the pupil's surname more often than not. Drawn from a
    generator of its own, so adding contacts leaves every other app's demo data as it was."""
    rng = random.Random(7919 * len(pupils) + 1)
    faker = Faker("en_GB")
    faker.seed_instance(rng.randrange(1 << 30))
    contacts = []
    for pupil in pupils:
        if pupil.looked_after:
            first = faker.first_name_female() if rng.random() < 0.7 else faker.first_name_male()
            contacts.append(Contact(pupil=pupil, name=f"{first} {faker.last_name()}", relationship="Foster carer"))
            continue
        people = (
            [("Mother", "F"), ("Father", "M")]
            if rng.random() < 0.6
            else [rng.choice([("Mother", "F"), ("Father", "M")])]
        )
        if rng.random() < 0.05:
            people = [("Grandparent", rng.choice("FM"))]
        for priority, (relationship, gender) in enumerate(people, start=1):
            ethnicity = pupil.ethnicity if pupil.ethnicity in BACKGROUND_NAMES else "WBRI"
            first, _ = _name(rng, faker, ethnicity, gender)
            surname = pupil.legal_surname if rng.random() < 0.8 else _name(rng, faker, ethnicity, gender)[1]
            contacts.append(
                Contact(
                    pupil=pupil,
                    name=f"{first} {surname}",
                    relationship=relationship,
                    preferred_language="English" if not pupil.eal or rng.random() < 0.5 else "",
                    priority=priority,
                )
            )
    bulk_create_with_history(contacts, Contact, batch_size=2000)
    return len(contacts)


def _second_school(ctx: DemoContext, faker: Faker) -> None:
    """A small second school in the trust, so the school switcher and the trust view have something to show."""
    rng = ctx.rng
    start = academic_year_start(ctx.today)
    pupils = []
    for serial in range(1, 85):
        year_group = serial % 7
        gender = "F" if rng.random() < 0.5 else "M"
        born = dt.date(start - year_group - 5, 9, 1) + dt.timedelta(days=rng.randrange(365))
        first, last = _child_name(rng, faker, "WBRI", gender, born)
        pupils.append(
            Pupil(
                school=ctx.second_school,
                upn=make_upn(801, 2002, (start - year_group) % 100, serial),
                legal_surname=last,
                legal_forename=first,
                gender=gender,
                year_group=year_group,
                date_of_birth=born,
                form=f"{year_group if year_group else 'R'}R",
                ethnicity="WBRI",
                fsm=rng.random() < 0.2,
                sen_provision="K" if rng.random() < 0.12 else "N",
            )
        )
    bulk_create_with_history(pupils, Pupil)
