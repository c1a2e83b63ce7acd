"""Forms for pupil and parent voice: writing a survey, and answering it (in the portal or entered from paper)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms

from pupils import codes

from .models import Survey, SurveyQuestion
from .voice import AGREE_CHOICES

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


class SurveyForm(forms.ModelForm):
    year_from = forms.TypedChoiceField(choices=codes.YEAR_GROUPS, coerce=int, label="From year group", initial=1)
    year_to = forms.TypedChoiceField(choices=codes.YEAR_GROUPS, coerce=int, label="To year group", initial=6)
    questions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One statement a line, answered from strongly agree to strongly disagree. Start a line with"
        " “Text:” for a question answered in words, and with “*” for the key statement reported in the"
        " self-review (otherwise the first statement is).",
    )

    class Meta:
        model = Survey
        fields = ["title", "audience", "year_from", "year_to", "opens_on", "closes_on", "introduction"]
        widgets = {"opens_on": DATE, "closes_on": DATE, "introduction": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", "The survey closes on or after the day it opens.")
        if (
            data.get("year_from") is not None
            and data.get("year_to") is not None
            and data["year_to"] < data["year_from"]
        ):
            self.add_error("year_to", "Choose a year group from the first one onwards.")
        return data


class AnswerForm(forms.Form):
    """One field per question: ``q<id>``."""

    def __init__(self, *args, questions, pupils=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pupils is not None:
            self.fields["pupil"] = forms.ModelChoiceField(queryset=pupils, label="Pupil whose paper form this is")
        for q in questions:
            if q.kind == SurveyQuestion.Kind.AGREE:
                self.fields[f"q{q.pk}"] = forms.TypedChoiceField(
                    choices=AGREE_CHOICES, coerce=int, required=False, label=q.text, widget=forms.RadioSelect
                )
            else:
                self.fields[f"q{q.pk}"] = forms.CharField(
                    max_length=1000, required=False, label=q.text, widget=forms.Textarea(attrs={"rows": 2})
                )
        self.questions = list(questions)
        self.helper = _helper()

    def answers(self) -> dict[int, object]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}


def paper_pupils(visible, survey: Survey):
    """The pupils a member of staff may enter a paper response for: those they see, in the years asked, with
    no response yet."""
    return (
        visible.on_roll()
        .filter(year_group__gte=survey.year_from, year_group__lte=survey.year_to)
        .exclude(survey_responses__survey=survey)
        .order_by("year_group", "form", "legal_surname", "legal_forename")
    )
