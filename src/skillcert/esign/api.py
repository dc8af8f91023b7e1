"""Public key list `/api/v1/keys/` (R2.1, R2.3, X2): anyone may fetch the issuers' public keys, their
ids and validity to verify certificates offline. Read-only, no authentication, public data only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skillcert.core.api import SafeLookupMixin
from skillcert.esign.models import IssuerKey


class PublicKeySerializer(serializers.ModelSerializer):
    organisation_code = serializers.CharField(source="organisation.code", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    public_key = serializers.CharField(
        read_only=True, help_text="SM2 public key, uncompressed point 04||X||Y as 130 hex digits"
    )

    class Meta:
        model = IssuerKey
        fields = [
            "key_id",
            "organisation_code",
            "organisation_name",
            "algorithm",
            "public_key",
            "valid_from",
            "valid_until",
            "status",
            "revoked_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="Published issuer public keys",
        description="SM2 public keys of the issuing authorities with their key ids, validity and status. "
        "Signatures use SM2-with-SM3 and the signer ID `1234567812345678`. No authentication.",
        auth=[],
    ),
    retrieve=extend_schema(
        summary="One issuer public key by key id",
        description="The key named by its id (first 16 hex digits of SM3 of the public key). "
        "No authentication.",
        auth=[],
    ),
)
class IssuerKeyViewSet(SafeLookupMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PublicKeySerializer
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    lookup_field = "key_id"
    lookup_value_regex = "[0-9a-f]{16}"
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return IssuerKey.objects.published()


# --- signed revocation list (issue 5 item 7; R2.3; docs/formats/revocation-list.md) -----------------


class _RevokedCertificateSerializer(serializers.Serializer):
    number = serializers.CharField()
    revoked_at = serializers.CharField(help_text="UTC, YYYY-MM-DDTHH:MM:SSZ")


class _RevokedKeySerializer(serializers.Serializer):
    key_id = serializers.CharField()
    revoked_at = serializers.CharField(help_text="UTC, YYYY-MM-DDTHH:MM:SSZ")


class _RevocationBodySerializer(serializers.Serializer):
    v = serializers.IntegerField()
    issued_at = serializers.CharField()
    next_update = serializers.CharField(help_text="after this time the list is stale")
    sequence = serializers.IntegerField(help_text="count of revocation events; never decreases")
    publisher = serializers.CharField(help_text="code of the organisation whose key signed the list")
    certificates = _RevokedCertificateSerializer(many=True)
    keys = _RevokedKeySerializer(many=True)


class RevocationListSerializer(serializers.Serializer):
    list = _RevocationBodySerializer()
    alg = serializers.CharField(help_text="SM2-SM3")
    key_id = serializers.CharField(help_text="the publisher key, as listed at /api/v1/keys/")
    signature = serializers.CharField(
        help_text='hex r||s over "SKILLCERT:REVOCATIONS:V1\\0" || canonical JSON of `list`'
    )


class RevocationListView(APIView):
    """The current signed revocation list; public, read-only, no personal data (X7)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="revocations_list",
        tags=["keys"],
        summary="Signed revocation list",
        description="Revoked certificate numbers and revoked issuer keys with their revocation times, "
        "`issued_at`, `next_update` and a monotonic `sequence`, signed SM2-with-SM3 by the publisher key "
        "(docs/formats/revocation-list.md). For offline verification. 503 when no signing key exists. "
        "No authentication.",
        responses={
            200: RevocationListSerializer,
            503: OpenApiResponse(description="No key to sign the list (problem+json)"),
        },
        auth=[],
    )
    def get(self, request: Request) -> Response:
        from skillcert.esign.revocation import build_revocation_list

        return Response(build_revocation_list())
