"""Certificate register API: read-only, scoped certificates (X1) with their events, issuance from an
approved session, the numbering configurations, and the public directory (R2.11). Only masked ID
numbers ever leave (X7)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from skillcert.appraisal.models import AppraisalSession
from skillcert.certificates.filters import CertificateFilter
from skillcert.certificates.models import Certificate, CertificateEvent, NumberingConfig
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.services.lifecycle_view import shown_event_data
from skillcert.certificates.views import actor_label, directory_entries
from skillcert.core.api import ScopedQuerysetMixin
from skillcert.core.errors import NotFound
from skillcert.core.filters import ID_MAX, ID_MIN

PROBLEM = {"$ref": "#/components/schemas/Problem"}


class CertificateSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    id_number_masked = serializers.SerializerMethodField()
    session = serializers.SerializerMethodField()
    data: Any = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "number",
            "scheme",
            "kind",
            "licence_id",
            "name",
            "id_number_masked",
            "organisation",
            "issuing_authority",
            "occupation",
            "level",
            "issued_on",
            "state",
            "session",
            "data",
            "created_at",
        ]
        read_only_fields = fields

    def get_name(self, c: Certificate) -> str:
        return str(c.data.get("name", ""))

    def get_id_number_masked(self, c: Certificate) -> str:
        return str(c.data.get("id_number_masked", ""))

    def get_session(self, c: Certificate) -> int | None:
        return c.enrolment.session_id if c.enrolment_id and c.enrolment else None

    def get_data(self, c: Certificate) -> dict[str, Any]:
        """The frozen issued data (R0.1), the ID number masked."""
        return dict(c.data)


class CertificateEventSerializer(serializers.ModelSerializer):
    actor_label = serializers.SerializerMethodField()

    class Meta:
        model = CertificateEvent
        fields = ["id", "kind", "at", "actor_label", "reason", "blank_serial", "data"]
        read_only_fields = fields

    def get_actor_label(self, e: CertificateEvent) -> str:
        return actor_label(e)

    def to_representation(self, e: CertificateEvent) -> dict[str, Any]:
        """`data` is only what the one whitelist lets out (never the encrypted ID number, X7)."""
        out = dict(super().to_representation(e))
        out["data"] = shown_event_data(e)
        return out


class IssueSerializer(serializers.Serializer):
    session = serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX, help_text="appraisal session id")


class IssuedSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    numbers = serializers.ListField(child=serializers.CharField())


class CertificateViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Certificates in the caller's subtrees (X1). `document_number` filters by the exact, complete ID
    number only (X7); the number itself is never returned, only its masked form."""

    scoped_model = Certificate
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilter
    lookup_field = "number"
    lookup_value_regex = "[0-9A-Za-z]{1,32}"

    def scoped_queryset(self) -> Any:
        return Certificate.objects.visible_to(self.request.user).select_related("enrolment")

    @extend_schema(responses=CertificateEventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request: Request, number: str | None = None) -> Response:
        """The certificate's lifecycle events, oldest first (design.md rule 3)."""
        certificate = self.get_object()
        events = certificate.events.select_related("actor").order_by("at", "id")
        return Response(CertificateEventSerializer(events, many=True).data)

    @extend_schema(
        request=IssueSerializer,
        responses={
            201: IssuedSerializer,
            (409, "application/problem+json"): OpenApiResponse(
                PROBLEM, description="Results not approved, or no numbering configuration applies"
            ),
        },
        filters=False,
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def issue(self, request: Request) -> Response:
        """Certificates for every eligible candidate of an approved session not yet certified, in one
        transaction (`certificates.issue` at the station)."""
        body = IssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        session = (
            AppraisalSession.objects.visible_to(request.user)
            .filter(pk=body.validated_data["session"])
            .first()
        )
        if session is None:
            raise NotFound(
                "appraisal.session.not_found", "鉴定场次不存在或不在您的管辖范围内", "Session not found"
            )
        issued = issue_certificates(session, actor=request.user)
        numbers = [c.number for c in issued]
        return Response({"count": len(numbers), "numbers": numbers}, status=status.HTTP_201_CREATED)


class NumberingConfigSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    issuing_authority_name = serializers.CharField(source="issuing_authority.name", read_only=True)

    class Meta:
        model = NumberingConfig
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "issuing_authority",
            "issuing_authority_name",
            "scheme",
            "area_code",
            "evaluator_kind",
            "province_code",
            "site_code",
            "licence_type_code",
            "issuer_uscc",
        ]
        read_only_fields = fields


class NumberingConfigViewSet(viewsets.ReadOnlyModelViewSet):
    """How each provincial or industry centre numbers its certificates (public configuration)."""

    serializer_class = NumberingConfigSerializer
    queryset = NumberingConfig.objects.select_related("organisation", "issuing_authority").order_by("id")
    filterset_fields = ["scheme", "area_code"]


class DirectoryOrgSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    address = serializers.CharField()
    phone = serializers.CharField()


class DirectoryKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label: Any = serializers.CharField()


class DirectoryEntrySerializer(serializers.Serializer):
    organisation = DirectoryOrgSerializer()
    issuing_authority = DirectoryOrgSerializer()
    scheme = serializers.CharField()
    scheme_label = serializers.CharField()
    area_code = serializers.CharField()
    issues = DirectoryKindSerializer(many=True)
    reissues = DirectoryKindSerializer(many=True)
    reissued_by = DirectoryOrgSerializer()
    industry_code = serializers.CharField(help_text="industry centres: the industry code (R4.3)")
    industry_specific_only = serializers.BooleanField(
        help_text="only this centre certifies its industry's industry-specific occupations (R4.3)"
    )


class DirectoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """R2.11, public: which organisation issues and reissues which certificate type. No login, no
    personal data."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    serializer_class = DirectoryEntrySerializer
    pagination_class = None
    filter_backends: list[Any] = []
    queryset = NumberingConfig.objects.none()

    @extend_schema(responses=DirectoryEntrySerializer(many=True), auth=[])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(DirectoryEntrySerializer(directory_entries(), many=True).data)
