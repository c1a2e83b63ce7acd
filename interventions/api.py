"""/api/v1/programmes/, /api/v1/provisions/ and /api/v1/needs-assessments/: scoped exactly like the pages.
Programmes can be written by those who plan interventions; provision and score cards are read here and
planned on the pages (or created through the same services)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from schoolpl.roles import Cap

from . import selectors, services
from .models import Programme, Provision, ProvisionPupil, ProvisionStaff, ScoreCard, ScoreCardRating

READ_CAPS = (Cap.EDIT_INTERVENTIONS, Cap.READ_INTERVENTIONS_ALL, Cap.READ_INTERVENTIONS_OWN)
WRITE_CAPS = (Cap.EDIT_INTERVENTIONS,)


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = [
            "id",
            "name",
            "wave",
            "need_area",
            "subject",
            "group_size",
            "sessions_per_week",
            "session_minutes",
            "length_weeks",
            "cost_basis",
            "unit_cost",
            "description",
            "is_active",
        ]
        # The model's check constraint (one pupil or more), said before the service is asked.
        extra_kwargs = {"group_size": {"min_value": 1}}

    def validate_subject(self, subject):
        access = self.context["request"].access
        if subject is not None and subject.school_id != access.school.pk:
            raise serializers.ValidationError("Unknown subject.")
        return subject


@extend_schema_view(list=extend_schema(summary="The school's intervention programmes"))
class ProgrammeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    required_caps = READ_CAPS
    write_caps = WRITE_CAPS
    serializer_class = ProgrammeSerializer
    filterset_fields = ["wave", "need_area", "is_active"]
    queryset = Programme.objects.none()

    def get_queryset(self):
        return selectors.programmes_for(getattr(self.request, "access", None)).order_by("wave", "name", "pk")

    def perform_create(self, serializer):
        access = self.request.access
        serializer.instance = services.programme_create(
            school=access.school, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.programme_update(programme=serializer.instance, by=self.request.user, **serializer.validated_data)


class PlaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProvisionPupil
        fields = ["pupil", "joined_on", "left_on", "entry_age_months", "exit_age_months"]
        read_only_fields = fields


class StaffSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = ProvisionStaff
        fields = ["user", "name", "role"]
        read_only_fields = fields


class ProvisionSerializer(serializers.ModelSerializer):
    pupils = serializers.SerializerMethodField()
    staff = StaffSerializer(many=True, read_only=True)
    wave = serializers.IntegerField(source="programme.wave", read_only=True)

    class Meta:
        model = Provision
        fields = ["id", "name", "programme", "wave", "start_date", "end_date", "targets", "staff", "pupils", "notes"]
        read_only_fields = fields

    def get_pupils(self, provision) -> list[dict]:
        # Only the pupils the caller may see (a teacher sees their own pupils in a shared group).
        return PlaceSerializer(getattr(provision, "visible_places", []), many=True).data


class ProvisionViewSet(viewsets.ReadOnlyModelViewSet):
    required_caps = READ_CAPS
    serializer_class = ProvisionSerializer
    filterset_fields = ["programme"]
    queryset = Provision.objects.none()

    def get_queryset(self):
        access = getattr(self.request, "access", None)
        return (
            selectors.provisions_for(access)
            .select_related("programme")
            .prefetch_related(
                "targets",
                Prefetch("staff", queryset=ProvisionStaff.objects.select_related("user")),
                Prefetch("places", queryset=selectors.places_for(access), to_attr="visible_places"),
            )
            .order_by("-start_date", "pk")
        )


class RatingSerializer(serializers.ModelSerializer):
    # An id, checked against the school's characteristics in one query by ``services.score_card_create`` (a
    # related field would read each rating's characteristic on its own, and from every school's).
    characteristic = serializers.IntegerField(source="characteristic_id", min_value=1, max_value=2**63 - 1)
    characteristic_name = serializers.CharField(source="characteristic.name", read_only=True)
    average = serializers.FloatField(read_only=True)

    class Meta:
        model = ScoreCardRating
        fields = ["characteristic", "characteristic_name", "professional", "pupil_view", "parent_view", "average"]
        extra_kwargs = {f: {"min_value": 0, "max_value": 10} for f in ("professional", "pupil_view", "parent_view")}


class ScoreCardSerializer(serializers.ModelSerializer):
    ratings = RatingSerializer(many=True)

    class Meta:
        model = ScoreCard
        fields = ["id", "pupil", "taken_on", "referred", "notes", "ratings"]

    def validate_pupil(self, pupil):
        if not selectors.pupils_for(self.context["request"].access).filter(pk=pupil.pk).exists():
            raise serializers.ValidationError("Unknown pupil.")
        return pupil


class NeedsAssessmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Score cards: each success characteristic rated 0–10 by the professional, the pupil and the parent."""

    required_caps = READ_CAPS
    write_caps = WRITE_CAPS
    serializer_class = ScoreCardSerializer
    filterset_fields = ["pupil"]
    queryset = ScoreCard.objects.none()

    def get_queryset(self):
        access = getattr(self.request, "access", None)
        if access is None:
            return ScoreCard.objects.none()
        return (
            ScoreCard.objects.filter(school=access.school, pupil__in=selectors.pupils_for(access))
            .prefetch_related(Prefetch("ratings", queryset=ScoreCardRating.objects.select_related("characteristic")))
            .order_by("pupil_id", "taken_on", "pk")
        )

    @transaction.atomic
    def perform_create(self, serializer):
        data = serializer.validated_data
        # A service ValidationError becomes a 400 in schoolpl.api.exception_handler, as everywhere in the API.
        serializer.instance = services.score_card_create(
            school=self.request.access.school,
            pupil=data["pupil"],
            taken_on=data["taken_on"],
            referred=data.get("referred", False),
            notes=data.get("notes", ""),
            ratings={
                r["characteristic_id"]: (r.get("professional"), r.get("pupil_view"), r.get("parent_view"))
                for r in data["ratings"]
            },
            by=self.request.user,
        )


def register(router) -> None:
    router.register("programmes", ProgrammeViewSet, basename="programme")
    router.register("provisions", ProvisionViewSet, basename="provision")
    router.register("needs-assessments", NeedsAssessmentViewSet, basename="needs-assessment")
