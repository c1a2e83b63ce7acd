"""Forms for extended activities: an activity's details and adding members."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from pupils.models import Pupil
from schoolpl.models import User
from schoolpl.roles import Role

from .models import Activity

STAFF_ROLES = (Role.TEACHER, Role.TUTOR, Role.SENCO, Role.LEADER, Role.ADMIN)
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


def staff_of(school):
    return (
        User.objects.filter(memberships__school=school, memberships__is_active=True, memberships__role__in=STAFF_ROLES)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


class ActivityForm(forms.ModelForm):
    leader = StaffChoiceField(queryset=User.objects.none(), required=False, label="Leader (member of staff)")

    class Meta:
        model = Activity
        fields = [
            "name",
            "kind",
            "leader",
            "provider",
            "start_date",
            "end_date",
            "involves_parents",
            "involves_community",
            "description",
        ]
        widgets = {"start_date": DATE, "end_date": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = staff_of(school)
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", "The last day comes on or after the first day.")
        if not data.get("leader") and not (data.get("provider") or "").strip():
            self.add_error("leader", "Say who runs it: a member of staff, an outside provider, or both.")
        return data


class PupilChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} ({obj.year_label}, {obj.form})" if obj.form else obj.display_name


class MembersForm(forms.Form):
    pupils = PupilChoices(
        queryset=Pupil.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text="Hold Ctrl (or ⌘) to choose several.",
    )
    joined_on = forms.DateField(label="Joined on", widget=DATE)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = (
            Pupil.objects.in_school(school).on_roll().order_by("year_group", "form", "legal_surname", "legal_forename")
        )
        self.fields["joined_on"].initial = timezone.localdate()
        self.helper = _helper()
