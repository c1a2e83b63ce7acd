"""/api/v1/reviews/: self-reviews of the user's school. Every member of staff reads; leaders, SIPs and admins
start reviews and rate items (``POST /api/v1/reviews/<id>/rate/``, versioned: a stale version gets 409 with
the colleague's value)."""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from schoolpl.roles import Cap

from . import services
from .annex import PHASES
from .models import AnnexItem, Rating, Review, ReviewPhase
from .selectors import reviews_for


class SelfReviewPhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewPhase
        fields = ["phase", "date"]


class AnnexRatingSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code", read_only=True)
    updated_by = serializers.CharField(source="updated_by.display_name", read_only=True, default=None)

    class Meta:
        model = Rating
        fields = ["item", "phase", "rating", "notes", "evidence_links", "version", "updated_by", "updated_at"]


class SelfReviewSerializer(serializers.ModelSerializer):
    phases = SelfReviewPhaseSerializer(many=True, read_only=True)
    ratings = AnnexRatingSerializer(many=True, read_only=True)
    phase_1_date = serializers.DateField(write_only=True, required=False, allow_null=True)
    phase_2_date = serializers.DateField(write_only=True, required=False, allow_null=True)
    phase_3_date = serializers.DateField(write_only=True, required=False, allow_null=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "title",
            "academic_year_label",
            "created_at",
            "phases",
            "ratings",
            "phase_1_date",
            "phase_2_date",
            "phase_3_date",
        ]
        read_only_fields = ["id", "created_at"]


class AnnexRateSerializer(serializers.Serializer):
    item = serializers.SlugRelatedField(slug_field="code", queryset=AnnexItem.objects.all())
    phase = serializers.ChoiceField(choices=list(PHASES))
    rating = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    evidence_links = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    version = serializers.IntegerField(min_value=0)


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = SelfReviewSerializer
    queryset = Review.objects.none()  # for the schema; the real queryset is scoped in get_queryset
    required_caps = (Cap.SELFREVIEW_READ, Cap.SELFREVIEW_EDIT)
    write_caps = (Cap.SELFREVIEW_EDIT,)

    def get_queryset(self):
        return (
            reviews_for(self.request._request.access)
            .prefetch_related(
                "phases", Prefetch("ratings", queryset=Rating.objects.select_related("item", "updated_by"))
            )
            .order_by("-created_at", "-pk")
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        # A service ValidationError becomes a 400 in schoolpl.api.exception_handler, as everywhere in the API.
        serializer.instance = services.review_create(
            school=self.request._request.access.school,
            title=data["title"],
            academic_year_label=data["academic_year_label"],
            phase_dates=tuple(data.get(f"phase_{p}_date") for p in PHASES),
            by=self.request.user,
        )

    @action(detail=True, methods=["post"], serializer_class=AnnexRateSerializer)
    def rate(self, request, pk=None):
        review = self.get_object()
        incoming = AnnexRateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        result = services.rating_save(
            review=review,
            item=data["item"],
            phase=int(data["phase"]),
            rating=data.get("rating"),
            notes=data["notes"],
            evidence_links=data["evidence_links"],
            expected_version=data["version"],
            by=request.user,
        )
        body = AnnexRatingSerializer(result.rating).data
        if result.conflict:
            return Response(
                {"detail": "Changed by a colleague since your version.", "current": body},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(body)


def register(router) -> None:
    router.register("reviews", ReviewViewSet, basename="selfreview-review")
