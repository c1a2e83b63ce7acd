"""/api/v1/pupils/ and /api/v1/teaching-groups/: read-only, scoped exactly like the pages.

FSM and pupil-premium status are left out (not even as null) unless the access layer's one rule lets the user
see them (``SchoolAccess.sees_fsm``: SENCOs, leaders, admins; a class teacher or tutor only where the school
allows it), as on the pages.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from schoolpl.access import sees_fsm
from schoolpl.api import IdFilter
from schoolpl.roles import Cap

from . import codes
from .models import GroupMembership, Pupil, TeachingGroup

READ_CAPS = (Cap.VIEW_PUPILS_ALL, Cap.VIEW_PUPILS_OWN)


class PupilSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    # Blank when no need or ethnicity is recorded: declared so the schema's enums allow "" (a read-only model
    # field loses allow_blank, and the schema then promised a value the API does not always send).
    primary_need = serializers.ChoiceField(choices=codes.PRIMARY_NEED, allow_blank=True, read_only=True)
    ethnicity = serializers.ChoiceField(choices=codes.ETHNICITY, allow_blank=True, read_only=True)

    class Meta:
        model = Pupil
        fields = [
            "id",
            "upn",
            "legal_surname",
            "legal_forename",
            "preferred_surname",
            "preferred_forename",
            "display_name",
            "date_of_birth",
            "gender",
            "year_group",
            "form",
            "admission_date",
            "leaving_date",
            "archived",
            "sen_provision",
            "primary_need",
            "eal",
            "looked_after",
            "gifted",
            "ethnicity",
        ]
        read_only_fields = fields


class PupilWithLowIncomeSerializer(PupilSerializer):
    """For users who see FSM (``SchoolAccess.sees_fsm``): FSM and pupil premium too. The one schema documents
    both serializers, so the two fields are optional there: others get a pupil without them. (Declared, not
    read-only, only so that the schema leaves them out of ``required``; the viewset is read-only.)"""

    fsm = serializers.BooleanField(required=False, help_text="Free school meals; only for users who may see it.")
    pupil_premium = serializers.BooleanField(required=False, help_text="Only for users who may see FSM.")

    class Meta(PupilSerializer.Meta):
        fields = [*PupilSerializer.Meta.fields, "fsm", "pupil_premium"]
        read_only_fields = fields


class PupilApiFilter(django_filters.FilterSet):
    group = IdFilter(label="Teaching group id (current members)", method="filter_group")
    archived = django_filters.BooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Pupil
        fields = ["year_group", "form", "sen_provision", "gender", "ethnicity"]

    def filter_group(self, queryset, name, value):
        current = GroupMembership.objects.current().filter(pupil=OuterRef("pk"), group_id=value)
        return queryset.filter(Exists(current))


@extend_schema_view(
    list=extend_schema(
        summary="Pupils you may see",
        description="A teacher sees the pupils of their own groups; SENCOs, leaders and admins the whole school. "
        "`fsm` and `pupil_premium` appear only for SENCOs, leaders and admins, and for teachers where the "
        "school lets class teachers see free school meals status.",
        responses=PupilWithLowIncomeSerializer,
    ),
    retrieve=extend_schema(summary="One pupil", responses=PupilWithLowIncomeSerializer),
)
class PupilViewSet(viewsets.ReadOnlyModelViewSet):
    required_caps = READ_CAPS
    filterset_class = PupilApiFilter
    queryset = Pupil.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return Pupil.objects.visible_to(getattr(self.request, "access", None))

    def get_serializer_class(self):
        access = getattr(self.request, "access", None)
        return PupilWithLowIncomeSerializer if sees_fsm(access) else PupilSerializer


class TeachingGroupSerializer(serializers.ModelSerializer):
    academic_year = serializers.CharField(source="academic_year.name", read_only=True)
    teachers = serializers.SerializerMethodField()

    class Meta:
        model = TeachingGroup
        fields = ["id", "name", "subject", "kind", "year_group", "academic_year", "teachers"]
        read_only_fields = fields

    def get_teachers(self, group) -> list[str]:
        return [link.user.display_name for link in group.teacher_links.all()]


class TeachingGroupViewSet(viewsets.ReadOnlyModelViewSet):
    required_caps = READ_CAPS
    serializer_class = TeachingGroupSerializer
    filterset_fields = ["subject", "kind", "year_group", "academic_year"]
    queryset = TeachingGroup.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return (
            TeachingGroup.objects.visible_to(getattr(self.request, "access", None))
            .select_related("academic_year")
            .prefetch_related("teacher_links__user")
            .order_by("year_group", "subject", "name", "pk")
        )


def register(router) -> None:
    router.register("pupils", PupilViewSet, basename="pupil")
    router.register("teaching-groups", TeachingGroupViewSet, basename="teaching-group")
