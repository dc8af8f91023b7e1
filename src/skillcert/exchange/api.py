"""Exchange API (X4): import certificate records (as a job), national exchange export, one certificate
as a W3C Verifiable Credential. Errors are problem JSON with stable codes."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skillcert.core.errors import field_error
from skillcert.core.uploads import UploadLimit, import_max_bytes
from skillcert.exchange.services.credentials import credential_for
from skillcert.exchange.services.national import write_national_export
from skillcert.exchange.services.uploads import importing_organisation, start_import
from skillcert.jobs.models import Job


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV or XLSX in format import-v1")
    organisation = serializers.CharField(required=False, help_text="code of the importing organisation")
    partial: Any = serializers.BooleanField(
        required=False, default=False, help_text="write the valid rows only"
    )


class ImportJobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    result = serializers.JSONField()
    errors: Any = serializers.JSONField()


def _date(request: Request, key: str) -> datetime.date:
    raw = request.query_params.get(key, "")
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise field_error(
            "query",
            key,
            "exchange.date.format",
            f"参数{key}应为YYYY-MM-DD日期",
            f"The parameter {key} must be a date YYYY-MM-DD",
        ) from None


class ImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    upload_limits = {"post": UploadLimit(import_max_bytes)}  # 413 before the body is read (core.uploads)

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer}, responses={202: ImportJobSerializer}
    )
    def post(self, request: Request) -> Response:
        """Upload a file in format import-v1; the import runs as a job (poll /api/v1/jobs/{id}/). Its
        result counts created / unchanged / rejected rows and links the XLSX error report."""
        form = ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        org = importing_organisation(request.user, form.validated_data.get("organisation"))
        job = start_import(
            form.validated_data["file"],
            actor=request.user,
            organisation=org,
            partial=form.validated_data["partial"],
        )
        job = Job.objects.get(pk=job.pk)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class NationalExportView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=True, description="first issue date, YYYY-MM-DD"),
            OpenApiParameter("to", str, required=True, description="last issue date, YYYY-MM-DD"),
            OpenApiParameter("organisation", str, required=False, description="exporting organisation code"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        """Certificates issued in the period, format national-exchange-v1 (R2.6)."""
        org = importing_organisation(
            request.user, request.query_params.get("organisation"), "exchange.export"
        )
        out = io.StringIO()
        write_national_export(
            out,
            actor=request.user,
            exporter=org,
            date_from=_date(request, "from"),
            date_to=_date(request, "to"),
        )
        return Response(json.loads(out.getvalue()))


class CredentialView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request: Request, number: str) -> Response:
        """One certificate as a W3C Verifiable Credential 2.0 with an eddsa-jcs-2022 proof."""
        data: Any = credential_for(number, actor=request.user, host=request.get_host())
        return Response(data)
