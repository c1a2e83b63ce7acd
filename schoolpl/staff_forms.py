"""Forms of the staff pages (``schoolpl.staff_views``)."""

from __future__ import annotations

from typing import cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from .roles import Role
from .staff import STAFF_ROLES

ROLE_CHOICES = [(r, Role(r).label) for r in STAFF_ROLES]


def _helper(submit: str) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit))
    return helper


class StaffFilterForm(forms.Form):
    q = forms.CharField(label="Name or email", required=False)
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "Any role"), *ROLE_CHOICES])
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Active and former"), ("active", "Active"), ("inactive", "Deactivated (leavers)")],
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Surname", max_length=150)
    roles = forms.MultipleChoiceField(label="Roles", choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Send invitation")


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles in this school", choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class GroupsForm(forms.Form):
    groups: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label="Teaching groups they teach",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="This and later academic years. Earlier years' groups keep their teachers.",
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelMultipleChoiceField", self.fields["groups"])
        field.queryset = queryset
        field.label_from_instance = lambda g: f"{g.name} ({g.academic_year.name})"
        self.helper = FormHelper()
        self.helper.form_tag = False


class TuteesForm(forms.Form):
    pupils: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label="Tutees",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text="Pupils on roll; hold Ctrl (or ⌘) to choose several. Changes take effect from today.",
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelMultipleChoiceField", self.fields["pupils"])
        field.queryset = queryset
        field.label_from_instance = lambda p: (
            f"{p.legal_surname}, {p.preferred_forename or p.legal_forename} (Year {p.year_group}"
            f"{', ' + p.form if p.form else ''})"
        )
        self.helper = FormHelper()
        self.helper.form_tag = False


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label="Staff CSV from your MIS",
        help_text="Columns: Title, Forename, Surname, Email, Role(s). Several roles in one cell are separated by"
        " semicolons, e.g. “Teacher; Personal tutor”.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
