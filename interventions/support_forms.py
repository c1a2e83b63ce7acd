"""Forms for pupil passports and multi-agency work. They validate and normalise; the services save."""

from __future__ import annotations

from django import forms

from .forms import DATE, _Crispy
from .models import Adjustment, AgencyInvolvement, Passport
from .support_services import AGENCY_FIELDS


class PassportForm(_Crispy, forms.ModelForm):
    class Meta:
        model = Passport
        fields = [
            "about_me",
            "find_hard",
            "helps_me",
            "contributors",
            "pupil_contributed",
            "written_on",
            "next_review_on",
        ]
        widgets = {
            "about_me": forms.Textarea(attrs={"rows": 3}),
            "find_hard": forms.Textarea(attrs={"rows": 3}),
            "helps_me": forms.Textarea(attrs={"rows": 4}),
            "written_on": DATE,
            "next_review_on": DATE,
        }
        labels = {"written_on": "Date of writing", "contributors": "Who wrote it with the pupil"}
        help_texts = {"next_review_on": "Leave empty for a term (13 weeks) after the latest review."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_review_on"].required = False
        if self.instance.pk:
            self.fields["written_on"].disabled = True  # a rewrite keeps the first writing date
        self._helper()

    def _post_clean(self):
        # The service validates the whole passport (its school, pupil and review dates); skip the model's
        # own validation here, which would need them set.
        pass


class PassportReviewForm(_Crispy, forms.Form):
    reviewed_on = forms.DateField(widget=DATE, label="Reviewed with the pupil on")
    pupil_contributed = forms.BooleanField(required=False, initial=True, label="The pupil took part")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="What changed")
    next_review_on = forms.DateField(
        widget=DATE, required=False, label="Next review due", help_text="Leave empty for a term (13 weeks) on."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()


class AdjustmentForm(_Crispy, forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ["kind", "description", "added_on"]
        widgets = {"added_on": DATE}
        labels = {"kind": "Kind of adjustment", "description": "What the adjustment is", "added_on": "From"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()

    def _post_clean(self):
        pass  # validated by the service with its passport


class InvolvementForm(_Crispy, forms.ModelForm):
    class Meta:
        model = AgencyInvolvement
        fields = list(AGENCY_FIELDS)  # the fields the service writes
        widgets = {
            "referred_on": DATE,
            "first_contact_on": DATE,
            "closed_on": DATE,
            "reason": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()

    def clean(self):
        data = super().clean()
        referred = data.get("referred_on")
        for name in ("first_contact_on", "closed_on"):
            day = data.get(name)
            if referred and day and day < referred:
                self.add_error(name, "This cannot come before the referral.")
        return data

    def _post_clean(self):
        pass  # validated by the service with its school and pupil
