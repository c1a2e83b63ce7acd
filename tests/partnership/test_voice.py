"""Pupil and parent voice: writing a survey, answering it once in the portal or on paper, results by group with
small counts hidden and no respondent named, and the evidence for 2d and 9a asserted exactly. The test clock is
10 March 2026; the role × URL matrix is tests/partnership/access_voice.py (and test_access_portal.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partnership import voice
from partnership.evidence import voice_evidence
from partnership.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from tests.partnership import factories as f

pytestmark = pytest.mark.django_db

QUESTIONS = "I enjoy coming to school\n* I feel safe at school\nText: What would make school better?"


def _survey(school, user, audience=Survey.Audience.PUPILS, opens=dt.date(2026, 3, 1), closes=dt.date(2026, 3, 31),
            title="How we feel about school", years=(5, 6)) -> Survey:  # fmt: skip
    survey = Survey(
        school=school, title=title, audience=audience, year_from=years[0], year_to=years[1], opens_on=opens,
        closes_on=closes,
    )  # fmt: skip
    return voice.survey_create(survey=survey, questions_text=QUESTIONS, user=user)


def _answer(survey, pupil, enjoy, safe, words="", user=None):
    questions = {q.order: q for q in survey.questions.all()}
    answers = {questions[0].pk: enjoy, questions[1].pk: safe, questions[2].pk: words}
    return voice.response_record(survey=survey, pupil=pupil, answers=answers, user=user, on_paper=True)


def test_parsing_the_questions_marks_the_key_statement_and_free_text(school, leader):
    survey = _survey(school, leader)
    rows = list(survey.questions.values_list("text", "kind", "is_key"))
    assert rows == [
        ("I enjoy coming to school", "agree", False),
        ("I feel safe at school", "agree", True),
        ("What would make school better?", "text", False),
    ]
    assert survey.history.first().history_user == leader
    with pytest.raises(ValidationError):
        voice.parse_questions("Text: only words")


def test_leaders_write_surveys_in_the_page(school, leader, client_as):
    response = client_as(leader, school).post(
        reverse("partnership:survey_add"),
        {"title": "Homework", "audience": "parents", "year_from": 1, "year_to": 6, "opens_on": "2026-03-01",
         "closes_on": "2026-03-20", "questions": "The homework is about right\nText: Anything else?"},
    )  # fmt: skip
    survey = Survey.objects.get(title="Homework")
    assert response.status_code == 302 and survey.questions.count() == 2 and survey.created_by == leader


# --- answering once --------------------------------------------------------------------------------------------


def test_a_pupil_answers_once_in_the_portal(school, leader, client_as):
    pupil = f.pupil(school)
    f.portal_on(school)
    account = f.portal_user(pupil, "pupil")
    survey = _survey(school, leader)
    client = client_as(account, school)
    home = client.get(reverse("partnership:portal")).content.decode()
    url = reverse("partnership:portal_survey", kwargs={"pk": survey.pk, "pupil_pk": pupil.pk})
    assert url in home
    q = {x.order: x.pk for x in survey.questions.all()}
    client.post(url, {f"q{q[0]}": "4", f"q{q[1]}": "3", f"q{q[2]}": "More trips"})
    client.post(url, {f"q{q[0]}": "1", f"q{q[1]}": "1"})  # a second go changes nothing
    response = SurveyResponse.objects.get(survey=survey)
    assert response.respondent == account and not response.on_paper
    assert sorted(response.answers.values_list("agreement", flat=True), key=str) == [3, 4, None]
    assert url not in client.get(reverse("partnership:portal")).content.decode()
    assert "has been answered" in client.get(url).content.decode()


def test_a_second_response_for_the_same_pupil_is_refused_and_saves_nothing(school, leader):
    pupil = f.pupil(school)
    survey = _survey(school, leader)
    _answer(survey, pupil, 4, 4, user=leader)
    with pytest.raises(ValidationError):
        _answer(survey, pupil, 1, 1, user=leader)
    assert SurveyResponse.objects.count() == 1 and SurveyAnswer.objects.count() == 2
    with pytest.raises(ValidationError):  # not in the years asked
        _answer(survey, f.pupil(school, year_group=2), 4, 4, user=leader)


def test_staff_enter_paper_responses_for_pupils_they_see(school, teacher, client_as):
    mine, other = f.pupil(school), f.pupil(school)
    f.taught_by(teacher, mine)
    survey = _survey(school, teacher)
    client = client_as(teacher, school)
    url = reverse("partnership:survey_enter", kwargs={"pk": survey.pk})
    choices = list(client.get(url).context["form"].fields["pupil"].queryset)
    assert choices == [mine]
    q = {x.order: x.pk for x in survey.questions.all()}
    assert client.post(url, {"pupil": other.pk, f"q{q[0]}": "4"}).status_code == 200  # not hers: refused
    assert client.post(url, {"pupil": mine.pk, f"q{q[0]}": "4"}).status_code == 302
    response = SurveyResponse.objects.get()
    assert response.pupil == mine and response.on_paper and response.entered_by == teacher


# --- results and evidence --------------------------------------------------------------------------------------


@pytest.fixture
def w(school, leader):
    """14 pupils in Year 5 and 12 in Year 6 (Year 6's first 10 FSM). The pupil survey (March): 10 of Year 5 and
    10 of Year 6 answer; everyone enjoys school, 14 feel safe (Year 5: 9 of 10, Year 6: 5 of 10). A parent survey
    closes in January; a later pupil survey closes after the period asked."""
    y5 = [f.pupil(school, year_group=5) for _ in range(14)]
    y6 = [f.pupil(school, year_group=6, fsm=i < 10) for i in range(12)]
    survey = _survey(school, leader, opens=dt.date(2026, 2, 23), closes=dt.date(2026, 3, 6))
    for i, p in enumerate(y5[:10]):
        _answer(survey, p, 4, 4 if i < 9 else 1, words=f"Words of pupil {i}", user=leader)
    for i, p in enumerate(y6[:10]):
        _answer(survey, p, 3, 3 if i < 5 else 2, user=leader)
    parents = _survey(school, leader, Survey.Audience.PARENTS, dt.date(2026, 1, 5), dt.date(2026, 1, 30),
                      title="Parents' views", years=(6, 6))  # fmt: skip
    for i, p in enumerate(y6[:5]):
        _answer(parents, p, 4, 4 if i < 4 else 2, user=leader)
    later = _survey(school, leader, opens=dt.date(2026, 3, 9), closes=dt.date(2026, 3, 31), title="Later one")
    _answer(later, y5[0], 1, 1, user=leader)
    return {"survey": survey, "parents": parents, "pupils": y5 + y6}


def test_results_by_group_hide_small_counts(w, school):
    data = voice.results(w["survey"], 5, fsm=True)
    assert data["rate"] == "77% (20 of 26 pupils on roll in the year groups asked)"
    assert data["groups"] == [
        "All", "Year 5", "Year 6", "Eligible for free school meals", "English first language", "No SEN",
        "Not eligible for free school meals",
    ]  # fmt: skip
    safe = next(s for s in data["statements"] if s["question"].is_key)
    cells = dict(zip(data["groups"], safe["cells"], strict=True))
    assert cells["All"] == "70% (14 of 20 answers)"
    assert cells["Year 5"] == "all but <5 of 10 answers"  # one pupil disagreed: not shown as "all but one"
    assert cells["Year 6"] == "50% (5 of 10 answers)"
    assert cells["Eligible for free school meals"] == "50% (5 of 10 answers)"
    assert cells["Not eligible for free school meals"] == "all but <5 of 10 answers"
    assert "EAL" not in cells  # no EAL pupil among those asked: no column
    assert not any(s["question"].kind == SurveyQuestion.Kind.TEXT for s in data["statements"])


def test_evidence_for_2d_and_9a_is_for_its_period(w, school):
    items = [(e.item_code, e.label, e.value) for e in voice_evidence(school, dt.date(2026, 1, 1), dt.date(2026, 3, 8))]
    assert items == [
        ("2d", "Pupils who answered the survey “How we feel about school”",
         "77% (20 of 26 pupils on roll in the year groups asked)"),
        ("2d", "Agreeing that “I feel safe at school”", "70% (14 of 20 answers)"),
        ("9a", "Families who answered the survey “Parents' views”", "42% (5 of 12 families asked)"),
        ("9a", "Agreeing that “I feel safe at school”", "<5 of 5 answers"),
    ]  # fmt: skip
    autumn = voice_evidence(school, dt.date(2025, 9, 1), dt.date(2025, 12, 19))
    assert [e.value for e in autumn] == ["no survey closed in the period"] * 2
    later = voice_evidence(school, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert later[0].label == "Pupils who answered the survey “Later one”"
    assert {e.url_name for e in items_with_links(school)} == {"partnership:voice"}


def items_with_links(school):
    return [e for e in voice_evidence(school, dt.date(2026, 1, 1), dt.date(2026, 3, 8)) if e.url_name]


def test_sip_reads_results_with_no_names_and_no_words(w, school, sip, leader, client_as):
    html = client_as(sip, school).get(reverse("partnership:voice"), {"survey": w["survey"].pk}).content.decode()
    assert "70% (14 of 20 answers)" in html and "Words of pupil" not in html
    for pupil in w["pupils"]:
        for secret in (pupil.upn, pupil.legal_forename, pupil.legal_surname):
            assert secret not in html
    # A leader reads the pupils' own words, unnamed.
    leader_html = client_as(leader, school).get(reverse("partnership:voice"), {"survey": w["survey"].pk})
    assert "Words of pupil 3" in leader_html.content.decode()
    assert not any(p.legal_surname in leader_html.content.decode() for p in w["pupils"])


def test_results_page_queries_do_not_grow_with_responses(w, school, leader, client_as, django_assert_max_num_queries):
    client = client_as(leader, school)
    url = reverse("partnership:voice")
    client.get(url, {"survey": w["survey"].pk})
    with django_assert_max_num_queries(12):
        client.get(url, {"survey": w["survey"].pk})
    for p in [f.pupil(school, year_group=5) for _ in range(15)]:
        _answer(w["survey"], p, 4, 4, words="More", user=leader)
    with django_assert_max_num_queries(12):
        client.get(url, {"survey": w["survey"].pk})


def test_the_demo_surveys_have_answers_and_the_same_seed_gives_the_same(school, leader, school_admin):
    import random

    from partnership import demo
    from schoolpl.demo import DemoContext

    for i in range(120):
        f.pupil(school, year_group=i % 7, sen_provision="K" if i % 6 == 0 else "N")

    def build(seed):
        ctx = DemoContext(rng=random.Random(seed), pupils=0, today=dt.date(2026, 3, 10), school=school,
                          users={"leader": leader, "admin": school_admin})  # fmt: skip
        count = demo._surveys(ctx, random.Random(seed))
        answers = SurveyAnswer.objects.order_by("response__survey__audience", "response__pupil__upn", "question__order")
        rows = list(answers.values_list("response__pupil__upn", "question__order", "agreement", "text"))
        return count, rows

    first = build(5)
    pupils_survey = Survey.objects.get(audience=Survey.Audience.PUPILS)
    rate, statement, agreeing = voice.key_figures(pupils_survey, 5)
    assert statement == "I feel safe at school" and "%" in rate and agreeing.endswith(" answers")
    assert pupils_survey.closes_on < dt.date(2026, 3, 10)
    Survey.objects.all().delete()
    assert build(5) == first and first[0] > 40


def test_the_self_review_shows_the_latest_closed_surveys_to_a_sip_with_no_names(w, school, sip, client_as):
    """The self-review's "Pupil and parent voice" panel: the latest survey of each audience that has closed (the
    test clock is 10 March: "Later one" is still open), its response rate and the share agreeing per statement."""
    from tests.selfreview.factories import ReviewFactory

    review = ReviewFactory(school=school)
    page = client_as(sip, school).get(reverse("selfreview:review_detail", args=[review.pk]))
    text = page.content.decode()
    panel = text[text.index('id="pupil-voice"') :]
    assert "How we feel about school" in panel and "Parents&#x27; views" in panel and "Later one" not in panel
    assert "77% (20 of 26 pupils on roll in the year groups asked)" in panel
    assert "70% (14 of 20 answers)" in panel  # "I feel safe at school": 9 of Year 5's 10, 5 of Year 6's 10
    assert "Words of pupil" not in text and not any(p.display_name in text for p in w["pupils"])
