"""progress_recompute: one set-based pass, idempotent, incremental per pupil, notifying newly off-trajectory
pupils to their teachers and the SENCOs."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from assessment.models import Judgement
from schoolpl.models import OutboxMessage
from targets.models import Notification, ProgressStatus, PupilTarget
from targets.recompute import progress_recompute
from tests.targets.factories import JudgementFactory, PupilFactory

pytestmark = pytest.mark.django_db


def snapshot(school):
    return sorted(
        ProgressStatus.objects.filter(school=school).values_list(
            "pupil_id",
            "subject_id",
            "window_id",
            "expected",
            "actual",
            "status",
            "since_window_id",
            "is_latest",
            "series",
        )
    )


def latest(pupil, subject):
    return ProgressStatus.objects.get(pupil=pupil, subject=subject, is_latest=True)


def test_recompute_classifies_every_judgement_against_the_line(school, tracked):
    result = progress_recompute(school_id=school.pk)
    assert result.rows == 18 == ProgressStatus.objects.count()
    ws, reading = tracked["windows"], tracked["reading"]
    assert set(ProgressStatus.objects.filter(pupil=tracked["steady"]).values_list("status", flat=True)) == {"on_track"}
    slipping = latest(tracked["slipping"], reading)
    assert (slipping.status, slipping.window_id, slipping.since_window_id) == ("behind", ws[5].pk, ws[5].pk)
    flat = latest(tracked["flat"], reading)
    assert flat.status == "well_behind"
    stuck_windows = ProgressStatus.objects.filter(pupil=tracked["flat"], status="stuck").order_by("window__end_date")
    assert [s.window_id for s in stuck_windows] == [ws[3].pk, ws[4].pk]
    assert stuck_windows[1].since_window_id == ws[3].pk  # the run of "stuck" began in the fourth window
    # Exactly one latest row per pupil × subject.
    assert ProgressStatus.objects.filter(is_latest=True).count() == 3


def test_running_twice_gives_identical_rows_and_writes_nothing(school, tracked):
    progress_recompute(school_id=school.pk)
    first = snapshot(school)
    again = progress_recompute(school_id=school.pk)
    assert snapshot(school) == first
    assert (again.written, again.deleted, again.notified) == (0, 0, 0)


def test_incremental_recompute_touches_only_that_pupil(school, tracked):
    progress_recompute(school_id=school.pk)
    others = {ps.pk: ps.computed_at for ps in ProgressStatus.objects.exclude(pupil=tracked["steady"])}
    last_window = tracked["windows"][5]
    Judgement.objects.filter(pupil=tracked["steady"], window=last_window).update(points=15)
    result = progress_recompute(school_id=school.pk, pupil_ids=[tracked["steady"].pk])
    assert result.rows == 6 and result.written == 1
    assert latest(tracked["steady"], tracked["reading"]).status == "well_behind"
    assert {ps.pk: ps.computed_at for ps in ProgressStatus.objects.exclude(pupil=tracked["steady"])} == others
    # And the incremental result equals what a full run would give.
    incremental = snapshot(school)
    ProgressStatus.objects.all().delete()
    progress_recompute(school_id=school.pk)
    assert snapshot(school) == incremental


def test_a_new_window_moves_is_latest_and_a_removed_judgement_removes_its_status(school, tracked):
    progress_recompute(school_id=school.pk)
    steady, reading, ws = tracked["steady"], tracked["reading"], tracked["windows"]
    Judgement.objects.filter(pupil=steady, window=ws[5]).delete()
    result = progress_recompute(school_id=school.pk, pupil_ids=[steady.pk])
    assert result.deleted == 1
    assert latest(steady, reading).window_id == ws[4].pk
    assert not ProgressStatus.objects.filter(pupil=steady, window=ws[5]).exists()


def test_pupils_without_a_target_get_no_status(school, tracked):
    newcomer = PupilFactory(school=school)
    JudgementFactory(pupil=newcomer, subject=tracked["reading"], window=tracked["windows"][0], points=9)
    progress_recompute(school_id=school.pk)
    assert not ProgressStatus.objects.filter(pupil=newcomer).exists()


def test_a_proposed_target_already_gives_a_trajectory_and_a_replaced_one_does_not(school, tracked):
    PupilTarget.objects.filter(pupil=tracked["steady"]).update(status=PupilTarget.Status.PROPOSED)
    PupilTarget.objects.filter(pupil=tracked["flat"]).update(status=PupilTarget.Status.REPLACED)
    progress_recompute(school_id=school.pk)
    assert ProgressStatus.objects.filter(pupil=tracked["steady"]).count() == 6
    assert not ProgressStatus.objects.filter(pupil=tracked["flat"]).exists()


def test_newly_off_trajectory_pupils_are_notified_to_their_subject_teachers_and_the_senco(school, tracked):
    last = tracked["windows"][5]
    # Before the last window was judged everyone was on the line (the flat pupil was already stuck).
    held_back = list(Judgement.objects.filter(window=last).values("pupil_id", "subject_id", "points"))
    Judgement.objects.filter(window=last).delete()
    progress_recompute(school_id=school.pk)
    Notification.objects.all().delete()
    for row in held_back:
        JudgementFactory(
            pupil_id=row["pupil_id"], school=school, subject_id=row["subject_id"], window=last, points=row["points"]
        )
    progress_recompute(school_id=school.pk)
    teacher, senco, maths_teacher = tracked["teacher"], tracked["senco"], tracked["maths_teacher"]
    got = set(Notification.objects.values_list("user_id", "pupil_id", "kind"))
    slipping, flat = tracked["slipping"].pk, tracked["flat"].pk
    assert got == {
        (teacher.pk, slipping, "progress_behind"),
        (senco.pk, slipping, "progress_behind"),
        (teacher.pk, flat, "progress_well_behind"),  # stuck → well behind is worse: notified again
        (senco.pk, flat, "progress_well_behind"),
    }
    assert not Notification.objects.filter(user=maths_teacher).exists()  # reading is taught in the English group
    message = Notification.objects.filter(pupil_id=slipping).first().message
    # 21 points (3b) against the line's 23.1 (3a): 2.1 points, one sub-level below; flagged first now.
    assert message == (
        "Slipping Pupil is now behind in Reading: judged 3b in Summer 2025, one sub-level below the expected line (3a)."
    )
    # A repeat sends nothing new.
    assert progress_recompute(school_id=school.pk).notified == 0
    assert Notification.objects.count() == 4


def test_archived_pupils_are_recomputed_but_not_notified(school, tracked):
    from django.utils import timezone

    tracked["slipping"].archived_at = timezone.now()
    tracked["slipping"].save()
    progress_recompute(school_id=school.pk)
    assert ProgressStatus.objects.filter(pupil=tracked["slipping"]).count() == 6
    assert not Notification.objects.filter(pupil=tracked["slipping"]).exists()


def test_school_thresholds_change_the_classification(school, tracked):
    from targets.services import target_settings_update

    target_settings_update(school=school, behind_by=2.5, well_behind_by=5.0)
    progress_recompute(school_id=school.pk)
    assert latest(tracked["slipping"], tracked["reading"]).status == "on_track"
    assert OutboxMessage.objects.filter(task_name="targets.tasks.recompute_school").exists()


def test_other_schools_are_untouched(school, other_school, tracked):
    from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory
    from tests.targets.factories import PupilTargetFactory, SubjectFactory

    elsewhere = PupilFactory(school=other_school)
    window = AssessmentWindowFactory(academic_year=AcademicYearFactory(school=other_school))
    subject = SubjectFactory(school=other_school)
    PupilTargetFactory(pupil=elsewhere, subject=subject)
    JudgementFactory(pupil=elsewhere, subject=subject, window=window, points=9)
    progress_recompute(school_id=school.pk)
    assert not ProgressStatus.objects.filter(school=other_school).exists()
    progress_recompute(school_id=other_school.pk)
    assert ProgressStatus.objects.filter(school=other_school).count() == 1
    assert ProgressStatus.objects.filter(school=school).count() == 18


def test_management_command_runs_the_same_recompute(school, tracked, capsys):
    call_command("recompute_trajectories", "--school", str(school.pk))
    assert ProgressStatus.objects.filter(school=school).count() == 18
    assert "18 statuses" in capsys.readouterr().out
    call_command("recompute_trajectories")
    assert ProgressStatus.objects.filter(school=school).count() == 18


def test_a_changed_judgement_enqueues_a_recompute_for_that_pupil(
    school, tracked, django_capture_on_commit_callbacks, eager_celery
):
    from schoolpl import events

    pupil = tracked["slipping"]
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(
            "judgements_changed", school_id=school.pk, pupil_ids=[pupil.pk], subject_ids=[tracked["reading"].pk]
        )
    message = OutboxMessage.objects.get(task_name="targets.tasks.recompute_pupils")
    assert message.kwargs == {"school_id": school.pk, "pupil_ids": [pupil.pk]}
    assert message.published_at is not None  # eager in tests: it ran
    assert set(ProgressStatus.objects.values_list("pupil_id", flat=True)) == {pupil.pk}


def _second_school(other_school, thresholds=None):
    """``other_school`` with one pupil judged in two windows against a target (its own windows)."""
    from tests.schoolpl.factories import AcademicYearFactory, AssessmentWindowFactory
    from tests.targets.factories import PupilTargetFactory, SubjectFactory

    year = AcademicYearFactory(school=other_school)
    first = AssessmentWindowFactory(academic_year=year, name="Autumn", end_date=year.start_date.replace(month=12))
    last = AssessmentWindowFactory(academic_year=year, name="Summer", end_date=year.end_date.replace(month=7))
    subject = SubjectFactory(school=other_school)
    pupil = PupilFactory(school=other_school)
    PupilTargetFactory(pupil=pupil, subject=subject)
    JudgementFactory(pupil=pupil, subject=subject, window=first, points=9)
    JudgementFactory(pupil=pupil, subject=subject, window=last, points=9)
    return pupil


def test_a_batch_of_schools_gives_each_school_what_its_own_run_gives(school, other_school, tracked):
    from targets.recompute import progress_recompute_schools
    from targets.services import target_settings_update

    _second_school(other_school)
    # Schools in one batch keep their own settings: here no gap is "behind", and two flat windows are stuck.
    target_settings_update(school=other_school, behind_by=40, well_behind_by=50, stuck_windows=2)
    results = progress_recompute_schools([other_school.pk, school.pk])
    assert [r.school_id for r in results] == sorted([school.pk, other_school.pk])
    batched = {s.pk: snapshot(s) for s in (school, other_school)}
    assert len(batched[school.pk]) == 18 and len(batched[other_school.pk]) == 2
    assert batched[other_school.pk][-1][5] == "stuck"
    assert latest(tracked["flat"], tracked["reading"]).status == "well_behind"  # the default thresholds
    ProgressStatus.objects.all().delete()
    for s in (school, other_school):
        progress_recompute(school_id=s.pk)
        assert snapshot(s) == batched[s.pk]


def test_an_unchanged_school_stops_at_its_fingerprint_and_a_change_is_written(school, tracked):
    from targets.models import RecomputeState

    first = progress_recompute(school_id=school.pk)
    assert not first.unchanged and first.written == 18
    state = RecomputeState.objects.get(school=school)
    assert (state.rows, state.latest, len(state.digest)) == (18, 3, 64)
    again = progress_recompute(school_id=school.pk)
    assert again.unchanged and (again.rows, again.written) == (18, 0)
    Judgement.objects.filter(pupil=tracked["steady"], window=tracked["windows"][5]).update(points=15)
    changed = progress_recompute(school_id=school.pk)
    assert not changed.unchanged and changed.written == 1
    assert latest(tracked["steady"], tracked["reading"]).status == "well_behind"


def test_statuses_deleted_behind_the_jobs_back_are_written_again(school, tracked):
    progress_recompute(school_id=school.pk)
    before = snapshot(school)
    ProgressStatus.objects.filter(school=school).delete()
    result = progress_recompute(school_id=school.pk)
    assert not result.unchanged and result.written == 18
    assert snapshot(school) == before


def test_an_incremental_run_forgets_the_fingerprint_so_the_next_full_run_compares(school, tracked):
    from targets.models import RecomputeState

    progress_recompute(school_id=school.pk)
    progress_recompute(school_id=school.pk, pupil_ids=[tracked["steady"].pk])
    assert RecomputeState.objects.get(school=school).digest == ""
    result = progress_recompute(school_id=school.pk)
    assert not result.unchanged and result.written == 0
    assert progress_recompute(school_id=school.pk).unchanged


def test_a_schools_first_run_is_a_silent_baseline(school, tracked):
    assert progress_recompute(school_id=school.pk).notified == 0
    assert not Notification.objects.exists()
    # … but the pupils off trajectory are still there for the pages to list.
    assert ProgressStatus.objects.filter(school=school, is_latest=True, status="well_behind").count() == 1


def test_school_batches_keep_to_the_pupil_limit(school, other_school, tracked):
    from targets.recompute import school_batches

    _second_school(other_school)
    assert school_batches([school.pk, other_school.pk], max_pupils=3) == [[school.pk], [other_school.pk]]
    assert school_batches([school.pk, other_school.pk], max_pupils=10) == [[school.pk, other_school.pk]]


def test_the_notices_of_the_latest_window_can_be_replayed_after_the_baseline(school, tracked):
    from targets.recompute import progress_notify_latest_slips

    progress_recompute(school_id=school.pk)
    assert progress_notify_latest_slips(school_id=school.pk) == 4  # slipping and flat, to the teacher and SENCO
    assert set(Notification.objects.values_list("pupil_id", "kind")) == {
        (tracked["slipping"].pk, "progress_behind"),
        (tracked["flat"].pk, "progress_well_behind"),
    }
    assert progress_notify_latest_slips(school_id=school.pk) == 4  # the same notices: deduplicated on save
    assert Notification.objects.count() == 4


def _reading_back(store):
    """Record the pupils whose stored statuses a recompute reads back."""
    read_back, real = [], store.read_stored_rows
    store.read_stored_rows = lambda schools, pupils: read_back.append(sorted(pupils)) or real(schools, pupils)
    return read_back, real


def test_a_full_run_reads_back_only_the_series_its_latest_rows_cannot_explain(school, tracked):
    from targets.recompute import store

    progress_recompute(school_id=school.pk)
    ws = tracked["windows"]
    PupilTarget.objects.filter(pupil=tracked["flat"]).update(status=PupilTarget.Status.REPLACED)  # series gone
    Judgement.objects.filter(pupil=tracked["steady"], window=ws[5]).update(points=15)  # its latest row only
    Judgement.objects.filter(pupil=tracked["slipping"], window=ws[1]).update(points=16)  # an earlier window
    read_back, real = _reading_back(store)
    try:
        result = progress_recompute(school_id=school.pk)
    finally:
        store.read_stored_rows = real
    assert read_back == [sorted([tracked["flat"].pk, tracked["slipping"].pk])]
    assert result.deleted == 6 and result.written >= 2
    kept = snapshot(school)
    ProgressStatus.objects.all().delete()
    progress_recompute(school_id=school.pk)
    assert snapshot(school) == kept
    assert set(ProgressStatus.objects.filter(is_latest=True).values_list("series", flat=True)) != {0}
    assert not ProgressStatus.objects.filter(is_latest=False).exclude(series=0).exists()


def test_a_new_window_is_appended_from_the_latest_rows_alone(school, tracked):
    from schoolpl.models import AssessmentWindow
    from targets.recompute import store

    progress_recompute(school_id=school.pk)
    last = tracked["windows"][5]
    autumn = AssessmentWindow.objects.create(
        school=school,
        academic_year=last.academic_year,
        name="Autumn 2025",
        start_date=last.end_date.replace(month=9, day=1),
        end_date=last.end_date.replace(month=12, day=15),
    )
    JudgementFactory(pupil=tracked["steady"], subject=tracked["reading"], window=autumn, points=25)
    read_back, real = _reading_back(store)
    try:
        result = progress_recompute(school_id=school.pk)
    finally:
        store.read_stored_rows = real
    assert read_back == [] and (result.written, result.deleted) == (2, 0)  # the new row and the old latest
    assert latest(tracked["steady"], tracked["reading"]).window_id == autumn.pk
    kept = snapshot(school)
    ProgressStatus.objects.all().delete()
    progress_recompute(school_id=school.pk)
    assert snapshot(school) == kept


def test_a_batch_notifies_each_schools_own_staff_in_one_pass(school, other_school, tracked):
    """Notices for every school of a batch are made together; each goes to that school's staff only."""
    from targets.recompute import progress_recompute_schools
    from targets.services import target_settings_update
    from tests.schoolpl.factories import MembershipFactory, UserFactory

    other_pupil = _second_school(other_school)
    target_settings_update(school=other_school, behind_by=40, well_behind_by=50, stuck_windows=2)
    other_senco = UserFactory()
    MembershipFactory(user=other_senco, school=other_school, role="senco")
    last = tracked["windows"][5]
    held_back = list(Judgement.objects.filter(window=last).values("pupil_id", "subject_id", "points"))
    Judgement.objects.filter(window=last).delete()
    other_last = Judgement.objects.filter(pupil=other_pupil).order_by("window__end_date").last()
    other_row = {"subject_id": other_last.subject_id, "window": other_last.window}
    other_last.delete()
    progress_recompute_schools([school.pk, other_school.pk])  # the baseline: nobody is newly anything
    Notification.objects.all().delete()
    for row in held_back:
        JudgementFactory(
            pupil_id=row["pupil_id"], school=school, subject_id=row["subject_id"], window=last, points=row["points"]
        )
    JudgementFactory(pupil=other_pupil, school=other_school, points=9, **other_row)  # no progress: stuck

    results = {r.school_id: r for r in progress_recompute_schools([school.pk, other_school.pk])}

    assert results[school.pk].notified == 4 and results[other_school.pk].notified == 1
    assert set(Notification.objects.filter(school=other_school).values_list("user_id", "pupil_id", "kind")) == {
        (other_senco.pk, other_pupil.pk, "progress_stuck")
    }
    assert not Notification.objects.filter(school=school, user=other_senco).exists()
    assert not Notification.objects.filter(school=other_school).exclude(user=other_senco).exists()


