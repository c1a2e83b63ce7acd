from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from pupils import codes
from pupils.models import Contact
from schoolpl.models import AssessmentWindow
from targets.models import CurricularTarget

from .models import PortalLink, PortalSettings, ProgressReview


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


class ReviewForm(forms.ModelForm):
    targets_reviewed = forms.ModelMultipleChoiceField(
        queryset=CurricularTarget.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Targets reviewed",
    )

    class Meta:
        model = ProgressReview
        fields = [
            "held_on",
            "pupil_attended",
            "parent_attended",
            "others_attending",
            "pupil_view",
            "targets_reviewed",
            "targets_agreed",
            "barriers",
            "actions",
            "refer_to_senco",
            "referral_reason",
        ]
        widgets = {
            "held_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "pupil_view": forms.Textarea(attrs={"rows": 3}),
            "targets_agreed": forms.Textarea(attrs={"rows": 2}),
            "barriers": forms.Textarea(attrs={"rows": 2}),
            "actions": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "pupil_view": "In the pupil's own words: how do they think they are getting on?",
            "referral_reason": "Needed if you refer the pupil: it appears on the SENCO's list.",
        }

    def __init__(self, *args, pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets_reviewed"].queryset = CurricularTarget.objects.filter(pupil=pupil).exclude(
            status=CurricularTarget.Status.REPLACED
        )
        self.fields["held_on"].initial = timezone.localdate()
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("refer_to_senco") and not (data.get("referral_reason") or "").strip():
            self.add_error("referral_reason", "Say briefly why you are referring this pupil to the SENCO.")
        if data.get("held_on") and data["held_on"] > timezone.localdate():
            self.add_error("held_on", "A review is recorded after it happens: the date cannot be in the future.")
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "relationship", "email", "preferred_language", "parental_responsibility", "priority"]
        help_texts = {"preferred_language": "The language the family would like reports in."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class PortalSettingsForm(forms.ModelForm):
    class Meta:
        model = PortalSettings
        fields = ["pupils_enabled", "parents_enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class InviteForm(forms.Form):
    kind = forms.ChoiceField(choices=PortalLink.Kind.choices, label="Account for")
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), required=False, label="Parent or carer", help_text="For a parent account."
    )
    email = forms.EmailField(required=False, help_text="Where to send the invitation (optional for a pupil).")

    def __init__(self, *args, pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(pupil=pupil, parental_responsibility=True)
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("kind") == PortalLink.Kind.PARENT and not data.get("contact"):
            self.add_error("contact", "Choose which parent or carer to invite.")
        return data


class AcceptForm(forms.Form):
    first_name = forms.CharField(max_length=150, label="Your first name")
    username = forms.RegexField(
        regex=r"^[\w.@+-]{3,150}$",
        label="Choose a username",
        error_messages={"invalid": "Use 3 or more letters, digits or . @ + - _"},
    )
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords are not the same.")
        elif data.get("password"):
            try:
                validate_password(data["password"])
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class ReportRunForm(forms.Form):
    window = forms.ModelChoiceField(
        queryset=AssessmentWindow.objects.none(), label="Assessment window", empty_label=None
    )
    year_group = forms.TypedChoiceField(choices=codes.YEAR_GROUPS, coerce=int, label="Year group")

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window"].queryset = AssessmentWindow.objects.filter(school=school).order_by("-start_date")
        self.helper = _helper()


class PupilCommentForm(forms.Form):
    text = forms.CharField(label="Your comment", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), strip=True)
