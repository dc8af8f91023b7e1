"""Reports through the API (X4): live report content, submissions (frozen, versioned), the deadline
tracker and the dashboard chart data. Scoped like the pages (X1): out of scope answers 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skillcert.core.api import ScopedQuerysetMixin
from skillcert.core.errors import field_error
from skillcert.orgs.models import Organisation
from skillcert.reports import periods
from skillcert.reports.models import ReportSubmission
from skillcert.reports.services import dashboard as dashboard_service
from skillcert.reports.services import deadlines as deadline_service
from skillcert.reports.services.build import build_report
from skillcert.reports.services.common import require_view
from skillcert.reports.services.submit import record_download, submit_report
from skillcert.reports.views import XLSX, file_response


def _period(value: str, field: str = "period") -> periods.Period:
    try:
        return periods.parse(value)
    except periods.PeriodError as exc:
        raise field_error(
            None,
            field,
            "reports.period.invalid",
            "统计期间代码无效（例如 2026Q1、2026Y、2026H1、2026A）",
            "Invalid period code (e.g. 2026Q1, 2026Y, 2026H1, 2026A)",
        ) from exc


def _org(user: Any, pk: Any) -> Organisation:
    if not str(pk).isdigit():
        raise NotFound()
    org = get_object_or_404(Organisation.objects.select_related("parent"), pk=int(pk))
    require_view(user, org)
    return org


class SubmissionSerializer(serializers.ModelSerializer):
    period = serializers.SerializerMethodField()
    organisation_code = serializers.CharField(source="organisation.code", read_only=True)
    submitted_by = serializers.SerializerMethodField()

    class Meta:
        model = ReportSubmission
        fields = [
            "id",
            "organisation",
            "organisation_code",
            "period",
            "version",
            "due_on",
            "late",
            "content_sha256",
            "note",
            "submitted_at",
            "submitted_by",
        ]
        read_only_fields = fields

    def get_period(self, obj: ReportSubmission) -> str:
        return obj.period.code

    def get_submitted_by(self, obj: ReportSubmission) -> str:
        return obj.submitted_by.get_username() if obj.submitted_by else ""


class SubmissionDetailSerializer(SubmissionSerializer):
    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "content"]
        read_only_fields = fields


class SubmitSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(help_text="organisation id")
    period = serializers.CharField(max_length=8, help_text="2026Q1, 2026Y, 2026H1 or 2026A")
    note = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="required for a resubmission: why"
    )


class ReportSubmissionViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Submitted reports, frozen; POST submits (a new version when one exists)."""

    scoped_model = ReportSubmission
    filterset_fields = ["organisation", "period_kind", "period_year", "period_number", "late"]

    def scoped_queryset(self) -> Any:
        return super().scoped_queryset().select_related("organisation", "submitted_by").defer("pdf", "xlsx")

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return SubmitSerializer
        return SubmissionDetailSerializer if self.action == "retrieve" else SubmissionSerializer

    @extend_schema(request=SubmitSerializer, responses={201: SubmissionDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = _org(request.user, data.validated_data["organisation"])
        submission = submit_report(
            org,
            _period(data.validated_data["period"]),
            actor=request.user,
            note=data.validated_data.get("note", ""),
        )
        return Response(SubmissionDetailSerializer(submission).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: Any = None) -> HttpResponse:
        submission = self.get_object()
        record_download(submission, "pdf", actor=request.user)
        return file_response(
            bytes(ReportSubmission.objects.values_list("pdf", flat=True).get(pk=submission.pk)),
            "pdf",
            f"{submission.organisation.code}_{submission.period.code}_v{submission.version}.pdf",
        )

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def xlsx(self, request: Request, pk: Any = None) -> HttpResponse:
        submission = self.get_object()
        record_download(submission, "xlsx", actor=request.user)
        return file_response(
            bytes(ReportSubmission.objects.values_list("xlsx", flat=True).get(pk=submission.pk)),
            "xlsx",
            f"{submission.organisation.code}_{submission.period.code}_v{submission.version}.xlsx",
        )


_ORG_PARAM = OpenApiParameter("organisation", int, required=True, description="organisation id")
_PERIOD_PARAM = OpenApiParameter("period", str, required=True, description="2026Q1, 2026Y, 2026H1 or 2026A")


class LiveReportView(APIView):
    """The report of an organisation and period computed now (not frozen): both tables and the blank
    ledger sections."""

    @extend_schema(parameters=[_ORG_PARAM, _PERIOD_PARAM], responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        org = _org(request.user, request.query_params.get("organisation", ""))
        return Response(
            build_report(org, _period(request.query_params.get("period", "")), actor=request.user)
        )


class DeadlinesView(APIView):
    """Who owes which report of `kind` for `year`, and its status (submitted, late, overdue, due, open)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=list(periods.KINDS), description="default quarter"),
            OpenApiParameter("year", int, description="default: the current period's year"),
            OpenApiParameter("organisation", int, description="only this subtree"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        kind = request.query_params.get("kind", periods.QUARTER)
        if kind not in periods.KINDS:
            raise field_error(None, "kind", "reports.kind.invalid", "报表类型无效", "Invalid report kind")
        year_text = request.query_params.get("year", "")
        if year_text and not (year_text.isdigit() and periods.MIN_YEAR <= int(year_text) <= periods.MAX_YEAR):
            raise field_error(None, "year", "reports.year.invalid", "年份无效", "Invalid year")
        year = int(year_text) if year_text else periods.period_of(kind, today).year
        org_text = request.query_params.get("organisation", "")
        org = _org(request.user, org_text) if org_text else None
        items = deadline_service.obligations(request.user, kind, year, today=today, organisation=org)
        return Response(
            {
                "kind": kind,
                "year": year,
                "today": today.isoformat(),
                "summary": deadline_service.summary(items),
                "results": [item.as_dict() for item in items],
            }
        )


class DashboardView(APIView):
    """Chart data of an organisation's subtree: certificates per month by level and by occupation,
    pass rates, blank stock per holder, verification lookups and not-found rates by day and prefix."""

    @extend_schema(
        parameters=[
            _ORG_PARAM,
            OpenApiParameter(
                "months", int, description="months of certificates and pass rates (1–36, default 12)"
            ),
            OpenApiParameter("days", int, description="days of verification lookups (1–120, default 30)"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        org = _org(request.user, request.query_params.get("organisation", ""))

        def bounded(name: str, default: int, top: int) -> int:
            text = request.query_params.get(name, "")
            if not text:
                return default
            if not text.isdigit() or not 1 <= int(text) <= top:
                raise field_error(
                    None,
                    name,
                    f"reports.{name}.invalid",
                    f"{name} 超出范围（1–{top}）",
                    f"{name} out of range (1–{top})",
                )
            return int(text)

        return Response(
            dashboard_service.dashboard(
                org, actor=request.user, months=bounded("months", 12, 36), days=bounded("days", 30, 120)
            )
        )
