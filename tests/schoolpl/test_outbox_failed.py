"""Background tasks the sweeper gave up on are shown, with a Retry button: to the school's admins for work
that belongs to their school, and to the operators (is_staff) for all of it, including work of no school."""

from __future__ import annotations

import logging

import pytest
from celery import current_app
from django.core.exceptions import ValidationError
from django.urls import reverse

from schoolpl import outbox
from schoolpl.models import OutboxMessage
from schoolpl.outbox import MAX_ATTEMPTS, outbox_retry, publish_pending
from tests.schoolpl.factories import UserFactory

pytestmark = pytest.mark.django_db


def failed_row(task_name="targets.tasks.recompute_school", **kwargs):
    return OutboxMessage.objects.create(
        task_name=task_name, kwargs=kwargs, attempts=MAX_ATTEMPTS, last_error="Error 111 connecting to redis:6379."
    )


@pytest.fixture
def rows(school, other_school):
    return {
        "ours": failed_row(school_id=school.pk),
        "theirs": failed_row(school_id=other_school.pk),
        "no_school": failed_row("schoolpl.tasks.ping", token="t"),
        "still_trying": OutboxMessage.objects.create(
            task_name="targets.tasks.recompute_school", kwargs={"school_id": school.pk}, attempts=3
        ),
    }


@pytest.fixture
def operator(db):
    return UserFactory(username="ops", is_staff=True)  # a platform operator: no school membership


@pytest.fixture
def eager():
    """Run published tasks in this process, whatever REDIS_URL says."""
    saved = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    outbox.reset_breaker()
    yield
    current_app.conf.task_always_eager = saved


def listed(response) -> set[int]:
    return {row.pk for row in response.context["failed"]}


def test_the_admin_sees_their_schools_failed_tasks_only(
    client_as, school_admin, school, rows, django_assert_max_num_queries
):
    client = client_as(school_admin, school)
    # session, user, membership (access); the failed rows; the count still being retried; the session saved
    # again (savepoint, update, release: the idle timeout) — 8; the rows are one query however many there are.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("outbox"))
    assert response.status_code == 200
    assert listed(response) == {rows["ours"].pk}
    body = response.content.decode()
    assert "Recalculate progress for the whole school" in body
    assert "Error 111 connecting" in body
    assert f'name="message" value="{rows["ours"].pk}"' in body  # its Retry button
    assert response.context["waiting"] == 1  # the row still being retried is counted, not listed


def test_the_admins_home_page_links_to_it_and_a_teachers_does_not(client_as, school_admin, teacher, school):
    url = reverse("outbox")
    assert url in client_as(school_admin, school).get(reverse("home")).content.decode()
    assert url not in client_as(teacher, school).get(reverse("home")).content.decode()


def test_retry_puts_the_task_back_publishes_it_and_logs_who_asked(
    client_as, school_admin, school, rows, eager, caplog, django_capture_on_commit_callbacks
):
    client = client_as(school_admin, school)
    message = rows["ours"]
    with caplog.at_level(logging.INFO, logger="schoolpl.outbox"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("outbox"), {"message": message.pk})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.published_at is not None  # sent (run in-process here) once the retry committed
    assert message.attempts == 1
    assert message.last_error == ""
    retried = [r for r in caplog.records if "retried" in r.getMessage()]
    assert len(retried) == 1
    assert "admin" in retried[0].getMessage() and str(message.pk) in retried[0].getMessage()


def test_a_retried_task_is_swept_again_if_it_cannot_be_sent_at_once(rows, school_admin, eager):
    message = rows["ours"]
    assert message.pk not in set(outbox.pending().values_list("pk", flat=True))  # the sweeper gave up on it
    outbox_retry(message=message, by=school_admin)
    assert message.pk in set(outbox.pending().values_list("pk", flat=True))
    assert publish_pending() == 2  # the sweeper sends it (and the row it was still trying)
    message.refresh_from_db()
    assert message.published_at is not None


def test_an_admin_cannot_see_or_retry_another_schools_or_schoolless_tasks(client_as, school_admin, school, rows):
    client = client_as(school_admin, school)
    for key in ("theirs", "no_school", "still_trying"):
        response = client.post(reverse("outbox"), {"message": rows[key].pk})
        assert response.status_code == 404, key
        rows[key].refresh_from_db()
        assert rows[key].attempts in (MAX_ATTEMPTS, 3), key
    assert client.post(reverse("outbox"), {"message": "not-a-number"}).status_code == 404


def test_an_operator_sees_every_failed_task_including_those_of_no_school_and_can_retry(
    client, operator, rows, eager, django_capture_on_commit_callbacks
):
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("outbox"))
    assert response.status_code == 200
    assert listed(response) == {rows["ours"].pk, rows["theirs"].pk, rows["no_school"].pk}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("outbox"), {"message": rows["no_school"].pk}).status_code == 302
    rows["no_school"].refresh_from_db()
    assert rows["no_school"].published_at is not None


@pytest.mark.parametrize("role", ["teacher", "senco", "leader", "sip"])
def test_other_roles_are_refused(role, client_as, personas, school, rows):
    client = client_as(personas[role], school)
    assert client.get(reverse("outbox")).status_code == 403
    assert client.post(reverse("outbox"), {"message": rows["ours"].pk}).status_code == 403
    rows["ours"].refresh_from_db()
    assert rows["ours"].attempts == MAX_ATTEMPTS


def test_only_a_failed_task_can_be_retried(rows, school_admin):
    for key in ("still_trying",):
        with pytest.raises(ValidationError):
            outbox_retry(message=rows[key], by=school_admin)
    sent = OutboxMessage.objects.create(task_name="schoolpl.tasks.ping", kwargs={}, attempts=1)
    OutboxMessage.objects.filter(pk=sent.pk).update(published_at="2026-01-05T10:00:00Z")
    sent.refresh_from_db()
    with pytest.raises(ValidationError):
        outbox_retry(message=sent, by=school_admin)


def test_a_failed_row_is_not_reused_by_a_new_request_for_the_same_work(db):
    old = OutboxMessage.objects.create(
        task_name="schoolpl.tasks.ping", kwargs={"token": "a"}, dedupe_key="same", attempts=MAX_ATTEMPTS
    )
    new = outbox.enqueue("schoolpl.tasks.ping", dedupe_key="same", token="a")
    assert new.pk != old.pk
