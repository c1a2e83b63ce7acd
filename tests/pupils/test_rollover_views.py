"""The rollover pages: the preview, the typed confirmation, the Celery task (eager, the embedded default)
reporting progress to 100%, the result; a stale preview and a second run refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pupils import rollover
from pupils.models import Pupil, RolloverRun
from pupils.tasks import roll_over
from tests.pupils.factories import PupilFactory
from tests.pupils.test_rollover import build_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(school, teacher):
    return build_school(school, teacher)


def _post(client, plan, **extra):
    data = {"fingerprint": plan.fingerprint, "create_groups": "on", "carry_teachers": "on"}
    data["confirm"] = plan.to_year_name
    data.update(extra)
    return client.post(reverse("pupils:rollover"), data)


def test_the_preview_shows_every_number_and_the_leavers(
    client_as, school, leader, world, django_assert_max_num_queries
):
    client = client_as(leader, school)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("pupils:rollover"))
    assert response.status_code == 200
    text = response.content.decode()
    plan = rollover.plan(school, world["year"])
    assert f"From {world['year'].name} to {plan.to_year_name}" in text
    for leaver in world["pupils"][6]:
        assert leaver.display_name in text
    assert "Maths 4" in text and plan.windows[0][0] in text
    assert f'value="{plan.fingerprint}"' in text
    export = client.get(reverse("pupils:rollover") + "?export=csv")
    assert export.status_code == 200 and world["pupils"][6][0].upn in export.content.decode()


def test_confirming_runs_the_task_and_shows_the_result(
    client_as, school, leader, world, django_capture_on_commit_callbacks, eager_celery
):
    client = client_as(leader, school)
    plan = rollover.plan(school, world["year"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, plan)
    run = RolloverRun.objects.get(school=school)
    assert response.status_code == 302 and response.url == reverse("pupils:rollover_run", args=[run.pk])
    assert (run.status, run.progress, run.started_by) == (RolloverRun.Status.DONE, 100, leader)
    assert run.summary["moved_up"] == 18 and run.summary["left"] == 3
    assert rollover.cache.get(rollover.progress_key(run.pk)) == {"percent": 100, "step": "Finished"}
    page = client.get(response.url)
    assert "Pupils moved up a year" in page.content.decode() and "hx-get" not in page.content.decode()
    partial = client.get(response.url, headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<div id="run-progress"')
    # A leaver is archived, not deleted: their profile, with last year's group, still opens.
    leaver = world["pupils"][6][0]
    profile = client.get(reverse("pupils:detail", args=[leaver.pk]))
    assert profile.status_code == 200 and "Maths 6" in profile.content.decode()
    # A second run is refused, on the page and in the database.
    again = client.get(reverse("pupils:rollover"))
    assert "already moved up into" in again.content.decode() and "can be run from" in again.content.decode()
    stale = RolloverRun(school=school, from_year=world["year"], to_year_name=run.to_year_name, fingerprint="x")
    with pytest.raises(Exception, match="UNIQUE|unique|duplicate"):
        stale.save()


def test_the_task_reports_progress_to_100(school, leader, world, monkeypatch):
    plan = rollover.plan(school, world["year"])
    run = RolloverRun.objects.create(
        school=school, from_year=world["year"], to_year_name=plan.to_year_name, fingerprint=plan.fingerprint,
        started_by=leader,
    )  # fmt: skip
    seen = []
    real = rollover.report_progress

    def spy(run_id):
        say = real(run_id)
        return lambda percent, step: (seen.append(percent), say(percent, step))

    monkeypatch.setattr("pupils.tasks.report_progress", spy)
    roll_over.apply(kwargs={"school_id": school.pk, "run_id": run.pk}, throw=True)
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 100 and len(seen) > 5
    run.refresh_from_db()
    assert run.status == RolloverRun.Status.DONE and run.to_year.name == plan.to_year_name
    # Delivered again (a redelivery after a worker restart): nothing happens twice.
    assert roll_over.apply(kwargs={"school_id": school.pk, "run_id": run.pk}).get() == {"skipped": True}
    assert Pupil.objects.filter(school=school, year_group=7).count() == 0


def test_a_failed_run_changes_nothing_and_can_be_tried_again(school, leader, world, monkeypatch):
    plan = rollover.plan(school, world["year"])
    run = RolloverRun.objects.create(
        school=school, from_year=world["year"], to_year_name=plan.to_year_name, fingerprint=plan.fingerprint
    )
    monkeypatch.setattr(rollover, "_carry_members", lambda *a: 1 / 0)
    roll_over.apply(kwargs={"school_id": school.pk, "run_id": run.pk}, throw=True)
    run.refresh_from_db()
    assert run.status == RolloverRun.Status.FAILED and "ZeroDivisionError" in run.error
    assert sorted(Pupil.objects.values_list("year_group", flat=True)) == sorted(y for y in range(7) for _ in range(3))
    monkeypatch.undo()
    retry = RolloverRun.objects.create(
        school=school, from_year=world["year"], to_year_name=plan.to_year_name, fingerprint=plan.fingerprint
    )
    roll_over.apply(kwargs={"school_id": school.pk, "run_id": retry.pk}, throw=True)
    retry.refresh_from_db()
    assert retry.status == RolloverRun.Status.DONE


def test_a_stale_preview_or_a_wrong_confirmation_is_refused(client_as, school, school_admin, world):
    client = client_as(school_admin, school)
    plan = rollover.plan(school, world["year"])
    wrong = _post(client, plan, confirm="yes")
    assert wrong.status_code == 200 and f"Type {plan.to_year_name} to confirm" in wrong.content.decode()
    PupilFactory(school=school, year_group=2)  # a joiner since the preview
    stale = _post(client, plan)
    assert stale.status_code == 200 and "changed since the preview" in stale.content.decode()
    assert not RolloverRun.objects.exists()
