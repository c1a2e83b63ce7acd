"""Forms for targets: they validate and normalise; services do the writing."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.utils import timezone

from assessment.scales import PSCALE_LABELS
from pupils import codes
from schoolpl.forms import DateInput

from . import expectations, pscale, trajectory
from .models import CurricularTarget, PupilTarget, TargetSettings


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


#: The P-scale settings, optional on the form: a field left out keeps the school's saved value (except the
#: rate, where empty means "use the national quartile").
_PSCALE_FIELDS = ("pscale_points_per_year", "pscale_quartile", "pscale_behind_steps", "pscale_well_behind_steps")


def _pscale_point_field(index: int) -> str:
    return f"pscale_points_{index}"


class TargetSettingsForm(forms.ModelForm):
    """The ambition policy and flag thresholds, and the rule for pupils working below level 1: the school's
    P-scale points (one field per step, P1(i) … P8), its own rate or a national quartile, and behind / well
    behind in P-scale steps."""

    class Meta:
        model = TargetSettings
        fields = [
            "policy",
            "expected_points_per_year",
            "stretch_points",
            "percentile",
            "min_history",
            "ahead_by",
            "behind_by",
            "well_behind_by",
            "stuck_windows",
            *_PSCALE_FIELDS,
        ]
        labels = {
            "expected_points_per_year": "Expected progress (points a year)",
            "stretch_points": "Stretch (points)",
            "percentile": "Percentile of similar pupils",
            "min_history": "Fewest past pupils for a percentile estimate",
            "ahead_by": "Ahead when this many points or more above the expected line",
            "behind_by": "Behind when this many points or more below the expected line (2 = one sub-level)",
            "well_behind_by": "Well behind when this many points or more below the expected line (4 = two sub-levels)",
            "stuck_windows": "Stuck: no gain over this many consecutive windows (3 = a school year of terms)",
            "pscale_points_per_year": "P-scale pupils' expected progress (points a year; empty = national quartile)",
            "pscale_quartile": "National progression quartile for P-scale pupils",
            "pscale_behind_steps": "P-scale pupils: behind when this many P-scale steps or more below their line",
            "pscale_well_behind_steps": "P-scale pupils: well behind when this many P-scale steps or more below",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
        saved = list(self.instance.pscale_points or pscale.DEFAULT_PSCALE_POLICY.points)
        for index, label in enumerate(PSCALE_LABELS):
            self.fields[_pscale_point_field(index)] = forms.FloatField(
                label=f"{label} points",
                required=False,
                min_value=0,
                initial=saved[index] if index < len(saved) else None,
            )
        for name in _PSCALE_FIELDS:
            self.fields[name].required = False
        self.helper.layout = Layout(
            *self.Meta.fields[: -len(_PSCALE_FIELDS)],
            Fieldset(
                "Pupils working below level 1 (P-scales)",
                *_PSCALE_FIELDS,
                Div(*(_pscale_point_field(i) for i in range(len(PSCALE_LABELS))), css_id="pscale-points"),
            ),
        )

    def clean(self):
        data = super().clean()
        try:
            trajectory.Thresholds(
                ahead_by=data.get("ahead_by", 2.0),
                behind_by=data.get("behind_by", 2.0),
                well_behind_by=data.get("well_behind_by", 4.0),
                stuck_windows=data.get("stuck_windows", 3),
            )
        except (ValueError, TypeError) as exc:
            raise forms.ValidationError(str(exc)) from exc
        self._clean_pscale(data)
        return data

    def _clean_pscale(self, data: dict) -> None:
        """Fill what was left out from the saved settings, then check the whole P-scale rule."""
        saved = self.instance
        for name in ("pscale_quartile", "pscale_behind_steps", "pscale_well_behind_steps"):
            if data.get(name) in (None, ""):
                data[name] = getattr(saved, name)
        stored = list(saved.pscale_points or pscale.DEFAULT_PSCALE_POLICY.points)
        points = []
        for index in range(len(PSCALE_LABELS)):
            value = data.pop(_pscale_point_field(index), None)
            points.append(float(value) if value is not None else float(stored[index]))
        data["pscale_points"] = points
        try:
            pscale.PScalePolicy(
                points=tuple(points),
                points_per_year=data.get("pscale_points_per_year"),
                quartile=int(data["pscale_quartile"]),
                behind_steps=data["pscale_behind_steps"],
                well_behind_steps=data["pscale_well_behind_steps"],
            )
        except (ValueError, TypeError) as exc:
            raise forms.ValidationError(str(exc)) from exc

    def settings_values(self) -> dict:
        """The cleaned settings, ready for ``services.target_settings_update``."""
        return {name: self.cleaned_data[name] for name in (*self.Meta.fields, "pscale_points")}


class AdjustTargetForm(forms.Form):
    target_points = forms.FloatField(label="Target (points)", min_value=0, max_value=200)
    target_date = forms.DateField(label="By", widget=DateInput(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class PupilTargetForm(forms.Form):
    """A pupil's curricular target, with the pupil's own words."""

    text = forms.CharField(label="Target", max_length=300)
    pupil_words = forms.CharField(
        label="In the pupil's own words", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    agreed_with_pupil = forms.BooleanField(label="Agreed with the pupil", required=False)
    shared_with_parents = forms.BooleanField(label="Shared with parents or carers", required=False)
    term = forms.ChoiceField(label="Term", choices=CurricularTarget.Term.choices, initial=CurricularTarget.Term.SHORT)
    subject = forms.ModelChoiceField(label="Subject", queryset=None, required=False)
    serves = forms.ModelChoiceField(
        label="Serves the numeric target",
        queryset=None,
        required=False,
        help_text="The pupil's long-term target this one helps them reach (same subject).",
    )
    parent = forms.ModelChoiceField(label="Derived from", queryset=None, required=False)
    review_date = forms.DateField(label="Review by", widget=DateInput(), required=False)

    def __init__(self, *args, subjects=None, parents=None, numeric=None, **kwargs):
        """``numeric``: the pupil's current numeric targets (a queryset), given ``target_grade`` by
        ``selectors.label_targets`` on the ``labelled`` list passed with it when there is one."""
        labelled = kwargs.pop("labelled", ())
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        self.fields["serves"].queryset = numeric if numeric is not None else PupilTarget.objects.none()
        grades = {t.pk: getattr(t, "target_grade", "") for t in labelled}
        self.fields["serves"].label_from_instance = lambda t: (
            f"{t.subject.name}: target {grades.get(t.pk) or f'{t.target_points:g} points'} by {t.target_date:%b %Y}"
        )
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = lambda t: f"{t.get_level_display()}: {t.text}"
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("agreed_with_pupil") and not (data.get("pupil_words") or "").strip():
            self.add_error("pupil_words", "Write down what the pupil said before marking it agreed.")
        serves, subject = data.get("serves"), data.get("subject")
        if serves is not None and subject is None:
            data["subject"] = serves.subject
        elif serves is not None and serves.subject_id != subject.pk:
            self.add_error("serves", f"That numeric target is in {serves.subject.name}: choose the same subject.")
        return data


class CurricularTargetForm(forms.Form):
    """A whole-school target, or a target derived from another one (level chosen)."""

    level = forms.ChoiceField(label="Level", choices=CurricularTarget.Level.choices)
    term = forms.ChoiceField(label="Term", choices=CurricularTarget.Term.choices)
    text = forms.CharField(label="Target", max_length=300)
    subject = forms.ModelChoiceField(label="Subject", queryset=None, required=False)
    focuses = forms.ModelMultipleChoiceField(label="Assessment focuses", queryset=None, required=False)
    year_group = forms.TypedChoiceField(
        label="Year group", choices=[("", "—"), *codes.YEAR_GROUPS], coerce=int, required=False, empty_value=None
    )
    teaching_group = forms.ModelChoiceField(label="Class or set", queryset=None, required=False)
    group_pupils = forms.ModelMultipleChoiceField(label="Pupils in the group", queryset=None, required=False)
    pupil = forms.ModelChoiceField(label="Pupil", queryset=None, required=False)
    pupil_words = forms.CharField(
        label="In the pupil's own words", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    agreed_with_pupil = forms.BooleanField(label="Agreed with the pupil", required=False)
    review_date = forms.DateField(label="Review by", widget=DateInput(), required=False)

    def __init__(self, *args, subjects=None, focuses=None, groups=None, pupils=None, levels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        self.fields["focuses"].queryset = focuses
        self.fields["focuses"].label_from_instance = lambda f: f"{f.subject.name} {f.code} {f.name}"
        self.fields["teaching_group"].queryset = groups
        self.fields["group_pupils"].queryset = pupils
        self.fields["pupil"].queryset = pupils
        if levels is not None:
            self.fields["level"].choices = [c for c in CurricularTarget.Level.choices if c[0] in levels]
        self.helper = _helper()


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(label="Reviewed on", widget=DateInput())
    outcome = forms.ChoiceField(label="Outcome", choices=CurricularTarget.Status.choices)
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    pupil_comment = forms.CharField(
        label="What the pupil said", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"reviewed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class GroupProposalForm(forms.Form):
    """Turn a shared weakness of a class into a group target for the pupils who share it."""

    focus = forms.IntegerField(widget=forms.HiddenInput())
    text = forms.CharField(label="Group target", max_length=300)
    term = forms.ChoiceField(label="Term", choices=CurricularTarget.Term.choices, initial=CurricularTarget.Term.MEDIUM)
    review_date = forms.DateField(label="Review by", widget=DateInput(), required=False)


class AgeRelatedExpectationForm(forms.Form):
    """Set the school's own age-related expectation for a year group at a term (one subject or all)."""

    year_group = forms.TypedChoiceField(choices=codes.YEAR_GROUPS, coerce=int)
    term = forms.TypedChoiceField(choices=expectations.TERM_CHOICES, coerce=int, help_text="The end of this term.")
    subject = forms.ModelChoiceField(queryset=None, required=False, empty_label="All subjects")
    points = forms.FloatField(min_value=0, max_value=100, help_text="2b = 15, 4b = 27; one sub-level is 2 points.")

    def __init__(self, *args, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        self.helper = _helper()
