"""Public key list `/api/v1/keys/` (R2.1, R2.3, X2): anyone may fetch the issuers' public keys, their
ids and validity to verify certificates offline. Read-only, no authentication, public data only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

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
