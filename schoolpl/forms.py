from __future__ import annotations

from typing import cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .models import AcademicYear, AssessmentWindow, School


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with autocomplete hints and a friendlier error."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. Check them and try again.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Sign in", css_class="w-100"))


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Six-digit code from your authenticator app",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}", "autofocus": True}
        ),
    )

    def __init__(self, *args, submit_label: str = "Verify", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label))

    def clean_token(self) -> str:
        return _six_digits(self.cleaned_data["token"])


def _six_digits(value: str) -> str:
    value = value.strip()
    if not value.isdigit():
        raise forms.ValidationError("The code is six digits.")
    return value


class MfaSetupForm(TokenForm):
    """The code from the app being paired; when it replaces an app, a code from the current one as well."""

    def __init__(self, *args, replacing: bool = False, **kwargs):
        super().__init__(*args, submit_label="Confirm and continue", **kwargs)
        if replacing:
            self.fields["token"].label = "Six-digit code from the new app"
            self.fields["token"].widget.attrs.pop("autofocus", None)
            self.fields = {
                "current_token": forms.CharField(
                    label="Six-digit code from your current app",
                    min_length=6,
                    max_length=6,
                    widget=forms.TextInput(
                        attrs={"autocomplete": "off", "inputmode": "numeric", "pattern": "[0-9]{6}", "autofocus": True}
                    ),
                ),
                **self.fields,
            }

    def clean_current_token(self) -> str:
        return _six_digits(self.cleaned_data["current_token"])


class SchoolSettingsForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["name", "phase", "require_mfa", "teachers_see_fsm"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save settings"))


class DateInput(forms.DateInput):
    """A browser date box: its value must be ISO (YYYY-MM-DD), whatever the locale's display format."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs=attrs, format=format)


class AcademicYearForm(forms.ModelForm):
    class Meta:
        model = AcademicYear
        fields = ["name", "start_date", "end_date"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class AssessmentWindowForm(forms.ModelForm):
    class Meta:
        model = AssessmentWindow
        fields = ["academic_year", "name", "start_date", "end_date", "is_open"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        year_field = cast(forms.ModelChoiceField, self.fields["academic_year"])  # the form field of a ForeignKey
        year_field.queryset = AcademicYear.objects.filter(school=school)
        self.helper = FormHelper()
        self.helper.form_tag = False
