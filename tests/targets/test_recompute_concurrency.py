"""Two recomputes of one school at once — a nightly run and an incremental one, two workers, or two
requests of the threaded development server running tasks in-process — both finish, and leave exactly
what one recompute leaves. Run on SQLite (the embedded default) and on PostgreSQL alike."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from targets.models import ProgressStatus
from targets.recompute import classify, progress_recompute

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot(school):
    return sorted(
        ProgressStatus.objects.filter(school=school).values_list(
            "pupil_id", "subject_id", "window_id", "expected", "actual", "status", "since_window_id", "is_latest"
        )
    )


def run_together(*calls):
    """Run ``calls`` in threads started at one moment; return their results and exceptions."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a recompute never finished"
    return results, errors


@pytest.fixture
def slow_classify(monkeypatch):
    """Hold each recompute inside its transaction for a moment, so the two certainly overlap."""
    real = classify.classify_statuses

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(classify, "classify_statuses", slow)


def test_two_first_recomputes_of_a_school_at_once_both_finish_with_one_result(school, tracked, slow_classify):
    results, errors = run_together(
        lambda: progress_recompute(school_id=school.pk), lambda: progress_recompute(school_id=school.pk)
    )
    assert errors == []
    together = snapshot(school)
    # One of them wrote the school's statuses; the other found them already there and wrote nothing.
    assert sorted(r.written for r in results) == [0, 18]
    ProgressStatus.objects.filter(school=school).delete()
    progress_recompute(school_id=school.pk)
    assert together == snapshot(school)


def test_a_full_and_an_incremental_recompute_at_once_both_finish(school, tracked, slow_classify):
    progress_recompute(school_id=school.pk)
    alone = snapshot(school)
    ProgressStatus.objects.filter(school=school, pupil=tracked["slipping"]).delete()
    results, errors = run_together(
        lambda: progress_recompute(school_id=school.pk),
        lambda: progress_recompute(school_id=school.pk, pupil_ids=[tracked["slipping"].pk]),
    )
    assert errors == []
    assert snapshot(school) == alone


def test_a_first_recompute_replaces_a_stray_status_instead_of_failing(school, tracked):
    """A school with no latest status is written whole without reading back; a row already there (written
    by hand, or left by an interrupted import) is replaced, not a duplicate key."""
    from tests.interventions.factories import status

    window = tracked["windows"][5]
    status(tracked["steady"], tracked["reading"], window, "stuck", latest=False)
    progress_recompute(school_id=school.pk)
    row = ProgressStatus.objects.get(pupil=tracked["steady"], subject=tracked["reading"], window=window)
    assert (row.status, row.is_latest) == ("on_track", True)
    assert ProgressStatus.objects.filter(school=school).count() == 18
