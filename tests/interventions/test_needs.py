"""Needs assessment: score cards (0–10 by professional, pupil and parent), change from baseline, the cohort
summary, learning journals and learning-potential aims."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from conftest import sign_in
from interventions import selectors, services
from interventions.models import JournalEntry, LearningAim, ScoreCard, ScoreCardRating
from schoolpl.access import load_access
from tests.interventions.factories import CharacteristicFactory, JournalQuestionFactory, PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def traits(school):
    return [
        CharacteristicFactory(school=school, name=name, order=i)
        for i, name in enumerate(["Learning skills", "Attendance", "Resilience", "High self-esteem"])
    ]


def _card(school, pupil, on, ratings, senco=None):
    return services.score_card_create(school=school, pupil=pupil, taken_on=on, ratings=ratings, by=senco)


def test_score_card_averages_each_characteristic_and_the_card(school, traits, senco):
    pupil = PupilFactory(school=school)
    card = _card(
        school,
        pupil,
        dt.date(2025, 10, 1),
        {
            traits[0].pk: (4, 3, 5),
            traits[1].pk: (2, 2, 2),
            traits[2].pk: (1, None, 5),
            traits[3].pk: (4, 4, 4),
        },
        senco,
    )
    (view,) = selectors.card_views([card])
    assert view.by_characteristic == {traits[0].pk: 4.0, traits[1].pk: 2.0, traits[2].pk: 3.0, traits[3].pk: 4.0}
    assert view.average == pytest.approx(3.25)
    assert card.history.count() == 1  # audited


def test_later_card_shows_change_from_the_baseline(client, school, traits, senco):
    pupil = PupilFactory(school=school, legal_forename="Amara", legal_surname="Okafor")
    _card(school, pupil, dt.date(2025, 10, 1), {traits[0].pk: (4, 4, 4), traits[1].pk: (2, 2, 2)})
    _card(school, pupil, dt.date(2026, 1, 10), {traits[0].pk: (5, 5, 5), traits[1].pk: (3, 3, 3)})
    _card(school, pupil, dt.date(2026, 4, 1), {traits[0].pk: (7, 6, 8), traits[1].pk: (5, 4, 3)})
    _, rows = selectors.score_card_summary(load_access(senco, school.pk))
    (row,) = rows
    assert row.baseline.card.taken_on == dt.date(2025, 10, 1)
    assert row.latest.card.taken_on == dt.date(2026, 4, 1)
    assert row.latest.by_characteristic == {traits[0].pk: 7.0, traits[1].pk: 4.0}
    assert row.change == pytest.approx(5.5 - 3.0)
    sign_in(client, senco, school)
    page = client.get(reverse("interventions:pupil_needs", kwargs={"pk": pupil.pk})).content.decode()
    assert "(baseline)" in page and "+2.5" in page
    export = client.get(reverse("interventions:score_card_summary") + "?format=csv")
    assert export.content.decode("utf-8-sig").splitlines() == [
        "Pupil,Year,Baseline date,Latest date,Learning skills,Attendance,Resilience,High self-esteem,Average,"
        "Change from baseline",
        "Amara Okafor,Year 3,2025-10-01,2026-04-01,7.0,4.0,,,5.5,2.5",
    ]


@pytest.mark.parametrize("bad", [-1, 11])
def test_service_refuses_ratings_outside_zero_to_ten(school, traits, bad):
    with pytest.raises(ValidationError, match="0 to 10"):
        _card(school, PupilFactory(school=school), dt.date(2025, 10, 1), {traits[0].pk: (5, bad, 5)})
    assert not ScoreCard.objects.exists()


@pytest.mark.parametrize("field", ["professional", "pupil_view", "parent_view"])
def test_database_refuses_ratings_above_ten(school, traits, field):
    card = ScoreCard.objects.create(school=school, pupil=PupilFactory(school=school), taken_on=dt.date(2025, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreCardRating.objects.create(card=card, characteristic=traits[0], **{field: 11})


def test_score_card_form_refuses_out_of_range_and_saves_good_ratings(client, school, traits, senco):
    pupil = PupilFactory(school=school)
    sign_in(client, senco, school)
    url = reverse("interventions:score_card_create", kwargs={"pk": pupil.pk})
    response = client.post(url, {"taken_on": "2025-10-01", f"c{traits[0].pk}_professional": "12"})
    assert response.status_code == 200
    assert not ScoreCard.objects.exists()
    response = client.post(
        url,
        {
            "taken_on": "2025-10-01",
            "referred": "on",
            f"c{traits[0].pk}_professional": "4",
            f"c{traits[0].pk}_pupil": "6",
            f"c{traits[0].pk}_parent": "",
        },
    )
    assert response.status_code == 302
    card = ScoreCard.objects.get()
    assert card.referred
    assert list(card.ratings.values_list("professional", "pupil_view", "parent_view")) == [(4, 6, None)]


def test_another_schools_characteristic_cannot_be_rated(school, other_school, traits):
    theirs = CharacteristicFactory(school=other_school)
    with pytest.raises(ValidationError):
        _card(school, PupilFactory(school=school), dt.date(2025, 10, 1), {theirs.pk: (5, 5, 5)})


def test_learning_aim_must_start_with_to(school, senco):
    pupil = PupilFactory(school=school)
    with pytest.raises(ValidationError, match="starts with 'to"):
        services.learning_aim_create(school=school, pupil=pupil, aim="Provide praise", created_on=dt.date.today())
    aim = services.learning_aim_create(
        school=school,
        pupil=pupil,
        aim="  to experience   success in sport ",
        blockers="Being a carer; bullying",
        enablers="Praise; loves sport",
        created_on=dt.date.today(),
        by=senco,
    )
    assert aim.aim == "to experience success in sport"
    with pytest.raises(IntegrityError), transaction.atomic():
        LearningAim.objects.create(school=school, pupil=pupil, aim="Provide praise", created_on=dt.date.today())


def test_learning_journal_keeps_answers_to_agreed_questions_and_the_review(client, school, senco):
    pupil = PupilFactory(school=school)
    stopping = JournalQuestionFactory(school=school, text="Is anything stopping me from learning?", order=1)
    helping = JournalQuestionFactory(school=school, text="What else can help me to learn?", order=2)
    sign_in(client, senco, school)
    response = client.post(
        reverse("interventions:journal_create", kwargs={"pk": pupil.pk}),
        {
            "written_on": "2026-01-12",
            f"q{stopping.pk}": "Noise at the back",
            f"q{helping.pk}": "Sitting at the front",
            "reviewed_with": senco.pk,
            "reviewed_on": "2026-01-14",
            "next_steps": "Move seat; check in weekly",
        },
    )
    assert response.status_code == 302
    entries = JournalEntry.objects.filter(pupil=pupil).order_by("question__order")
    assert [e.answer for e in entries] == ["Noise at the back", "Sitting at the front"]
    assert {e.reviewed_by_id for e in entries} == {senco.pk}
    page = client.get(reverse("interventions:pupil_needs", kwargs={"pk": pupil.pk})).content.decode()
    assert "Noise at the back" in page and "Move seat; check in weekly" in page


@pytest.mark.parametrize("pupils", [2, 12])
def test_score_card_summary_runs_a_constant_number_of_queries(
    client, school, traits, senco, pupils, django_assert_max_num_queries
):
    for _ in range(pupils):
        pupil = PupilFactory(school=school)
        _card(school, pupil, dt.date(2025, 10, 1), {traits[0].pk: (4, 4, 4)})
        _card(school, pupil, dt.date(2026, 1, 1), {traits[0].pk: (6, 6, 6)})
    sign_in(client, senco, school)
    # session, user, memberships (3); characteristics, cards with pupils, ratings (3); session save (≤ 3)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("interventions:score_card_summary"))
    assert response.content.decode().count("+2.0") == pupils


def test_aim_form_shows_an_aim_not_starting_with_to_as_a_field_error(client, school, senco):
    pupil = PupilFactory(school=school)
    sign_in(client, senco, school)
    url = reverse("interventions:aim_create", kwargs={"pk": pupil.pk})
    response = client.post(url, {"aim": "Provide praise", "blockers": "", "enablers": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["aim"] == [
        "A learning-potential aim starts with 'to…', e.g. 'to enjoy reading'."
    ]
    assert not LearningAim.objects.filter(pupil=pupil).exists()
    response = client.post(url, {"aim": "to enjoy reading"})
    assert response.status_code == 302
    assert LearningAim.objects.get(pupil=pupil).aim == "to enjoy reading"
