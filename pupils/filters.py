"""Filters for pupil lists (pages, exports and the API share them)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q

from schoolpl.access import sees_fsm

from . import codes
from .models import GroupMembership, Pupil, TeachingGroup

YES_NO = (("yes", "Yes"), ("no", "No"))
ANY = "Any"


def _flag(field_name: str, label: str):
    def method(queryset, name, value):
        if value == "yes":
            return queryset.filter(**{field_name: True})
        if value == "no":
            return queryset.filter(**{field_name: False})
        return queryset

    return django_filters.ChoiceFilter(label=label, choices=YES_NO, method=method, empty_label=ANY)


class PupilFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name or UPN", method="search")
    year_group = django_filters.ChoiceFilter(
        label="Year group",
        choices=[(str(n), label) for n, label in codes.YEAR_GROUPS],
        method="filter_year",
        empty_label=ANY,
    )
    form = django_filters.ChoiceFilter(label="Form", choices=(), method="filter_form", empty_label=ANY)
    group = django_filters.ModelChoiceFilter(
        label="Teaching group", queryset=TeachingGroup.objects.none(), method="filter_group", empty_label=ANY
    )
    sen = django_filters.ChoiceFilter(
        label="SEN",
        choices=(("any", "SEN support or EHC plan"), ("K", "SEN support (K)"), ("E", "EHC plan (E)"), ("N", "No SEN")),
        method="filter_sen",
        empty_label=ANY,
    )
    eal = _flag("eal", "EAL")
    fsm = _flag("fsm", "FSM")
    pupil_premium = _flag("pupil_premium", "Pupil premium")
    looked_after = _flag("looked_after", "Looked after")
    gifted = _flag("gifted", "Gifted and talented")
    gender = django_filters.ChoiceFilter(label="Gender", choices=codes.GENDER, empty_label=ANY)
    ethnicity = django_filters.ChoiceFilter(label="Ethnicity", choices=codes.ETHNICITY, empty_label=ANY)
    status = django_filters.ChoiceFilter(
        label="On roll",
        choices=(("archived", "Leavers (archived)"), ("all", "Everyone")),
        empty_label="On roll",
        method="filter_status",
    )

    class Meta:
        model = Pupil
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, access=None, forms_available=(), **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.access = access
        self.filters["group"].queryset = TeachingGroup.objects.visible_to(access).select_related("academic_year")
        self.filters["form"].extra["choices"] = [(f, f) for f in forms_available]
        if not sees_fsm(access):  # not offered, and a crafted ``?fsm=`` is ignored
            del self.filters["fsm"]
            del self.filters["pupil_premium"]

    @property
    def qs(self):
        queryset = super().qs
        # On roll unless the status filter says otherwise (it has no method call when blank).
        if not (self.form.is_bound and self.form.is_valid() and self.form.cleaned_data.get("status")):
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset

    def search(self, queryset, name, value):
        for term in value.split()[:5]:
            queryset = queryset.filter(
                Q(upn__iexact=term)
                | Q(legal_surname__icontains=term)
                | Q(legal_forename__icontains=term)
                | Q(preferred_surname__icontains=term)
                | Q(preferred_forename__icontains=term)
            )
        return queryset

    def filter_year(self, queryset, name, value):
        return queryset.filter(year_group=int(value))

    def filter_form(self, queryset, name, value):
        return queryset.filter(form=value)

    def filter_group(self, queryset, name, value):
        current = GroupMembership.objects.current().filter(pupil=OuterRef("pk"), group=value)
        return queryset.filter(Exists(current))

    def filter_sen(self, queryset, name, value):
        if value == "any":
            return queryset.filter(sen_provision__in=["K", "E"])
        return queryset.filter(sen_provision=value)

    def filter_status(self, queryset, name, value):
        if value == "archived":
            return queryset.filter(archived_at__isnull=False)
        return queryset  # everyone
