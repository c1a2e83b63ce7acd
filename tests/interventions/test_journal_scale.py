"""The learning journal's 0–10 answers are numbers: parsed, validated in the form and the service, shown as a
score, and converted from the free text they used to be stored as (issue 14)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from conftest import sign_in
from interventions import services
from interventions.journal import is_scale_question, parse_scale_answer, split_scale_answer
from interventions.models import JournalEntry, JournalQuestion
from tests.interventions.factories import JournalQuestionFactory, PupilFactory

ATTITUDE = "How do I feel about my attitude to learning, from 0 to 10?"


@pytest.mark.parametrize(
    ("text", "scale"),
    [(ATTITUDE, True), ("Rate your effort 0-10", True), ("Rate it 0–10", True), ("Is anything stopping me?", False)],
)
def test_a_question_asking_from_0_to_10_is_a_scale_question(text, scale):
    assert is_scale_question(text) is scale


@pytest.mark.parametrize(
    ("answer", "score"),
    [("7", 7), (" 7/10 ", 7), ("7 out of 10", 7), ("0", 0), ("10", 10), ("11", None), ("about 6", None), ("", None)],
)
def test_only_an_answer_that_is_a_number_from_0_to_10_has_a_score(answer, score):
    assert parse_scale_answer(answer) == score


def test_split_keeps_a_non_number_as_the_note():
    assert split_scale_answer("8") == (8, "")
    assert split_scale_answer(" about a 6 I think ") == (None, "about a 6 I think")


@pytest.mark.django_db
def test_a_new_question_asking_from_0_to_10_is_answered_with_a_number(school):
    assert services.journal_question_create(school=school, text=ATTITUDE).scale is True
    assert services.journal_question_create(school=school, text="What helps me?").scale is False
    assert services.journal_question_create(school=school, text="My effort", scale=True).scale is True


@pytest.mark.django_db
def test_the_form_takes_a_number_0_to_10_and_the_profile_shows_it_as_a_score(client, school, senco):
    pupil = PupilFactory(school=school)
    attitude = JournalQuestionFactory(school=school, text=ATTITUDE, order=1, scale=True)
    helping = JournalQuestionFactory(school=school, text="What else can help me to learn?", order=2)
    sign_in(client, senco, school)
    url = reverse("interventions:journal_create", kwargs={"pk": pupil.pk})
    refused = client.post(url, {"written_on": "2026-01-12", f"q{attitude.pk}": "11", f"q{helping.pk}": "Quiet"})
    assert refused.status_code == 200 and not JournalEntry.objects.exists()
    assert "less than or equal to 10" in refused.content.decode()
    words = client.post(url, {"written_on": "2026-01-12", f"q{attitude.pk}": "seven", f"q{helping.pk}": "Quiet"})
    assert words.status_code == 200 and not JournalEntry.objects.exists()
    response = client.post(url, {"written_on": "2026-01-12", f"q{attitude.pk}": "7", f"q{helping.pk}": "Quiet"})
    assert response.status_code == 302
    entry = JournalEntry.objects.get(question=attitude)
    assert (entry.score, entry.answer) == (7, "")
    assert JournalEntry.objects.get(question=helping).score is None
    page = client.get(reverse("interventions:pupil_needs", kwargs={"pk": pupil.pk})).content.decode()
    assert "<strong>7</strong> out of 10" in page


@pytest.mark.django_db
def test_the_service_refuses_a_score_off_the_scale(school):
    pupil = PupilFactory(school=school)
    attitude = JournalQuestionFactory(school=school, text=ATTITUDE, scale=True)
    for bad in (11, "eleven", "about 6"):
        with pytest.raises(ValidationError, match="0 to 10"):
            services.journal_entries_create(
                school=school, pupil=pupil, written_on=dt.date(2026, 1, 12), answers={attitude.pk: bad}
            )
    [entry] = services.journal_entries_create(
        school=school, pupil=pupil, written_on=dt.date(2026, 1, 12), answers={attitude.pk: "6/10"}
    )
    assert entry.score == 6


@pytest.mark.django_db
def test_the_database_refuses_a_score_off_the_scale(school):
    pupil = PupilFactory(school=school)
    question = JournalQuestionFactory(school=school, text=ATTITUDE, scale=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.create(
            school=school, pupil=pupil, question=question, written_on=dt.date(2026, 1, 12), score=11
        )


@pytest.mark.django_db
def test_the_migration_turns_numeric_answers_into_scores_and_keeps_other_text(school):
    pupil = PupilFactory(school=school)
    attitude = JournalQuestionFactory(school=school, text=ATTITUDE)  # as stored before: not marked as a scale
    other = JournalQuestionFactory(school=school, text="Is anything stopping me from learning?")
    day = dt.date(2026, 1, 12)
    numeric = JournalEntry.objects.create(school=school, pupil=pupil, question=attitude, written_on=day, answer="8")
    wordy = JournalEntry.objects.create(
        school=school, pupil=pupil, question=attitude, written_on=day + dt.timedelta(days=1), answer="about a 6"
    )
    text = JournalEntry.objects.create(school=school, pupil=pupil, question=other, written_on=day, answer="5")
    migration = importlib.import_module("interventions.migrations.0003_journal_scale_answers")
    migration.answers_to_numbers(django_apps, None)
    assert JournalQuestion.objects.get(pk=attitude.pk).scale is True
    assert JournalQuestion.objects.get(pk=other.pk).scale is False
    numeric.refresh_from_db(), wordy.refresh_from_db(), text.refresh_from_db()
    assert (numeric.score, numeric.answer) == (8, "")
    assert (wordy.score, wordy.answer) == (None, "about a 6")
    assert (text.score, text.answer) == (None, "5")
