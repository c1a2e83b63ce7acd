"""Forms: they validate and normalise; the services write."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from .importing import FIELDS
from .models import Pupil, TeachingGroup
from .upn import InvalidUPN, validate_upn

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class _NoFormTag(FormHelper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form_tag = False


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PupilForm(forms.ModelForm):
    """Edit a pupil's record (school admin). The UPN is checked with the DfE check letter."""

    class Meta:
        model = Pupil
        fields = [
            "upn",
            "legal_forename",
            "legal_surname",
            "preferred_forename",
            "preferred_surname",
            "date_of_birth",
            "gender",
            "year_group",
            "form",
            "admission_date",
            "sen_provision",
            "primary_need",
            "eal",
            "fsm",
            "pupil_premium",
            "looked_after",
            "gifted",
            "ethnicity",
        ]
        widgets = {"date_of_birth": DateInput(), "admission_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _NoFormTag()

    def clean_upn(self):
        try:
            upn = validate_upn(self.cleaned_data["upn"])
        except InvalidUPN as exc:
            raise forms.ValidationError(str(exc)) from exc
        clash = Pupil.objects.filter(school_id=self.instance.school_id, upn=upn).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another pupil in this school already has this UPN.")
        return upn

    def clean_date_of_birth(self):
        dob = self.cleaned_data["date_of_birth"]
        if dob and dob > timezone.localdate():
            raise forms.ValidationError("The date of birth is in the future.")
        return dob

    def clean(self):
        data = super().clean()
        if data.get("sen_provision") == "N" and data.get("primary_need"):
            self.add_error("primary_need", "A primary need is recorded only with SEN support (K) or an EHC plan (E).")
        return data


class ArchiveForm(forms.Form):
    leaving_date = forms.DateField(widget=DateInput(), help_text="The pupil's last day on roll.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _NoFormTag()
        if not self.is_bound:
            self.initial.setdefault("leaving_date", timezone.localdate())


class MoveForm(forms.Form):
    to_group = forms.ModelChoiceField(label="Move to", queryset=TeachingGroup.objects.none())
    on = forms.DateField(label="From", widget=DateInput(), help_text="The first day in the new group.")

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _NoFormTag()
        group = membership.group
        self.fields["to_group"].queryset = TeachingGroup.objects.filter(
            school_id=group.school_id, academic_year_id=group.academic_year_id, subject=group.subject
        ).exclude(pk=group.pk)
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Pupil list (CSV or XLSX)",
        help_text="Exported from your MIS. The first row must be the column headings. Up to 5 MB.",
    )

    def __init__(self, *args, accept=".csv,.xlsx", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = accept

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is 5 MB. Split it by year group."
            )
        return upload


class CtfUploadForm(UploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, accept=".xml", **kwargs)
        self.fields["file"].label = "Common Transfer File (XML)"
        self.fields["file"].help_text = "The CTF your MIS received for pupils joining this school. Up to 5 MB."


class MappingForm(forms.Form):
    """Which column of the file feeds each pupil field; defaults come from ``default_mapping``."""

    def __init__(self, *args, headers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in this file —"), *((h, h) for h in headers)]
        for f in FIELDS:
            self.fields[f"map_{f.name}"] = forms.ChoiceField(
                label=f.label + (" (required)" if f.required else ""), choices=choices, required=False
            )

    def mapping(self) -> dict[str, str]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else self.initial
        return {f.name: data.get(f"map_{f.name}") for f in FIELDS if data.get(f"map_{f.name}")}

    @staticmethod
    def initial_for(mapping: dict[str, str]) -> dict[str, str]:
        return {f"map_{name}": header for name, header in mapping.items()}
