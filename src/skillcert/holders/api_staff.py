"""The staff side of holders' inquiries (R3.4) and correction requests (R3.5) through the REST API (X4):
everything the back-office pages do. Lists and details are scoped to the caller's subtrees where they
hold the permission (X1, otherwise 404); answering, forwarding and rejecting go through the audited
services; errors are problem JSON. ID numbers leave only masked, phone numbers likewise; the stored
cipher texts and hashes never leave (X7)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from skillcert.certificates.models import Certificate
from skillcert.core.api import ScopedQuerysetMixin
from skillcert.holders import corrections, inquiry
from skillcert.holders.api import PROBLEM, frozen_fact
from skillcert.holders.models import CertificateInquiry, CorrectionEvidence, CorrectionRequest

DECIDED = OpenApiResponse(PROBLEM, description="Already answered or decided")


def _username(user: Any) -> str:
    return user.username if user else ""


# --- inquiries (R3.4) ---------------------------------------------------------------------------


class InquirySerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    id_number_masked = serializers.CharField(source="id_masked", read_only=True)
    overdue = serializers.SerializerMethodField()
    answered_by = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = CertificateInquiry
        fields = [
            "id",
            "reference",
            "organisation",
            "organisation_name",
            "name",
            "id_number_masked",
            "phone_masked",
            "received_on",
            "details",
            "status",
            "created_at",
            "confirmed_at",
            "due_on",
            "overdue",
            "answer",
            "answered_at",
            "answered_by",
            "certificate",
        ]
        read_only_fields = fields

    def get_overdue(self, i: CertificateInquiry) -> bool:
        return inquiry.is_overdue(i)

    def get_answered_by(self, i: CertificateInquiry) -> str:
        return _username(i.answered_by)

    def get_certificate(self, i: CertificateInquiry) -> str:
        """The number of the certificate named in the answer, if any."""
        return i.certificate.number if i.certificate else ""


class CandidateSerializer(serializers.ModelSerializer):
    """A certificate in the caller's scope with the inquiry's ID number: the number masked only."""

    name = frozen_fact("name", certificate="")
    id_number_masked = frozen_fact("id_number_masked", certificate="")
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    occupation = serializers.CharField(source="occupation.name", read_only=True)
    occupation_code = serializers.CharField(source="occupation.code", read_only=True)
    level: Any = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "name",
            "id_number_masked",
            "organisation",
            "organisation_name",
            "occupation",
            "occupation_code",
            "level",
            "issued_on",
            "state",
        ]
        read_only_fields = fields


class AnswerSerializer(serializers.Serializer):
    # Left to the service to check (its bilingual error names the field `answer`).
    answer = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    certificate = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        help_text="number or id of one of the candidate certificates",
    )


class InquiryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[
            (s.value, s.label) for s in (CertificateInquiry.Status.OPEN, CertificateInquiry.Status.ANSWERED)
        ]
    )
    overdue = django_filters.BooleanFilter(method="by_overdue")

    class Meta:
        model = CertificateInquiry
        fields = ["status", "overdue"]

    def by_overdue(self, queryset: Any, name: str, value: bool) -> Any:
        late = inquiry.overdue(self.request.user).values("pk")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)


class CertificateInquiryViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Holders' "I cannot find my certificate" inquiries at the centres in the caller's subtrees
    (`holders.answer`), the earliest due first; `?status=open|answered`, `?overdue=true`."""

    scoped_model = CertificateInquiry
    serializer_class = InquirySerializer
    filterset_class = InquiryFilter

    def scoped_queryset(self) -> Any:
        return inquiry.visible_to(self.request.user)

    @extend_schema(responses={200: CandidateSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def candidates(self, request: Request, pk: Any = None) -> Response:
        """The certificates in the caller's scope whose holder has the inquiry's ID number."""
        found = inquiry.candidates(self.get_object(), request.user)
        return Response(CandidateSerializer(found, many=True).data)

    @extend_schema(
        request=AnswerSerializer,
        responses={200: InquirySerializer, (409, "application/problem+json"): DECIDED},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def answer(self, request: Request, pk: Any = None) -> Response:
        """Answer the holder (final), optionally naming the certificate found among the candidates."""
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = inquiry.answer_inquiry(
            self.get_object(),
            actor=request.user,
            answer=body.validated_data["answer"],
            certificate=body.validated_data["certificate"],
        )
        return Response(InquirySerializer(inquiry.visible_to(request.user).get(pk=done.pk)).data)


# --- correction requests (R3.5) -----------------------------------------------------------------


class CorrectionEvidenceSerializer(serializers.ModelSerializer):
    intact = serializers.SerializerMethodField()

    class Meta:
        model = CorrectionEvidence
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_at", "intact"]
        read_only_fields = fields

    def get_intact(self, e: CorrectionEvidence) -> bool:
        """Whether the stored file is still there with the SHA-256 recorded at upload."""
        return corrections.evidence_intact(e)


class CorrectionRequestSerializer(serializers.ModelSerializer):
    certificate = serializers.CharField(source="certificate.number", read_only=True)
    holder_name = frozen_fact("name")
    id_number_masked = frozen_fact("id_number_masked")
    organisation = serializers.IntegerField(source="certificate.organisation_id", read_only=True)
    organisation_name = serializers.CharField(source="certificate.organisation.name", read_only=True)
    changes = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = CorrectionRequest
        fields = [
            "id",
            "reference",
            "certificate",
            "holder_name",
            "id_number_masked",
            "organisation",
            "organisation_name",
            "changes",
            "reason",
            "status",
            "created_at",
            "decided_at",
            "decided_by",
            "comment",
            "event",
        ]
        read_only_fields = fields

    def get_changes(self, r: CorrectionRequest) -> dict[str, Any]:
        """The requested changes; a new ID number only masked."""
        return corrections.masked(r)

    def get_decided_by(self, r: CorrectionRequest) -> str:
        return _username(r.decided_by)


class CorrectionRequestDetailSerializer(CorrectionRequestSerializer):
    outcome = serializers.SerializerMethodField()
    evidence = CorrectionEvidenceSerializer(many=True, read_only=True)

    class Meta(CorrectionRequestSerializer.Meta):
        fields = [*CorrectionRequestSerializer.Meta.fields, "outcome", "evidence"]
        read_only_fields = fields

    def get_outcome(self, r: CorrectionRequest) -> str:
        """submitted / rejected / under_review / corrected / not_approved"""
        return corrections.outcome(r)


class RejectSerializer(serializers.Serializer):
    # Left to the service to check (its bilingual error names the field `comment`).
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CorrectionRequestViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Holders' correction requests on certificates in the caller's subtrees (`certificates.correct`);
    `?status=` filters by submitted / forwarded / rejected."""

    scoped_model = CorrectionRequest
    filterset_fields = ["status"]

    def scoped_queryset(self) -> Any:
        return corrections.visible_to(self.request.user)

    def get_serializer_class(self) -> Any:
        return CorrectionRequestSerializer if self.action == "list" else CorrectionRequestDetailSerializer

    def _detail(self, req: CorrectionRequest) -> Response:
        fresh = corrections.visible_to(self.request.user).get(pk=req.pk)
        return Response(CorrectionRequestDetailSerializer(fresh).data)

    @extend_schema(
        request=None,
        responses={200: CorrectionRequestDetailSerializer, (409, "application/problem+json"): DECIDED},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_fields=[])
    def forward(self, request: Request, pk: Any = None) -> Response:
        """Forward into the certificate correction workflow, to be re-reviewed by a centre above."""
        return self._detail(corrections.forward(self.get_object(), actor=request.user))

    @extend_schema(
        request=RejectSerializer,
        responses={200: CorrectionRequestDetailSerializer, (409, "application/problem+json"): DECIDED},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_fields=[])
    def reject(self, request: Request, pk: Any = None) -> Response:
        """Reject with a comment (required); the holder reads it on the correction page."""
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        req = corrections.reject(
            self.get_object(), actor=request.user, comment=body.validated_data["comment"]
        )
        return self._detail(req)

    @extend_schema(
        parameters=[OpenApiParameter("evidence_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"evidence/(?P<evidence_id>[0-9]+)",
        filterset_fields=[],
    )
    def evidence(self, request: Request, pk: Any = None, evidence_id: str = "") -> FileResponse:
        """One evidence file as the holder uploaded it."""
        req = self.get_object()
        item = req.evidence.filter(pk=int(evidence_id)).first() if len(evidence_id) < 19 else None
        if item is None:
            raise NotFound()
        return corrections.evidence_response(item)
