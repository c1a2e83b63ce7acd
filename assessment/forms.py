from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms

from .importing import result_problem
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
        self.fields["grade"].help_text = (
            "A level on the subject's scale (2b), or a result from 2016 on: a scaled score (104), a teacher-"
            "assessment code (EXS, GDS, WTS, PK1–PK6) or HNM. Results from 2016 on get points on their own scale."
        )

    def clean(self):
        """A result must have points on the subject's scale or on a post-2014 scale (or be a status such as A)."""
        data = super().clean()
        needed = ("subject", "key_stage", "year", "method", "grade")
        if all(data.get(name) not in (None, "") for name in needed):
            why = result_problem(data["subject"], data["key_stage"], data["year"], data["method"], data["grade"])
            if why:
                self.add_error("grade", f"{why}.")
        return data


class ObjectiveForm(_NoTagForm):
    title = forms.CharField(label="We are learning to…", max_length=200)
    taught_on = forms.DateField(label="Taught on", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
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


class _IntListField(forms.Field):
    """Several integers under one name (ticked checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError("Those criteria could not be read; reload the page.") from exc


class PupilAssessForm(forms.Form):
    """One part of a pupil's assessment page as the page sends it: a focus (its grade and the criteria met) or
    the overall judgement (no focus), with the version the teacher saw."""

    focus = forms.IntegerField(min_value=1, required=False)
    grade = forms.CharField(max_length=20, required=False, strip=True)
    version = forms.IntegerField(min_value=0)
    criteria = _IntListField(required=False)


class SchoolScaleForm(_NoTagForm):
    code = forms.SlugField(
        max_length=40, help_text="A short name without spaces, e.g. wt-exp-gd. It cannot be changed later."
    )
    name = forms.CharField(max_length=100, help_text="e.g. Working towards / expected / greater depth.")
    steps = forms.CharField(
        label="Steps, lowest first",
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "Working towards, 1\nExpected, 2\nGreater depth, 3"}),
        help_text="One step a line: the label, a comma, then its points, e.g. “Working towards, 1”. "
        "Points must go up from each line to the next.",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "The code cannot be changed: subjects refer to the scale by it."

    def clean_steps(self) -> list[tuple[str, float]]:
        steps, errors = [], []
        for number, line in enumerate(self.cleaned_data["steps"].splitlines(), start=1):
            if not line.strip():
                continue
            label, comma, points = line.rpartition(",")
            if not comma or not label.strip():
                errors.append(f"Line {number} (“{line.strip()}”) needs a label, a comma and its points.")
                continue
            try:
                value = float(points.strip())
            except ValueError:
                errors.append(f"Line {number}: “{points.strip()}” is not a number of points.")
                continue
            if len(label.strip()) > 20:
                errors.append(f"Line {number}: keep labels to 20 characters (“{label.strip()}” is longer).")
                continue
            steps.append((label.strip(), value))
        if errors:
            raise forms.ValidationError(errors)
        if len(steps) < 2:
            raise forms.ValidationError("A scale needs at least two steps.")
        return steps


def steps_text(steps) -> str:
    """A scale's steps as the textarea shows them: one “label, points” a line."""
    return "\n".join(f"{label}, {float(points):g}" for label, points in steps)


class SubjectScaleForm(_NoTagForm):
    subject = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    scale_code = forms.ChoiceField(label="Scale")

    def __init__(self, *args, scale_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scale_code"].choices = scale_choices
