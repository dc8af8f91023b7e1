"""Holders' online reissue requests through the REST API (R2.4): list and detail scoped to the
caller's subtrees where they may reissue (X1, otherwise 404), approve (reissue through the lifecycle,
补发 under the same number) and reject (comment required). Errors are problem JSON; only the masked
ID number leaves (X7)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from skillcert.core.api import ScopedQuerysetMixin
from skillcert.holders import services
from skillcert.holders.models import ReissueRequest

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def frozen_fact(key: str, certificate: str = "certificate.") -> Any:
    """A read-only fact of a certificate's frozen data — the holder's `name`, the `id_number_masked`
    (never more of the ID number, X7) — "" when absent. `certificate` is the path to the certificate
    from the serialised object ("" when it is the certificate)."""
    return serializers.CharField(source=f"{certificate}data.{key}", default="", read_only=True)


class ReissueRequestSerializer(serializers.ModelSerializer):
    certificate = serializers.CharField(source="certificate.number", read_only=True)
    holder_name = frozen_fact("name")
    id_number_masked = frozen_fact("id_number_masked")
    organisation = serializers.IntegerField(source="certificate.organisation_id", read_only=True)
    decided_by = serializers.SerializerMethodField()
    event_kind = serializers.SerializerMethodField()

    class Meta:
        model = ReissueRequest
        fields = [
            "id",
            "certificate",
            "holder_name",
            "id_number_masked",
            "organisation",
            "reason",
            "delivery",
            "status",
            "created_at",
            "decided_at",
            "decided_by",
            "comment",
            "event",
            "event_kind",
        ]
        read_only_fields = fields

    def get_decided_by(self, r: ReissueRequest) -> str:
        return r.decided_by.username if r.decided_by else ""

    def get_event_kind(self, r: ReissueRequest) -> str:
        return str(r.event.kind) if r.event else ""


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReissueRequestViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Holders' reissue requests in the caller's subtrees (`certificates.reissue`); `?status=` filters
    by requested / approved / rejected."""

    scoped_model = ReissueRequest
    serializer_class = ReissueRequestSerializer
    filterset_fields = ["status"]

    def scoped_queryset(self) -> Any:
        return services.reissue_requests_visible_to(self.request.user)

    def _decide(self, request: Request, approve: bool) -> Response:
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        req = services.decide_reissue(
            self.get_object(), actor=request.user, approve=approve, comment=body.validated_data["comment"]
        )
        req = services.reissue_requests_visible_to(request.user).get(pk=req.pk)
        return Response(ReissueRequestSerializer(req).data)

    @extend_schema(
        request=DecisionSerializer,
        responses={
            200: ReissueRequestSerializer,
            (409, "application/problem+json"): OpenApiResponse(PROBLEM, description="Already decided"),
        },
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_fields=[])
    def approve(self, request: Request, pk: Any = None) -> Response:
        """Approve: the certificate is reissued (补发) under the same number through the lifecycle."""
        return self._decide(request, True)

    @extend_schema(
        request=DecisionSerializer,
        responses={
            200: ReissueRequestSerializer,
            (409, "application/problem+json"): OpenApiResponse(PROBLEM, description="Already decided"),
        },
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_fields=[])
    def reject(self, request: Request, pk: Any = None) -> Response:
        """Reject with a comment (required); the holder reads it on their page."""
        return self._decide(request, False)
