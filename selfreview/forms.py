from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms

from .annex import PHASES, RATING_SCALE
from .models import AnnexItem

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
