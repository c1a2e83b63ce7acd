from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms

from .annex import PHASES, RATING_SCALE
from .models import AnnexItem, Focus, Judgement, Observation

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReviewCreateForm(forms.Form):
    title = forms.CharField(max_length=200, initial="Self-review against the nine features")
    academic_year_label = forms.CharField(label="Academic year", max_length=20, help_text="For example 2025/26.")
    phase_1_date = forms.DateField(label="Phase 1 date", required=False, widget=DATE_WIDGET)
    phase_2_date = forms.DateField(label="Phase 2 date", required=False, widget=DATE_WIDGET)
    phase_3_date = forms.DateField(label="Phase 3 date", required=False, widget=DATE_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def phase_dates(self):
        return tuple(self.cleaned_data.get(f"phase_{p}_date") for p in PHASES)


class PhaseDatesForm(forms.Form):
    phase_1_date = forms.DateField(label="Phase 1 date", required=False, widget=DATE_WIDGET)
    phase_2_date = forms.DateField(label="Phase 2 date", required=False, widget=DATE_WIDGET)
    phase_3_date = forms.DateField(label="Phase 3 date", required=False, widget=DATE_WIDGET)
    action_weeks = forms.IntegerField(
        label="Weeks to act on a flag (2c)", min_value=1, max_value=26, required=False, widget=forms.NumberInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def dates(self) -> dict:
        return {p: self.cleaned_data.get(f"phase_{p}_date") for p in PHASES}


class RatingCellForm(forms.Form):
    """One cell of the annex grid: an item's rating, notes and evidence links in one phase."""

    item = forms.ModelChoiceField(queryset=AnnexItem.objects.all())
    phase = forms.TypedChoiceField(choices=[(p, p) for p in PHASES], coerce=int)
    rating = forms.TypedChoiceField(
        choices=[("", "Not rated"), *RATING_SCALE], coerce=int, empty_value=None, required=False
    )
    notes = forms.CharField(required=False, max_length=4000)
    evidence_links = forms.CharField(required=False, max_length=4000)
    version = forms.IntegerField(min_value=0)


# --- lesson observations and learning walks --------------------------------------------------------------------

FOCUS_CHOICES = [("", "Not a focus this time"), *Judgement.choices]


def focus_field_name(code: str) -> str:
    return f"focus_{code}"


class StaffChoiceField(forms.TypedChoiceField):
    """A member of staff from a list read once (the observer and the teacher share it: one query)."""

    def __init__(self, *, staff, **kwargs):
        by_pk = {user.pk: user for user in staff}
        choices = [("", "---------"), *[(user.pk, user.display_name) for user in by_pk.values()]]
        super().__init__(choices=choices, coerce=lambda value: by_pk[int(value)], empty_value=None, **kwargs)


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.get_subject_display()}, {obj.academic_year.name})"


class ObservationForm(forms.ModelForm):
    """An observation with a judgement for each focus it looked at (``focus_1c`` …)."""

    class Meta:
        model = Observation
        fields = ["kind", "date", "observer", "group", "teacher", "strengths", "next_steps"]
        widgets = {
            "date": DATE_WIDGET,
            "strengths": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"next_steps": "Next steps"}
        field_classes = {"group": GroupChoiceField}

    def __init__(self, *args, school, staff, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        staff = list(staff)
        self.fields["observer"] = StaffChoiceField(staff=staff, label="Observer")
        self.fields["teacher"] = StaffChoiceField(staff=staff, label="Teacher observed", required=False)
        self.fields["group"].queryset = groups
        self.fields["group"].help_text = "The class or set observed; choose a teacher as well, or instead."
        judged = {f.focus: f.judgement for f in self.instance.focuses.all()} if self.instance.pk else {}
        for focus in Focus:
            self.fields[focus_field_name(focus.value)] = forms.ChoiceField(
                label=f"{focus.label} ({focus.value})",
                choices=FOCUS_CHOICES,
                required=False,
                initial=judged.get(focus.value, ""),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("The visit", "kind", "date", "observer", "group", "teacher"),
            Fieldset(
                "What it looked at: a judgement for each focus (annex item in brackets)",
                *[focus_field_name(f.value) for f in Focus],
            ),
            Fieldset("Feedback", "strengths", "next_steps"),
        )

    def clean(self):
        data = super().clean()
        if not data.get("group") and not data.get("teacher"):
            self.add_error("group", "Choose the class or set, the teacher observed, or both.")
        if not any(data.get(focus_field_name(f.value)) for f in Focus):
            self.add_error(None, "Give a judgement for at least one focus.")
        return data

    def focuses(self) -> dict[str, str]:
        return {f.value: self.cleaned_data.get(focus_field_name(f.value)) or "" for f in Focus}

    def observation_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ObservationFilterForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="To", required=False, widget=DATE_WIDGET)
    kind = forms.ChoiceField(label="Kind", choices=[("", "Any"), *Observation.Kind.choices], required=False)
    focus = forms.ChoiceField(label="Focus", choices=[("", "Any"), *Focus.choices], required=False)
    judgement = forms.ChoiceField(label="Judged", choices=[("", "Any"), *Judgement.choices], required=False)

    field_order = ["date_from", "date_to", "teacher", "kind", "focus", "judgement"]

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"] = StaffChoiceField(staff=staff, label="Teacher observed", required=False)
        self.order_fields(self.field_order)
