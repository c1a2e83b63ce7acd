"""/api/v1/assessments/ (overall and focus judgements: read for those who see the pupils, write for those who
record) and /api/v1/scales/ (every scale with its grades and points). Scoped exactly like the pages; writes go
through the same services, with the same version check, as the grid."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from pupils.models import Pupil, TeachingGroup
from schoolpl.models import AssessmentWindow
from schoolpl.roles import Cap

from . import judgements, scales
from .models import Focus, Judgement, SchoolScale, Subject

READ_CAPS = (Cap.VIEW_PUPILS_ALL, Cap.VIEW_PUPILS_OWN)
WRITE_CAPS = (Cap.RECORD_ASSESSMENT_OWN, Cap.RECORD_ASSESSMENT_ALL)


class JudgementSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="subject.code", read_only=True)
    window = serializers.CharField(source="window.name", read_only=True)

    class Meta:
        model = Judgement
        fields = ["id", "pupil", "subject", "window", "grade", "points", "version", "judged_at"]
        read_only_fields = fields


class JudgementWriteSerializer(serializers.Serializer):
    group = serializers.IntegerField(help_text="Teaching group id (the pupil must be a current member).")
    window = serializers.IntegerField()
    subject = serializers.IntegerField()
    pupil = serializers.IntegerField()
    focus = serializers.IntegerField(required=False, allow_null=True, help_text="Omit for the overall judgement.")
    grade = serializers.CharField(allow_blank=True, max_length=20, help_text="Empty clears the judgement.")
    version = serializers.IntegerField(min_value=0, help_text="The version you last saw; 0 for a new judgement.")


class JudgementViewSet(viewsets.ReadOnlyModelViewSet):
    required_caps = READ_CAPS
    write_caps = WRITE_CAPS
    serializer_class = JudgementSerializer
    filterset_fields = ["pupil", "subject", "window"]
    queryset = Judgement.objects.none()  # for the schema; requests use get_queryset
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        access = getattr(self.request, "access", None)
        if access is None:
            return Judgement.objects.none()
        return (
            Judgement.objects.filter(school=access.school, pupil__in=Pupil.objects.visible_to(access))
            .select_related("subject", "window")
            .order_by("pupil_id", "window__start_date", "subject__order")
        )

    @extend_schema(request=JudgementWriteSerializer, responses=None, summary="Record a judgement (versioned)")
    def create(self, request):
        access = request.access
        data = JudgementWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            group = TeachingGroup.objects.visible_to(access).get(pk=d["group"])
            window = AssessmentWindow.objects.get(school=access.school, pk=d["window"])
            subject = Subject.objects.get(school=access.school, pk=d["subject"])
            focus = (
                Focus.objects.select_related("subject").get(subject=subject, pk=d["focus"]) if d.get("focus") else None
            )
            Pupil.objects.visible_to(access).get(pk=d["pupil"])
        except (TeachingGroup.DoesNotExist, AssessmentWindow.DoesNotExist, Subject.DoesNotExist, Focus.DoesNotExist,
                Pupil.DoesNotExist) as exc:  # fmt: skip
            raise NotFound("Not found.") from exc
        common = {"access": access, "group": group, "window": window, "pupil_id": d["pupil"], "grade": d["grade"]}
        try:
            if focus is None:
                result = judgements.judgement_record(subject=subject, expected_version=d["version"], **common)
            else:
                result = judgements.focus_judgement_record(focus=focus, expected_version=d["version"], **common)
        except ValidationError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
        body = {
            "status": result.status,
            "id": result.pk,
            "grade": result.grade,
            "points": result.points,
            "version": result.version,
            "judged_by": result.judged_by_name,
            "judged_at": result.judged_at,
        }
        return Response(body, status=status.HTTP_409_CONFLICT if result.conflict else status.HTTP_200_OK)


def _scale_json(scale: scales.Scale) -> dict:
    return {
        "code": scale.code,
        "name": scale.name,
        "kind": scale.kind.value,
        "grades": [{"label": g.label, "points": g.points, "description": g.description} for g in scale.grades],
    }


class ScaleViewSet(viewsets.ViewSet):
    """Every scale the school can use: the built-in ones and the school's own."""

    required_caps = ()
    lookup_field = "code"
    lookup_value_regex = "[-a-z0-9_]+"

    def _scales(self, request) -> dict[str, scales.Scale]:
        found = dict(scales.BUILTIN_SCALES)
        for row in SchoolScale.objects.filter(school=request.access.school):
            found[row.code] = row.as_scale()
        return found

    @extend_schema(responses=None, summary="Scales with their grades and points", operation_id="v1_scales_list")
    def list(self, request):
        return Response([_scale_json(s) for s in self._scales(request).values()])

    @extend_schema(responses=None, summary="One scale")
    def retrieve(self, request, code=None):
        scale = self._scales(request).get(code)
        if scale is None:
            raise NotFound("No such scale.")
        return Response(_scale_json(scale))


def register(router) -> None:
    router.register("assessments", JudgementViewSet, basename="assessment")
    router.register("scales", ScaleViewSet, basename="scale")
