"""Forms for interventions and the needs assessment. They validate and normalise; services save."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms

from assessment.models import Subject
from pupils import codes
from pupils.models import TeachingGroup
from schoolpl.models import AssessmentWindow, User
from targets.models import CurricularTarget

from .models import ImpactJudgement, NeedArea, Programme, ProvisionStaff, Stage, Wave
from .services import normalise_aim

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class _Crispy:
    def _helper(self):
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class StaffField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class OneStaffField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


def school_staff(school):
    return User.objects.filter(memberships__school=school, memberships__is_active=True).distinct()


class ProgrammeForm(_Crispy, forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "name",
            "wave",
            "need_area",
            "subject",
            "group_size",
            "sessions_per_week",
            "session_minutes",
            "length_weeks",
            "cost_basis",
            "unit_cost",
            "description",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = Subject.objects.filter(school=school)
        self._helper()


class ProvisionForm(_Crispy, forms.Form):
    programme = forms.ModelChoiceField(queryset=Programme.objects.none())
    name = forms.CharField(max_length=120, help_text="For example 'Year 3 reading group A'.")
    start_date = forms.DateField(widget=DATE)
    end_date = forms.DateField(widget=DATE)
    staff = StaffField(queryset=User.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 6}))
    staff_role = forms.ChoiceField(
        label="Their role in the provision", choices=ProvisionStaff.Role.choices, initial=ProvisionStaff.Role.TA
    )
    targets = forms.ModelMultipleChoiceField(
        label="Targets it serves",
        queryset=CurricularTarget.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, school, pupil_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(school=school, is_active=True)
        self.fields["staff"].queryset = school_staff(school)
        targets = CurricularTarget.objects.filter(school=school, status=CurricularTarget.Status.ACTIVE)
        if pupil_ids:
            targets = targets.filter(pupil_id__in=list(pupil_ids)) | targets.filter(level="school")
        self.fields["targets"].queryset = targets.distinct()
        self._helper()

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "The end date must be on or after the start date.")
        return data


class AddPupilForm(forms.Form):
    pupil = forms.ModelChoiceField(queryset=None)
    joined_on = forms.DateField(widget=DATE)

    def __init__(self, *args, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils


class LeaveForm(forms.Form):
    left_on = forms.DateField(widget=DATE)
    reason = forms.CharField(max_length=200, required=False)


class SessionForm(_Crispy, forms.Form):
    date = forms.DateField(widget=DATE)
    stage = forms.ChoiceField(label="Teaching-sequence stage covered", choices=Stage.choices)
    minutes = forms.IntegerField(min_value=5, max_value=240)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    present = forms.MultipleChoiceField(
        label="Present", required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(str(p.pupil_id), p.pupil.display_name) for p in places]
        self._helper()


class ImpactForm(forms.Form):
    """Entry and exit points for one pupil's place (blank keeps the one taken from assessments)."""

    entry_points = forms.FloatField(required=False, min_value=0, max_value=150)
    entry_on = forms.DateField(required=False, widget=DATE)
    exit_points = forms.FloatField(required=False, min_value=0, max_value=150)
    exit_on = forms.DateField(required=False, widget=DATE)
    entry_age_months = forms.IntegerField(
        label="Reading/spelling age at entry (months)", required=False, min_value=0, max_value=300
    )
    exit_age_months = forms.IntegerField(
        label="Reading/spelling age at exit (months)", required=False, min_value=0, max_value=300
    )

    def clean(self):
        data = super().clean()
        for kind in ImpactJudgement.Kind.values:
            if (data.get(f"{kind}_points") is None) != (data.get(f"{kind}_on") is None):
                self.add_error(f"{kind}_on", "Give both the points and the date, or neither.")
        return data


