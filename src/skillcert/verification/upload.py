"""Public upload check of an e-certificate file (R2.1, R2.6; issue 5): the page `/verify/file/` and
`POST /api/v1/verify/file/`. Upload a PDF or OFD (at most 5 MB, recognised by content) → valid /
invalid (reason) / cannot determine (reason), and whether it is the registered original file or a
re-saved or converted copy (which has no effect, R2.1). Rate limited like the lookup (same counter) and
logged like it (`LookupLog`, method `file`: result, reason, the number's first 6 characters)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skillcert.core.errors import SkillcertError
from skillcert.core.uploads import UploadLimit, read_upload, upload_limit
from skillcert.esign.services import filecheck
from skillcert.verification import services
from skillcert.verification.api import client_address
from skillcert.verification.models import LookupLog


def check_upload(request: Any, channel: str) -> filecheck.FileCheck:
    """Count, check and log one uploaded file; a refusal (rate limit, empty, too large, not PDF/OFD)
    is logged and raised."""
    client = client_address(request)
    method = LookupLog.Method.FILE
    services._count(channel, method, client)
    try:
        result = filecheck.check_file(_read(request.FILES.get("file")))
    except SkillcertError as exc:
        services._log(channel, method, client, "rejected", exc.code, "")
        raise
    services._log(channel, method, client, result.status, result.reason, result.verdict.number or "")
    return result


def _read(upload: Any) -> bytes:
    if upload is None:
        return b""
    # 413 core.upload.too_large, judged from the size before a byte is read (core.uploads)
    return read_upload(upload, filecheck.MAX_UPLOAD)


@never_cache
@require_http_methods(["GET", "POST"])
@upload_limit(filecheck.MAX_UPLOAD)
def upload_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            context["result"] = check_upload(request, LookupLog.Channel.WEB).as_dict()
        except SkillcertError as exc:
            context["problem"] = exc
            status = exc.status
    return render(request, "verification/upload.html", context, status=status)


class FileUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="the e-certificate, PDF or OFD, at most 5 MB")


class VerifyFileView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]
    upload_limits = {"post": UploadLimit(filecheck.MAX_UPLOAD)}  # 413 before the body is read

    @extend_schema(
        operation_id="verify_file",
        tags=["verification"],
        summary="Check an uploaded e-certificate file (public)",
        description=(
            "Multipart field `file`: a PDF or OFD e-certificate. 200 with `status` valid / invalid / "
            "cannot_determine, `reason`, `signature` (the signed data's own verdict), `original` and "
            "`originality` (original, superseded, not_original, not_verified). A genuine but re-saved "
            "or converted copy is `invalid` with reason `esign.file.not_original` (R2.1). 400 for an "
            "empty or unknown file, 413 for one over 5 MB; 429 past the lookup rate."
        ),
        request={"multipart/form-data": FileUploadSerializer},
        responses={
            200: OpenApiResponse(description="verdict"),
            400: OpenApiResponse(description="not a PDF or OFD (problem+json)"),
            413: OpenApiResponse(description="larger than 5 MB (problem+json)"),
            429: OpenApiResponse(description="Too many lookups from this address (problem+json)"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        return Response(check_upload(request, LookupLog.Channel.API).as_dict())

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, services.RateLimited):
            response["Retry-After"] = exc.retry_after_header
        return response
