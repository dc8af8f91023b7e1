"""R4.4: paper sets and recorded draws."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from skillcert.appraisal.api.common import (
    ReviewSerializer,
    ScopedOrgSerializer,
)
from skillcert.appraisal.models import (
    AppraisalSession,
    PaperDraw,
    PaperSet,
    SessionSubject,
)
from skillcert.appraisal.services import papers
from skillcert.catalog.models import Level, Occupation
from skillcert.core.api import ScopedQuerysetMixin
from skillcert.core.errors import NotFound
from skillcert.core.parsers import JSONParser
from skillcert.core.uploads import UploadLimit

# --- paper sets and draws (R4.4) -----------------------------------------------------------------


class PaperSetSerializer(ScopedOrgSerializer):
    occupation: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = PaperSet
        fields = [
            "id",
            "organisation",
            "occupation",
            "level",
            "label",
            "file_name",
            "file_sha256",
            "file_size",
            "status",
            "audited_at",
            "audit_comment",
            "created_at",
        ]
        read_only_fields = fields


class PaperUploadSerializer(ScopedOrgSerializer):
    occupation = serializers.CharField(max_length=10)
    level = serializers.IntegerField(min_value=1, max_value=5)
    file = serializers.FileField()

    class Meta:
        model = PaperSet
        fields = ["organisation", "occupation", "level", "label", "file"]
        validators: list[Any] = []


class PaperDrawSerializer(serializers.ModelSerializer):
    """Seed, candidates and the drawn set are shown only to those who may fetch the drawn paper: the
    centres above the station, and the station itself from the exam date. Before that the station sees
    that a draw happened, not its content — with the public draw rule the seed would reveal the set."""

    seed = serializers.CharField(allow_null=True)
    candidate_ids = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    paper_set = serializers.IntegerField(source="paper_set_id", allow_null=True)
    verified = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField()

    class Meta:
        model = PaperDraw
        fields = ["id", "subject", "drawn_at", "hidden", "seed", "candidate_ids", "paper_set", "verified"]

    def _visible(self, draw: PaperDraw) -> bool:
        request = self.context.get("request")
        return request is not None and papers.can_fetch_drawn_paper(request.user, draw)

    def get_hidden(self, draw: PaperDraw) -> bool:
        return not self._visible(draw)

    def get_verified(self, draw: PaperDraw) -> bool | None:
        """Recomputed from the seed and the candidates on every read."""
        return papers.verify_draw(draw) if self._visible(draw) else None

    def to_representation(self, draw: PaperDraw) -> dict[str, Any]:
        data = super().to_representation(draw)
        if data["hidden"]:
            data.update(seed=None, candidate_ids=None, paper_set=None)
        return data


class PaperSetViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Self-written exam paper sets, registered by stations and audited by their centre. The files are
    never served here; only a drawn set, through its draw, on or after the exam date."""

    scoped_model = PaperSet
    filterset_fields = ["organisation", "level", "status"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, JSONParser]
    upload_limits = {"create": UploadLimit(papers.MAX_PAPER_BYTES)}  # 413 before the body is read

    def get_serializer_class(self) -> Any:
        return {"create": PaperUploadSerializer, "audit": ReviewSerializer}.get(
            self.action, PaperSetSerializer
        )

    def scoped_queryset(self) -> Any:
        return PaperSet.objects.visible_to(self.request.user).select_related("occupation")

    @extend_schema(
        request={"multipart/form-data": PaperUploadSerializer}, responses={201: PaperSetSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PaperUploadSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        occupation = Occupation.objects.filter(code=data["occupation"]).order_by("-edition").first()
        if occupation is None:
            raise NotFound("appraisal.paper.occupation", "职业不存在", "Unknown occupation")
        upload = data["file"]
        paper = papers.register_paper_set(
            data["organisation"],
            occupation,
            Level.objects.get(number=data["level"]),
            data["label"],
            upload.name or "",
            upload.read(papers.MAX_PAPER_BYTES + 1),  # the service names a file over its limit
            actor=request.user,
        )
        return Response(PaperSetSerializer(paper).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReviewSerializer, responses=PaperSetSerializer)
    @action(detail=True, methods=["post"])
    def audit(self, request: Request, pk: Any = None) -> Response:
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        paper = papers.audit_paper_set(self.get_object(), actor=request.user, **body.validated_data)
        return Response(PaperSetSerializer(paper).data)


class DrawInSerializer(serializers.Serializer):
    subject = serializers.IntegerField(min_value=1)


class PaperDrawViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Recorded draws: seed and candidates are public to the scope, so anyone can re-verify."""

    scoped_model = PaperDraw

    def get_serializer_class(self) -> Any:
        return DrawInSerializer if self.action == "create" else PaperDrawSerializer

    def scoped_queryset(self) -> Any:
        from skillcert.orgs.scoping import org_filter

        return PaperDraw.objects.filter(
            org_filter(self.request.user, "subject__session__organisation", "appraisal.view")
        )

    @extend_schema(request=DrawInSerializer, responses={201: PaperDrawSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = DrawInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        subject = SessionSubject.objects.filter(
            pk=body.validated_data["subject"], session__in=AppraisalSession.objects.visible_to(request.user)
        ).first()
        if subject is None:
            raise NotFound("appraisal.subject.not_found", "职业等级不存在", "No such subject")
        draw = papers.draw_paper(subject, actor=request.user)
        return Response(
            PaperDrawSerializer(draw, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="hidden before the exam date, or not found"),
        }
    )
    @action(detail=True, methods=["get"])
    def paper(self, request: Request, pk: Any = None) -> HttpResponse:
        """The drawn paper file: for the centres above at any time, for the station from the exam date."""
        paper, content = papers.fetch_drawn_paper(request.user, self.get_object())
        response = HttpResponse(content, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="paper-{paper.pk}-{paper.file_sha256[:8]}"'
        return response