class FollowUpForm(_Crispy, forms.Form):
    learned = forms.CharField(
        label="What the pupil learned, for the class teacher to build on",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ClassroomNoteForm(forms.Form):
    note = forms.CharField(
        label="How you followed it up in class", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class MapFilterForm(forms.Form):
    window = forms.ModelChoiceField(label="Term", queryset=AssessmentWindow.objects.none(), required=False)
    wave = forms.TypedChoiceField(
        choices=[("", "All waves"), *Wave.choices], coerce=int, required=False, empty_value=None
    )
    area = forms.ChoiceField(label="Need area", choices=[("", "All areas"), *NeedArea.choices], required=False)
    need = forms.ChoiceField(label="Pupil's primary need", choices=[("", "Any"), *codes.PRIMARY_NEED], required=False)
    group = forms.ModelChoiceField(label="Teaching group", queryset=TeachingGroup.objects.none(), required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window"].queryset = AssessmentWindow.objects.filter(school=school).order_by("-start_date")
        self.fields["group"].queryset = TeachingGroup.objects.filter(school=school).select_related("academic_year")


class CharacteristicForm(forms.Form):
    name = forms.CharField(max_length=80)
    description = forms.CharField(max_length=300, required=False)


class QuestionForm(forms.Form):
    text = forms.CharField(label="Question", max_length=200)
    scale = forms.BooleanField(
        label="Answered with a number from 0 to 10",
        required=False,
        help_text="Left unticked, a question that asks “from 0 to 10” is still answered with a number.",
    )

    def clean_scale(self) -> bool | None:
        return True if self.cleaned_data.get("scale") else None  # None: decided from the question's words


class ScoreCardForm(forms.Form):
    """A field per characteristic and view, 0–10; blank means that view was not given."""

    taken_on = forms.DateField(label="Date", widget=DATE)
    referred = forms.BooleanField(label="Referred for additional support", required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    VIEWS = (("professional", "Professional"), ("pupil", "Pupil"), ("parent", "Parent"))

    def __init__(self, *args, characteristics, **kwargs):
        super().__init__(*args, **kwargs)
        self.characteristics = list(characteristics)
        for c in self.characteristics:
            for key, label in self.VIEWS:
                self.fields[f"c{c.pk}_{key}"] = forms.IntegerField(
                    label=f"{c.name}: {label.lower()}'s view", min_value=0, max_value=10, required=False
                )

    def rows(self):
        return [(c, [self[f"c{c.pk}_{key}"] for key, _ in self.VIEWS]) for c in self.characteristics]

    def ratings(self) -> dict[int, tuple]:
        data = self.cleaned_data
        out = {}
        for c in self.characteristics:
            views = tuple(data.get(f"c{c.pk}_{key}") for key, _ in self.VIEWS)
            if any(v is not None for v in views):
                out[c.pk] = views
        return out


class JournalForm(forms.Form):
    written_on = forms.DateField(widget=DATE)
    reviewed_with = OneStaffField(label="Reviewed with (tutor)", queryset=User.objects.none(), required=False)
    reviewed_on = forms.DateField(required=False, widget=DATE)
    next_steps = forms.CharField(label="Agreed next steps", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, school, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.fields["reviewed_with"].queryset = school_staff(school)
        for q in self.questions:
            if q.scale:  # a 0–10 question: a whole number, validated here
                self.fields[f"q{q.pk}"] = forms.IntegerField(
                    label=q.text, required=False, min_value=0, max_value=10, help_text="A number from 0 to 10."
                )
            else:
                self.fields[f"q{q.pk}"] = forms.CharField(
                    label=q.text, required=False, widget=forms.Textarea(attrs={"rows": 2})
                )

    def answers(self) -> dict[int, str | int | None]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}", "") for q in self.questions}


class AimForm(_Crispy, forms.Form):
    blockers = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    enablers = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    aim = forms.CharField(
        label="Learning-potential aim",
        max_length=300,
        help_text="Start with 'to…', e.g. 'to experience success in sport'.",
    )

    def clean_aim(self):
        try:
            return normalise_aim(self.cleaned_data["aim"])
        except forms.ValidationError as exc:
            # The service keys its error by field ("aim"); inside clean_aim it must be this field's plain
            # message, or Django's add_error raises a TypeError (a 500 instead of the message).
            raise forms.ValidationError(exc.messages) from None
