"""Pupil and parent voice: short surveys the school writes, answered in the portal or on paper (entered by
staff), one response per pupil (or, for a parent survey, per child's family) per survey; results by group with
small counts hidden, never naming a respondent. Who does what: leaders and admins write surveys; staff enter
paper responses for the pupils they see; a pupil answers a pupil survey for themselves, a parent a parent
survey for their child; every reader of the self-review (a SIP included) reads the results, as figures."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assessment.roll import roll_at, share
from pupils import codes
from pupils.models import Pupil
from schoolpl.history import changed_by

from .models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse

AGREE_CHOICES = [(4, "Strongly agree"), (3, "Agree"), (2, "Disagree"), (1, "Strongly disagree")]
AGREES = 3  # agreement at or above this is "agree"


def parse_questions(text: str) -> list[SurveyQuestion]:
    """One question a line. "Text: ..." is a free-text question; a line starting "*" is the key statement
    (otherwise the first agree/disagree statement is)."""
    questions = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        key = line.startswith("*")
        line = line.lstrip("*").strip()
        kind = SurveyQuestion.Kind.AGREE
        if line.lower().startswith("text:"):
            kind, line = SurveyQuestion.Kind.TEXT, line[5:].strip()
        if line:
            questions.append(SurveyQuestion(text=line[:300], kind=kind, is_key=key and kind == "agree"))
    agree = [q for q in questions if q.kind == SurveyQuestion.Kind.AGREE]
    if not agree:
        raise ValidationError("Write at least one agree / disagree statement.")
    keys = [q for q in agree if q.is_key] or [agree[0]]
    for q in agree:
        q.is_key = q is keys[0]
    for order, q in enumerate(questions):
        q.order = order
    return questions


@transaction.atomic
def survey_create(*, survey: Survey, questions_text: str, user) -> Survey:
    questions = parse_questions(questions_text)
    survey.created_by = user
    changed_by(survey, user)
    survey.full_clean()
    survey.save()
    for q in questions:
        q.survey = survey
    bulk_create_with_history(questions, SurveyQuestion, default_user=user)
    return survey


def audience(survey: Survey) -> QuerySet[Pupil]:
    """Pupils on roll now in the survey's year groups (for a parent survey, their families answer)."""
    return (
        Pupil.objects.in_school(survey.school_id)
        .on_roll()
        .filter(year_group__gte=survey.year_from, year_group__lte=survey.year_to)
    )


