"""`POST /api/v1/verify/`: the public JSON verification API (issue 5 item 5; R2.3, R3.1, X7).

No authentication, no session, no CSRF: anyone may ask. Rate-limited per client address (429 with a
problem body and Retry-After)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skillcert.core.api import storable_text
from skillcert.people.models import DocumentType
from skillcert.verification import fast, services
from skillcert.verification.models import LookupLog


class VerifyRequestSerializer(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=["number", "id", "qr"])
    number = serializers.CharField(
        required=False, max_length=64, help_text="certificate number (method number)"
    )
    name = serializers.CharField(required=False, max_length=100, help_text="holder's name (number, id)")
    id_number = serializers.CharField(required=False, max_length=64, help_text="ID number (method id)")
    document_type = serializers.ChoiceField(
        choices=DocumentType.choices, required=False, default=DocumentType.RESIDENT_ID
    )
    payload = serializers.CharField(required=False, max_length=400, help_text="the QR text (method qr)")

    _NEEDS = {"number": ("number", "name"), "id": ("id_number", "name"), "qr": ("payload",)}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        missing = {f: ["This field is required."] for f in self._NEEDS[attrs["method"]] if not attrs.get(f)}
        if missing:
            raise serializers.ValidationError(missing, code="required")
        return attrs


class MessageSerializer(serializers.Serializer[Any]):
    zh = serializers.CharField()
    en = serializers.CharField()


class VerifyResponseSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=list(services.STATUSES))
    reason = serializers.CharField(allow_null=True, help_text="reason code; null when valid")
    message = MessageSerializer()
    certificate = serializers.DictField(
        allow_null=True,
        help_text="current data, ID number masked; `photo` (data: URI) only when number and name matched",
    )


_PLAIN_KEYS = frozenset(("method", "number", "name"))
_MAX_LENGTHS = {"number": 64, "name": 100}


def _plain_text(value: Any, field: str) -> str | None:
    """The value as VerifyRequestSerializer's CharField would pass it (trimmed), or None when the
    serializer might refuse or change it otherwise (then the serializer decides)."""
    if type(value) is not str:
        return None
    text = value.strip()
    if not text or len(text) > _MAX_LENGTHS[field] or not storable_text(text):
        return None
    return text


def plain_number_lookup(data: Any) -> tuple[str, str] | None:
    """(number, name) when the body is exactly a well-formed number + name lookup; else None."""
    if not isinstance(data, dict) or data.get("method") != "number" or not _PLAIN_KEYS.issuperset(data):
        return None
    number, name = _plain_text(data.get("number"), "number"), _plain_text(data.get("name"), "name")
    if number is None or name is None:
        return None
    return number, name


def client_address(request: Any) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


class VerifyView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="verify",
        tags=["verification"],
        summary="Verify a certificate (public)",
        description=(
            "By number + name, ID number + name, or the QR text. Always 200 with a verdict: valid, "
            "revoked, reissued, not_found, invalid (reason code) or cannot_determine (reason code). "
            "Not-found answers are identical whatever did not match. 429 when the client address "
            "exceeds its lookup rate."
        ),
        request=VerifyRequestSerializer,
        responses={
            200: VerifyResponseSerializer,
            429: OpenApiResponse(description="Too many lookups from this address (problem+json)"),
        },
        examples=[
            OpenApiExample("number", value={"method": "number", "number": "2610012003400001", "name": "张三"})
        ],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        plain = plain_number_lookup(request.data)
        if plain is not None:  # the hot path: nothing the serializer would change or refuse
            verdict = fast.verify_by_number(
                plain[0], plain[1], channel=LookupLog.Channel.API, client=client_address(request)
            )
            return Response(verdict.as_dict())
        incoming = VerifyRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        client = client_address(request)
        channel = LookupLog.Channel.API
        if data["method"] == "number":
            verdict = fast.verify_by_number(data["number"], data["name"], channel=channel, client=client)
        elif data["method"] == "id":
            verdict = services.verify_by_id(
                data["id_number"],
                data["name"],
                channel=channel,
                client=client,
                document_type=data["document_type"],
            )
        else:
            verdict = services.verify_qr(data["payload"], channel=channel, client=client)
        return Response(verdict.as_dict())

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, services.RateLimited):
            response["Retry-After"] = exc.retry_after_header
        return response
