from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms

from .models import Criterion, Focus, TransitionalResult


class _NoTagForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class CellForm(forms.Form):
    """One grid cell as the page sends it: the pupil, the focus (empty for overall), the grade and the version
    the teacher saw."""

    pupil = forms.IntegerField(min_value=1)
    focus = forms.IntegerField(min_value=1, required=False)
    grade = forms.CharField(max_length=20, required=False, strip=True)
    version = forms.IntegerField(min_value=0)


class CsvUploadForm(_NoTagForm):
    file = forms.FileField(label="CSV file", help_text="UTF-8 CSV with a header row.")
    replace = forms.BooleanField(
        required=False, label="Replace the statements of the focuses in the file (otherwise they are added)"
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2_000_000:
            raise forms.ValidationError("The file is larger than 2 MB.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.") from exc


class TransitionCsvForm(_NoTagForm):
    file = forms.FileField(label="CSV file", help_text="Columns: upn, subject, key_stage, year, method, result.")

    clean_file = CsvUploadForm.clean_file


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["level", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class TransitionalResultForm(_NoTagForm):
    pupil = forms.ModelChoiceField(queryset=None)
    subject = forms.ModelChoiceField(queryset=None)
    key_stage = forms.ChoiceField(choices=[(k, k) for k in ("KS1", "KS2", "KS3", "KS4")])
    year = forms.IntegerField(min_value=1990, max_value=2100)
    method = forms.ChoiceField(choices=TransitionalResult.Method.choices)
    grade = forms.CharField(label="Result", max_length=20)

    def __init__(self, *args, pupils, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils
        self.fields["subject"].queryset = subjects


class ObjectiveForm(_NoTagForm):
    title = forms.CharField(label="We are learning to…", max_length=200)
    taught_on = forms.DateField(label="Taught on", widget=forms.DateInput(attrs={"type": "date"}))
    focus = forms.ModelChoiceField(queryset=Focus.objects.none(), required=False, label="Assessment focus (optional)")
    criteria = forms.CharField(
        label="Success criteria", widget=forms.Textarea(attrs={"rows": 4}), help_text="One per line."
    )

    def __init__(self, *args, focuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focus"].queryset = focuses

    def clean_criteria(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["criteria"].splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError("Add at least one success criterion.")
        if any(len(line) > 200 for line in lines):
            raise forms.ValidationError("Keep each success criterion under 200 characters.")
        return lines
