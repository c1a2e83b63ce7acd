"""/api/v1/targets/ (long-term numeric targets) and /api/v1/progress/ (progress statuses against the
trajectory, filterable by status, subject, group and window). Read-only; scoped exactly like the pages:
a teacher sees their own pupils, SENCOs and leaders all, a SIP nothing by name."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets

from pupils.models import Pupil, TeachingGroup
from schoolpl.api import IdFilter
from schoolpl.roles import Cap

from .models import ProgressStatus, PupilTarget

READ_CAPS = (Cap.EDIT_TARGETS_OWN, Cap.EDIT_TARGETS_ALL, Cap.READ_TARGETS_ALL)


def _access(request):
    return getattr(request, "access", None)


class PupilTargetSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="subject.code", read_only=True)

    class Meta:
        model = PupilTarget
        fields = [
            "id", "pupil", "subject", "baseline_points", "baseline_date", "target_points", "target_date",
            "proposed_points", "proposal_basis", "status", "set_at",
        ]  # fmt: skip
        read_only_fields = fields


class PupilTargetViewSet(viewsets.ReadOnlyModelViewSet):
    required_caps = READ_CAPS
    serializer_class = PupilTargetSerializer
    filterset_fields = ["pupil", "subject", "status"]
    queryset = PupilTarget.objects.none()

    def get_queryset(self):
        access = _access(self.request)
        if access is None:
            return PupilTarget.objects.none()
        return (
            PupilTarget.objects.filter(school=access.school, pupil__in=Pupil.objects.visible_to(access).values("pk"))
            .select_related("subject")
            .order_by("pupil_id", "subject__order", "pk")
        )


class ProgressFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ProgressStatus.Status.choices)
    subject = IdFilter(field_name="subject_id")
    window = IdFilter(field_name="window_id")
    latest = django_filters.BooleanFilter(field_name="is_latest")
    group = IdFilter(method="in_group", label="Teaching group id (current members)")

    class Meta:
        model = ProgressStatus
        fields = ["status", "subject", "window", "latest", "group", "pupil"]

    def in_group(self, queryset, name, value):
        access = _access(self.request)
        group = TeachingGroup.objects.visible_to(access).filter(pk=value).first()
        if group is None:
            return queryset.none()
        return queryset.filter(pupil__in=Pupil.objects.in_group(group).values("pk"))


class ProgressStatusSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="subject.code", read_only=True)
    window = serializers.CharField(source="window.name", read_only=True)
    since_window = serializers.CharField(source="since_window.name", read_only=True)

    class Meta:
        model = ProgressStatus
        fields = [
            "id",
            "pupil",
            "subject",
            "window",
            "expected",
            "actual",
            "status",
            "since_window",
            "is_latest",
            "computed_at",
        ]
        read_only_fields = fields


class ProgressStatusViewSet(viewsets.ReadOnlyModelViewSet):
    required_caps = READ_CAPS
    serializer_class = ProgressStatusSerializer
    filterset_class = ProgressFilter
    queryset = ProgressStatus.objects.none()

    def get_queryset(self):
        access = _access(self.request)
        if access is None:
            return ProgressStatus.objects.none()
        return (
            ProgressStatus.objects.filter(school=access.school, pupil__in=Pupil.objects.visible_to(access).values("pk"))
            .select_related("subject", "window", "since_window")
            .order_by("pupil_id", "subject__order", "window__end_date", "pk")
        )


def register(router) -> None:
    router.register("targets", PupilTargetViewSet, basename="targets")
    router.register("progress", ProgressStatusViewSet, basename="progress")
