"""Views for pupil and parent voice: the results page (figures only: a SIP opens it from the self-review),
writing a survey, entering paper responses, and answering in the portal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from pupils.models import Pupil
from schoolpl.access import get_object_for, school_view, scoped_to_school
from schoolpl.roles import Cap

from . import activities, selectors, voice
from .models import PortalLink, Survey, SurveyAnswer
from .voice_forms import AnswerForm, SurveyForm, paper_pupils

STAFF_PUPILS = (Cap.VIEW_PUPILS_OWN, Cap.VIEW_PUPILS_ALL)


def _surveys(request):
    return scoped_to_school(Survey.objects.filter(archived_at__isnull=True), request.access)


@school_view(Cap.DASHBOARD_SCHOOL, Cap.SELFREVIEW_READ)
def voice_results(request: HttpRequest) -> HttpResponse:
    """Every survey, and the chosen one's results by group. Figures only: no respondent is named; the words
    pupils and parents wrote are shown (unnamed) to those who see every pupil, never to a SIP."""
    surveys = list(_surveys(request).order_by("-opens_on", "-pk"))
    chosen = None
    if request.GET.get("survey"):
        chosen = next((s for s in surveys if str(s.pk) == request.GET["survey"]), None)
        if chosen is None:
            raise Http404("No such survey.")
    elif surveys:
        chosen = surveys[0]
    context = {
        "surveys": surveys,
        "chosen": chosen,
        "can_manage": activities.may_manage(request.access),
        "can_enter": request.access.can(*STAFF_PUPILS),
    }
    if chosen is not None:
        threshold = request.access.school.small_count_threshold
        context["results"] = voice.results(chosen, threshold, fsm=request.access.sees_fsm)
        if request.access.sees_all_pupils:
            context["comments"] = list(
                SurveyAnswer.objects.filter(response__survey=chosen, question__kind="text")
                .exclude(text="")
                .order_by("question__order", "?")
                .values_list("question__text", "text")
            )
    return render(request, "partnership/voice.html", context)


@school_view(*activities.MANAGE)
def survey_add(request: HttpRequest) -> HttpResponse:
    form = SurveyForm(request.POST or None, instance=Survey(school=request.access.school))
    if request.method == "POST" and form.is_valid():
        try:
            survey = voice.survey_create(
                survey=form.save(commit=False), questions_text=form.cleaned_data["questions"], user=request.user
            )
        except ValidationError as exc:
            form.add_error("questions", exc)
        else:
            messages.success(request, f"Survey “{survey.title}” saved.")
            return redirect(f"{_results_url()}?survey={survey.pk}")
    return render(request, "partnership/survey_form.html", {"form": form})


def _results_url() -> str:
    return reverse("partnership:voice")


@school_view(*STAFF_PUPILS)
def survey_enter(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a response given on paper, for a pupil the member of staff sees."""
    survey = get_object_for(_surveys(request), pk=pk)
    questions = survey.questions.all()
    pupils = paper_pupils(Pupil.objects.visible_to(request.access), survey)
    form = AnswerForm(request.POST or None, questions=questions, pupils=pupils)
    if request.method == "POST" and form.is_valid():
        try:
            voice.response_record(
                survey=survey, pupil=form.cleaned_data["pupil"], answers=form.answers(), user=request.user,
                on_paper=True,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Paper response entered. Enter the next one below.")
            return redirect("partnership:survey_enter", pk=survey.pk)
    return render(request, "partnership/survey_answer.html", {"survey": survey, "form": form, "staff": True})


@school_view(portal=True)
def portal_survey(request: HttpRequest, pk: int, pupil_pk: int) -> HttpResponse:
    """A pupil answers a pupil survey; a parent or carer a parent survey about their child. Once."""
    if not request.access.is_portal_user:
        raise PermissionDenied("The portal is for pupils and parents; staff enter paper responses.")
    pupil = selectors.get_portal_pupil(request.access, pupil_pk)
    kind = selectors.portal_kind(request.access)
    wanted = Survey.Audience.PUPILS if kind == PortalLink.Kind.PUPIL else Survey.Audience.PARENTS
    survey = get_object_for(
        _surveys(request).filter(audience=wanted, year_from__lte=pupil.year_group, year_to__gte=pupil.year_group),
        pk=pk,
    )
    answered = survey.responses.filter(pupil=pupil).exists()
    if not voice.is_open(survey) or answered:
        return render(
            request,
            "partnership/survey_answer.html",
            {"survey": survey, "closed": True, "answered": answered, "pupil": pupil},
        )
    form = AnswerForm(request.POST or None, questions=survey.questions.all())
    if request.method == "POST" and form.is_valid():
        try:
            voice.response_record(survey=survey, pupil=pupil, answers=form.answers(), user=request.user, on_paper=False)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Thank you: your answers were sent to the school.")
        return redirect("partnership:portal_pupil", pk=pupil.pk)
    return render(request, "partnership/survey_answer.html", {"survey": survey, "form": form, "pupil": pupil})
