"""Needs assessment: the school's success characteristics and journal questions, score cards (professional,
pupil and parent) against the baseline, learning journals and learning-potential aims."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from pupils.models import Pupil
from schoolpl.access import get_object_for, school_view
from schoolpl.exports import table_response
from schoolpl.roles import Cap

from .. import forms, selectors, services
from ..impact import change_from_baseline
from ..models import (
    FollowUp,
    JournalEntry,
    JournalQuestion,
    LearningAim,
    ProvisionPupil,
    ScoreCard,
    SuccessCharacteristic,
)
from .common import EDIT, READ_ALL, READ_OWN, form_errors


@school_view(EDIT)
def needs_settings(request: HttpRequest) -> HttpResponse:
    school = request.access.school
    char_form = forms.CharacteristicForm(request.POST if "add_characteristic" in request.POST else None)
    question_form = forms.QuestionForm(request.POST if "add_question" in request.POST else None)
    if request.method == "POST":
        try:
            if char_form.is_bound and char_form.is_valid():
                order = SuccessCharacteristic.objects.filter(school=school).count()
                services.characteristic_create(school=school, order=order, **char_form.cleaned_data)
                messages.success(request, "Success characteristic added.")
                return redirect("interventions:needs_settings")
            if question_form.is_bound and question_form.is_valid():
                order = JournalQuestion.objects.filter(school=school).count()
                services.journal_question_create(school=school, order=order, **question_form.cleaned_data)
                messages.success(request, "Journal question added.")
                return redirect("interventions:needs_settings")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    context = {
        "characteristics": SuccessCharacteristic.objects.filter(school=school),
        "questions": JournalQuestion.objects.filter(school=school),
        "char_form": char_form,
        "question_form": question_form,
    }
    return render(request, "interventions/needs_settings.html", context)


@school_view(EDIT, READ_ALL, READ_OWN)
def score_card_summary(request: HttpRequest) -> HttpResponse:
    characteristics, rows = selectors.score_card_summary(request.access)
    if request.GET.get("format") in {"csv", "xlsx"}:
        headers = [
            "Pupil",
            "Year",
            "Baseline date",
            "Latest date",
            *[c.name for c in characteristics],
            "Average",
            "Change from baseline",
        ]
        data = [
            [
                r.pupil.display_name,
                r.pupil.year_label,
                r.baseline.card.taken_on,
                r.latest.card.taken_on,
                *[r.latest.by_characteristic.get(c.pk) for c in characteristics],
                r.latest.average,
                r.change,
            ]
            for r in rows
        ]
        return table_response(request.GET["format"], "Score card summary", headers, data)
    table = [(r, [r.latest.by_characteristic.get(c.pk) for c in characteristics]) for r in rows]
    return render(
        request,
        "interventions/score_card_summary.html",
        {"characteristics": characteristics, "table": table, "can_edit": request.access.can(EDIT)},
    )


def _pupil(request, pk) -> Pupil:
    return get_object_for(selectors.pupils_for(request.access), pk=pk)


@school_view(EDIT, READ_ALL, READ_OWN)
def pupil_needs(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil's score cards over time (change from the baseline), learning journal, aims and provision."""
    pupil = _pupil(request, pk)
    characteristics = list(SuccessCharacteristic.objects.filter(school=request.access.school))
    cards = selectors.card_views(list(ScoreCard.objects.filter(pupil=pupil).order_by("taken_on", "pk")))
    baseline = cards[0] if cards else None
    card_table = []
    for c in characteristics:
        cells = [(v.views.get(c.pk), v.by_characteristic.get(c.pk)) for v in cards]
        change = None
        if len(cards) > 1:
            change = change_from_baseline(baseline.by_characteristic, cards[-1].by_characteristic).get(c.pk)
        if any(avg is not None for _, avg in cells):
            card_table.append((c, cells, change))
    overall_change = (
        round(cards[-1].average - baseline.average, 2)
        if len(cards) > 1 and None not in (cards[-1].average, baseline.average)
        else None
    )
    places = list(
        ProvisionPupil.objects.filter(pupil=pupil).select_related("provision__programme").order_by("-joined_on")
    )
    context = {
        "pupil": pupil,
        "cards": cards,
        "card_table": card_table,
        "overall_change": overall_change,
        "journal": JournalEntry.objects.filter(pupil=pupil).select_related("question", "reviewed_by"),
        "aims": LearningAim.objects.filter(pupil=pupil),
        "impacts": selectors.place_impacts(places),
        "follow_ups": FollowUp.objects.filter(place__pupil=pupil).select_related(
            "place__provision__programme", "followed_up_by"
        ),
        "can_edit": request.access.can(EDIT),
        "can_follow_up": request.access.can(EDIT, Cap.ADD_FOLLOW_UP),
    }
    return render(request, "interventions/pupil_needs.html", context)


@school_view(EDIT)
def score_card_create(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    school = request.access.school
    characteristics = SuccessCharacteristic.objects.filter(school=school, is_active=True)
    form = forms.ScoreCardForm(
        request.POST or None, characteristics=characteristics, initial={"taken_on": selectors.today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.score_card_create(
                school=school,
                pupil=pupil,
                taken_on=form.cleaned_data["taken_on"],
                ratings=form.ratings(),
                referred=form.cleaned_data["referred"],
                notes=form.cleaned_data["notes"],
                by=request.user,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Score card saved.")
            return redirect("interventions:pupil_needs", pk=pupil.pk)
    return render(request, "interventions/score_card_form.html", {"form": form, "pupil": pupil})


@school_view(EDIT)
def journal_create(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    school = request.access.school
    form = forms.JournalForm(
        request.POST or None,
        school=school,
        questions=JournalQuestion.objects.filter(school=school, is_active=True),
        initial={"written_on": selectors.today()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.journal_entries_create(
                school=school,
                pupil=pupil,
                written_on=data["written_on"],
                answers=form.answers(),
                reviewed_by=data["reviewed_with"],
                reviewed_on=data["reviewed_on"],
                next_steps=data["next_steps"],
                by=request.user,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Learning journal saved.")
            return redirect("interventions:pupil_needs", pk=pupil.pk)
    return render(request, "interventions/journal_form.html", {"form": form, "pupil": pupil})


@school_view(EDIT)
def aim_create(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    form = forms.AimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.learning_aim_create(
                school=request.access.school,
                pupil=pupil,
                created_on=selectors.today(),
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Learning-potential aim saved.")
            return redirect("interventions:pupil_needs", pk=pupil.pk)
    return render(request, "interventions/aim_form.html", {"form": form, "pupil": pupil})