# ------------------------------------------------------------------------------------------------
# Issue 14: flags against the expected-progress line, by hand
# ------------------------------------------------------------------------------------------------


def test_flags_use_the_expected_line_with_the_new_defaults(school):
    """School rate 3 points a year; baseline 15 (2b) on 21 July 2024, target 29 (stretched, not the flag line).
    The line: Summer 2024 (22 Jul) 15.01, Autumn 2024 (19 Dec) 16.24, Spring 2025 (31 Mar) 17.08,
    Summer 2025 (22 Jul, 366 days) 15 + 3 × 366 / 365.25 = 18.006. Autumn 2023 and Spring 2024 end
    before the baseline: no status at all."""
    import datetime as dt

    from targets.models import TargetSettings
    from tests.targets.factories import PupilTargetFactory, SubjectFactory, windows

    TargetSettings.objects.update_or_create(school=school, defaults={"expected_points_per_year": 3.0})
    ws = windows(school)
    reading = SubjectFactory(school=school, code="reading", group_subject="english")
    series = {
        "on_line": [13, 13, 15, 16, 17, 18],  # on track (18 vs 18.006)
        "one_step": [13, 13, 15, 15, 16, 16],  # 2.006 below: behind
        "two_steps": [13, 13, 15, 15, 15, 14],  # 4.006 below: well behind
        "flat": [None, None, 15, 17, 17, 17],  # flat over two windows at Spring 2025, three at Summer 2025
    }
    pupils = {}
    for name, points in series.items():
        pupil = PupilFactory(school=school, legal_forename=name.title(), legal_surname="Pupil")
        PupilTargetFactory(
            pupil=pupil,
            subject=reading,
            baseline_points=15,
            baseline_date=dt.date(2024, 7, 21),
            target_points=29,
            target_date=dt.date(2025, 7, 22),
        )
        for window, p in zip(ws, points, strict=True):
            if p is not None:
                JudgementFactory(pupil=pupil, subject=reading, window=window, points=p, grade="x")
        pupils[name] = pupil
    progress_recompute(school_id=school.pk)

    def statuses(name):
        return list(
            ProgressStatus.objects.filter(pupil=pupils[name])
            .order_by("window__end_date")
            .values_list("window_id", "status")
        )

    pre = {ws[0].pk, ws[1].pk}
    assert not ProgressStatus.objects.filter(window_id__in=pre).exists()  # before the baseline: no status
    assert statuses("on_line") == [(w.pk, "on_track") for w in ws[2:]]
    assert latest(pupils["on_line"], reading).expected == pytest.approx(18.006, abs=0.001)
    assert latest(pupils["one_step"], reading).status == "behind"
    assert latest(pupils["two_steps"], reading).status == "well_behind"
    assert [s for _, s in statuses("flat")] == ["on_track", "on_track", "on_track", "stuck"]


def test_a_4b_target_is_27_and_reads_4b(client, school, tracked, leader):
    from django.urls import reverse

    from conftest import sign_in
    from targets import selectors
    from targets.services import target_adjust

    target = PupilTarget.objects.get(pupil=tracked["steady"])
    target_adjust(target=target, target_points=27.12, by=leader)  # lands on the step at or below
    target.refresh_from_db()
    assert target.target_points == 27
    selectors.label_targets([target], school.pk)
    assert target.target_grade == "4b"
    sign_in(client, leader, school)
    page = client.get(reverse("targets:pupil", args=[tracked["steady"].pk])).content.decode()
    assert "<strong>4b</strong>" in page and "27.1" not in page