def is_open(survey: Survey, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return survey.archived_at is None and survey.opens_on <= today <= survey.closes_on


@transaction.atomic
def response_record(
    *, survey: Survey, pupil: Pupil, answers: dict[int, object], user, on_paper: bool
) -> SurveyResponse:
    """Record one response with its answers ({question_id: 1–4 or words}). A second response for the same
    pupil (or family) is refused and nothing is saved."""
    if pupil.school_id != survey.school_id or not survey.year_from <= pupil.year_group <= survey.year_to:
        raise ValidationError("This pupil is not among those the survey asks.")
    if SurveyResponse.objects.filter(survey=survey, pupil=pupil).exists():
        raise ValidationError("This survey has already been answered for this pupil.")
    response = SurveyResponse(
        survey=survey,
        pupil=pupil,
        respondent=None if on_paper else user,
        on_paper=on_paper,
        entered_by=user if on_paper else None,
        submitted_on=timezone.localdate(),
    )
    changed_by(response, user)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise ValidationError("This survey has already been answered for this pupil.") from None
    rows = []
    for question in survey.questions.all():
        value = answers.get(question.pk)
        if question.kind == SurveyQuestion.Kind.AGREE:
            if value in (None, ""):
                continue
            if int(value) not in dict(AGREE_CHOICES):
                raise ValidationError("An answer is not on the scale.")
            rows.append(SurveyAnswer(response=response, question=question, agreement=int(value)))
        elif (value or "").strip():
            rows.append(SurveyAnswer(response=response, question=question, text=str(value).strip()[:1000]))
    bulk_create_with_history(rows, SurveyAnswer, default_user=user)
    return response


# --- results -----------------------------------------------------------------------------------------------


def _groups(row: dict, fsm: bool) -> list[str]:
    names = [f"{codes.year_group_label(row['year_then'])}"]
    if fsm:
        names.append("Eligible for free school meals" if row["fsm"] else "Not eligible for free school meals")
    names.append("SEN support or EHC plan" if row["sen_provision"] in ("K", "E") else "No SEN")
    names.append("EAL" if row["eal"] else "English first language")
    return names


def results(survey: Survey, threshold: int, *, fsm: bool, today: dt.date | None = None) -> dict:
    """The response rate and, for each agree/disagree statement, the share agreeing overall and in each group
    (year then, FSM if ``fsm``, SEN, EAL), small counts hidden. No respondent is named. Three queries."""
    today = today or timezone.localdate()
    responded = SurveyResponse.objects.filter(survey=survey, pupil=OuterRef("pk"))
    roll = [
        row
        for row in roll_at(
            survey.school, survey.opens_on, survey.closes_on, today, ("fsm", "sen_provision", "eal"),
            responded=Exists(responded),
        )
        if survey.year_from <= row["year_then"] <= survey.year_to
    ]  # fmt: skip
    by_pupil = {row["pk"]: row for row in roll}
    questions = list(survey.questions.all())
    answers = SurveyAnswer.objects.filter(response__survey=survey, agreement__isnull=False).values_list(
        "question_id", "agreement", "response__pupil_id"
    )
    tally: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for question_id, agreement, pupil_id in answers:
        row = by_pupil.get(pupil_id)
        for group in ["All", *(_groups(row, fsm) if row else [])]:
            tally[(question_id, group)][0] += agreement >= AGREES
            tally[(question_id, group)][1] += 1
    group_names = sorted({g for row in roll for g in _groups(row, fsm)}, key=_group_order)
    statements = [
        {
            "question": q,
            "cells": [
                share(*tally[(q.pk, g)], threshold, "answers") if tally[(q.pk, g)][1] else "—"
                for g in ["All", *group_names]
            ],
        }
        for q in questions
        if q.kind == SurveyQuestion.Kind.AGREE
    ]
    answered = sum(1 for row in roll if row["responded"])
    words = "pupils on roll in the year groups asked" if survey.audience == Survey.Audience.PUPILS else "families asked"
    return {
        "rate": share(answered, len(roll), threshold, words),
        "groups": ["All", *group_names],
        "statements": statements,
        "free_text": [q for q in questions if q.kind == SurveyQuestion.Kind.TEXT],
    }


def _group_order(name: str) -> tuple[int, str]:
    return (0 if name.startswith(("Year", "Reception", "Nursery")) else 1, name)


def latest_closed(school, *, until: dt.date, since: dt.date | None = None) -> dict[str, Survey]:
    """The latest survey of each audience that closed by ``until`` (and on or after ``since``): one query for
    the surveys and one for their questions."""
    closed = Survey.objects.filter(school=school, archived_at__isnull=True, closes_on__lte=until)
    if since is not None:
        closed = closed.filter(closes_on__gte=since)
    found: dict[str, Survey] = {}
    for survey in closed.select_related("school").prefetch_related("questions").order_by("closes_on", "pk"):
        found[survey.audience] = survey  # the latest wins
    return found


def key_figures(survey: Survey, threshold: int, today: dt.date | None = None) -> tuple[str, str, str]:
    """(response rate, the key statement, the share agreeing with it) for the self-review. Three queries."""
    data = results(survey, threshold, fsm=False, today=today)
    key = next((s for s in data["statements"] if s["question"].is_key), None)
    if key is None:
        return data["rate"], "", "no key statement"
    agreeing = key["cells"][0] if key["cells"][0] != "—" else "no answers"
    return data["rate"], key["question"].text, agreeing
