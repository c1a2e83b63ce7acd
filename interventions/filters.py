"""Filters for the candidates list: year group, subject, class and reason, as GET parameters (django-filter).

Year, subject, class and the status reasons narrow the pupils in SQL (subqueries inside the candidates'
own queries, so no query is added per filter); the score-card and referral reasons are judged from the
candidates' figures after they are computed (see :meth:`CandidateFilter.keep`)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone

from assessment.models import Subject
from pupils import codes
from pupils.models import GroupMembership, Pupil, TeachingGroup
from targets.models import ProgressStatus

from . import impact
from .selectors import OFF_TRACK, ON_PACE, Candidate

ANY = "Any"
REASONS = (
    ("off_track", "Off trajectory (any)"),
    ("below_are", "Below ARE, making expected progress or better"),
    (ProgressStatus.Status.BEHIND, "Behind"),
    (ProgressStatus.Status.WELL_BEHIND, "Well behind"),
    (ProgressStatus.Status.STUCK, "Stuck"),
    ("score_card", "Low score card"),
    ("referral", "Referred for support"),
)


class CandidateFilter(django_filters.FilterSet):
    year_group = django_filters.ChoiceFilter(
        label="Year group", choices=[(str(n), label) for n, label in codes.YEAR_GROUPS], method="filter_year",
        empty_label=ANY,
    )  # fmt: skip
    subject = django_filters.ModelChoiceFilter(
        label="Subject (off trajectory in)", queryset=Subject.objects.none(), method="filter_subject", empty_label=ANY
    )
    group = django_filters.ModelChoiceFilter(
        label="Class", queryset=TeachingGroup.objects.none(), method="filter_group", empty_label=ANY
    )
    reason = django_filters.ChoiceFilter(label="Reason", choices=REASONS, method="filter_reason", empty_label=ANY)

    class Meta:
        model = Pupil
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, access, **kwargs):
        super().__init__(data, queryset, **kwargs)
        today = timezone.localdate()
        self.filters["subject"].queryset = Subject.objects.filter(school=access.school).order_by("order", "name")
        self.filters["group"].queryset = (
            TeachingGroup.objects.visible_to(access)
            .filter(academic_year__start_date__lte=today, academic_year__end_date__gte=today)
            .order_by("year_group", "name")
        )

    def _statuses(self, statuses):
        latest = ProgressStatus.objects.filter(pupil=OuterRef("pk"), is_latest=True, status__in=statuses)
        subject = self.form.cleaned_data.get("subject")
        return latest.filter(subject=subject) if subject else latest

    def filter_year(self, queryset, name, value):
        return queryset.filter(year_group=int(value))

    def filter_subject(self, queryset, name, value):
        return queryset.filter(Exists(self._statuses(ON_PACE if self.below_are else OFF_TRACK)))

    @property
    def below_are(self) -> bool:
        """The wave 2 reason: below ARE while making expected progress (see ``selectors.candidates``)."""
        return self.form.is_valid() and self.form.cleaned_data.get("reason") == "below_are"

    @property
    def chosen_subject(self):
        return self.form.cleaned_data.get("subject") if self.form.is_valid() else None

    def filter_group(self, queryset, name, value):
        return queryset.filter(Exists(GroupMembership.objects.current().filter(pupil=OuterRef("pk"), group=value)))

    def filter_reason(self, queryset, name, value):
        if value == "off_track":
            return queryset.filter(Exists(self._statuses(OFF_TRACK)))
        if value == "below_are":
            return queryset.filter(Exists(self._statuses(ON_PACE)))
        if value in ProgressStatus.Status.values:
            return queryset.filter(Exists(self._statuses([value])))
        return queryset  # score card and referral: see keep()

    def keep(self, candidate: Candidate) -> bool:
        """Whether a computed candidate passes the reasons that are not in SQL."""
        reason = self.form.cleaned_data.get("reason") if self.form.is_valid() else ""
        if reason == "score_card":
            return candidate.score_average is not None and candidate.score_average <= impact.LOW_SCORE
        if reason == "referral":
            return candidate.referred or bool(candidate.referral)
        if reason == "below_are":
            return bool(candidate.below_are)
        return True
