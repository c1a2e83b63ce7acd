"""The academic year rollover on a hand-built primary school: Reception → Year 1 … Year 5 → Year 6, Year 6
archived (history kept), groups closed and copied, members carried, windows set; all or nothing; once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from pupils import rollover
from pupils.models import GroupMembership, Pupil, RolloverRun, TeachingGroup, TeachingGroupTeacher, TutorAssignment
from schoolpl.calendar import academic_year_start
from schoolpl.models import AcademicYear, AssessmentWindow
from tests.pupils.factories import GroupMembershipFactory, PupilFactory, TeachingGroupFactory
from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory

pytestmark = pytest.mark.django_db


def last_year(school) -> AcademicYear:
    """The school year that has just ended (so the rollover from it is allowed whenever the tests run)."""
    y = academic_year_start(timezone.localdate()) - 1
    year = AcademicYearFactory(
        school=school, name=f"{y}/{(y + 1) % 100:02d}", start_date=dt.date(y, 9, 1), end_date=dt.date(y + 1, 8, 31)
    )
    for name, start, end in (
        (f"Autumn {y}", dt.date(y, 9, 1), dt.date(y, 12, 19)),
        (f"Spring {y + 1}", dt.date(y + 1, 1, 5), dt.date(y + 1, 3, 27)),
        (f"Summer {y + 1}", dt.date(y + 1, 4, 13), dt.date(y + 1, 7, 22)),
    ):
        AssessmentWindowFactory(school=school, academic_year=year, name=name, start_date=start, end_date=end)
    return year


def build_school(school, teacher, per_year: int = 3) -> dict:
    """Reception to Year 6, ``per_year`` pupils each, one maths class per year taught by ``teacher``."""
    year = last_year(school)
    groups, pupils = {}, {}
    for yg in range(0, 7):
        group = TeachingGroupFactory(academic_year=year, name=f"Maths {yg}", year_group=yg, kind="class")
        TeachingGroupTeacher.objects.create(group=group, user=teacher)
        groups[yg] = group
        pupils[yg] = [PupilFactory(school=school, year_group=yg, form=str(yg)) for _ in range(per_year)]
        for pupil in pupils[yg]:
            GroupMembershipFactory(group=group, pupil=pupil)
    return {"year": year, "groups": groups, "pupils": pupils}


@pytest.fixture
def world(school, teacher):
    return build_school(school, teacher)


def _run(school, year, by, **kwargs):
    plan = rollover.plan(school, year)
    return plan, rollover.run(school, year, plan.to_year_name, plan.fingerprint, by, **kwargs)


def test_the_preview_counts_every_move_leaver_group_and_window(school, world):
    plan = rollover.plan(school, world["year"])
    assert plan.top_year == 6
    assert [(m.from_label, m.to_label, m.count) for m in plan.moves] == [
        ("Reception", "Year 1", 3),
        *((f"Year {n}", f"Year {n + 1}", 3) for n in range(1, 6)),
    ]
    assert sorted(leaver.pk for leaver in plan.leavers) == sorted(p.pk for p in world["pupils"][6])
    assert plan.closing_groups == 7 and plan.closing_memberships == 21
    assert plan.joining == 18 and plan.unplaced == 0
    y = world["year"].start_date.year
    assert [w[0] for w in plan.windows] == [f"Autumn {y + 1}", f"Spring {y + 2}", f"Summer {y + 2}"]
    assert plan.refusal(timezone.localdate()) == ""
    assert rollover.plan(school, world["year"]).fingerprint == plan.fingerprint


def test_every_pupil_moves_up_and_year_6_leave_with_their_history_kept(school, world, leader):
    year = world["year"]
    plan, summary = _run(school, year, leader)
    assert summary["moved_up"] == 18 and summary["left"] == 3
    for yg in range(0, 6):
        assert {p.year_group for p in Pupil.objects.filter(pk__in=[p.pk for p in world["pupils"][yg]])} == {yg + 1}
    leavers = Pupil.objects.filter(pk__in=[p.pk for p in world["pupils"][6]])
    assert all(p.archived_at and p.leaving_date == year.end_date and p.year_group == 6 for p in leavers)
    leaver = leavers[0]
    # History kept: the leaver's old membership is still there (ended), and the change is audited by name.
    assert GroupMembership.objects.filter(pupil=leaver, end_date=year.end_date).count() == 1
    last = leaver.history.order_by("-history_id").first()
    assert (last.history_user, last.history_change_reason, last.archived_at) == (leader, rollover.REASON,
                                                                                leaver.archived_at)  # fmt: skip
    mover = Pupil.objects.get(pk=world["pupils"][2][0].pk)
    assert [h.year_group for h in mover.history.order_by("history_id")] == [2, 3]
    # The archived leaver is still readable: the archived filter of the roll lists them.
    assert leaver in Pupil.objects.filter(school=school, archived_at__isnull=False)


def test_groups_close_and_this_years_are_made_with_their_members(school, world, leader, teacher):
    year = world["year"]
    _, summary = _run(school, year, leader)
    new_year = AcademicYear.objects.get(
        school=school, start_date=year.start_date.replace(year=year.start_date.year + 1)
    )
    assert summary["to_year"] == new_year.pk and summary["groups_created"] == 7
    assert not GroupMembership.objects.filter(group__academic_year=year, end_date__isnull=True).exists()
    maths4 = TeachingGroup.objects.get(academic_year=new_year, name="Maths 4")
    assert set(maths4.memberships.values_list("pupil", flat=True)) == {p.pk for p in world["pupils"][3]}
    assert set(maths4.memberships.values_list("start_date", flat=True)) == {new_year.start_date}
    assert list(maths4.teachers.all()) == [teacher]
    assert not TeachingGroup.objects.get(academic_year=new_year, name="Maths 0").memberships.exists()
    assert maths4.history.get().history_type == "+"
    assert GroupMembership.history.filter(group_id=maths4.pk).count() == 3
    windows = AssessmentWindow.objects.filter(academic_year=new_year).order_by("start_date")
    assert [(w.start_date, w.end_date) for w in windows][0] == (
        year.start_date.replace(year=year.start_date.year + 1),
        dt.date(year.start_date.year + 1, 12, 19),
    )


def test_teachers_can_be_left_blank_and_leavers_tutors_end(school, world, leader, teacher):
    leaver, stayer = world["pupils"][6][0], world["pupils"][5][0]
    start = world["year"].start_date
    for pupil in (leaver, stayer):
        TutorAssignment.objects.create(school=school, tutor=teacher, pupil=pupil, start_date=start)
    _run(school, world["year"], leader, carry_teachers=False)
    assert not TeachingGroupTeacher.objects.filter(group__academic_year__start_date__gt=start).exists()
    assert TutorAssignment.objects.get(pupil=leaver).end_date == world["year"].end_date
    assert TutorAssignment.objects.get(pupil=stayer).end_date is None


def _snapshot(school):
    return (
        sorted(Pupil.objects.filter(school=school).values_list("pk", "year_group", "archived_at", "leaving_date")),
        sorted(GroupMembership.objects.values_list("pk", "end_date")),
        TeachingGroup.objects.count(),
        AcademicYear.objects.count(),
        AssessmentWindow.objects.count(),
        Pupil.history.count(),
        GroupMembership.history.count(),
    )


def test_a_failure_half_way_leaves_nothing_changed(school, world, leader, monkeypatch):
    before = _snapshot(school)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(rollover, "_new_groups", broken)
    with pytest.raises(RuntimeError):
        _run(school, world["year"], leader)
    assert _snapshot(school) == before


def test_the_rollover_cannot_run_twice(school, world, leader):
    plan, _ = _run(school, world["year"], leader)
    RolloverRun.objects.create(
        school=school, from_year=world["year"], to_year_name=plan.to_year_name, status="done", fingerprint="x"
    )
    again = rollover.plan(school, world["year"])
    assert "already moved up" in again.refusal(timezone.localdate())
    with pytest.raises(rollover.RolloverRefused, match="already moved up"):
        rollover.run(school, world["year"], again.to_year_name, again.fingerprint, leader)
    # And the next year's rollover (from the year just made) is refused until its summer term.
    new_year = AcademicYear.objects.get(name=plan.to_year_name, school=school)
    assert rollover.current_year(school, timezone.localdate()) == new_year
    assert "can be run from" in rollover.plan(school, new_year).refusal(timezone.localdate())


def test_a_changed_roll_invalidates_the_preview(school, world, leader):
    plan = rollover.plan(school, world["year"])
    PupilFactory(school=school, year_group=3)
    with pytest.raises(rollover.RolloverRefused, match="changed since the preview"):
        rollover.run(school, world["year"], plan.to_year_name, plan.fingerprint, leader)
    assert Pupil.objects.filter(school=school, year_group=7).count() == 0


@pytest.mark.parametrize("per_year", [3, 30])
def test_the_queries_do_not_grow_with_the_roll(school, teacher, leader, per_year, django_assert_max_num_queries):
    world = build_school(school, teacher, per_year=per_year)  # 21 or 210 pupils
    # 34 for 21 pupils and for 210, and on PostgreSQL one ANALYZE per table rewritten (10)
    with django_assert_max_num_queries(34 + (10 if connection.vendor == "postgresql" else 0)):
        plan = rollover.plan(school, world["year"])
        rollover.run(school, world["year"], plan.to_year_name, plan.fingerprint, leader)
    assert Pupil.objects.filter(school=school, year_group=6, archived_at__isnull=True).count() == per_year


def test_a_secondary_with_a_sixth_form_loses_year_13(school, leader):
    school.phase = school.Phase.SECONDARY
    school.save()
    year = last_year(school)
    y11, y13 = PupilFactory(school=school, year_group=11), PupilFactory(school=school, year_group=13)
    plan, _ = _run(school, year, leader)
    assert plan.top_year == 13 and [leaver.pk for leaver in plan.leavers] == [y13.pk]
    y11.refresh_from_db()
    assert y11.year_group == 12 and y11.archived_at is None


def test_window_names_shift_a_year():
    assert rollover.shift_name("Autumn 2025") == "Autumn 2026"
    assert rollover.shift_name("2025/26 Spring 1") == "2026/27 Spring 1"
    assert rollover.shift_name("Summer 1999") == "Summer 2000"
