"""Printing API (X4), mounted at /api/v1/printing/: printers with their calibration and calibration page,
print jobs (create, items, PDF, reprint, steel seal) and the certificates waiting to be printed.

Everything is scoped by `printing.print` in the organisation tree (X1): records outside the caller's
subtrees answer 404. The full ID number appears only inside the printed PDF, never in JSON (X7)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from skillcert.certificates.models import Certificate
from skillcert.core.api import ScopedQuerysetMixin
from skillcert.core.errors import Conflict, NotFound
from skillcert.core.filters import ID_MAX, ID_MIN
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import org_filter
from skillcert.printing.insert import Calibration, calibration_page
from skillcert.printing.models import OFFSET_LIMIT_MM, SCALE_MAX, SCALE_MIN, Printer, PrintItem, PrintJob
from skillcert.printing.services import jobs as job_services
from skillcert.printing.services.common import PERMISSION
from skillcert.printing.services.printers import create_printer, update_printer
from skillcert.printing.services.render import read_pdf

PROBLEM = {"$ref": "#/components/schemas/Problem"}
PDF = OpenApiResponse(OpenApiTypes.BINARY, description="PDF")
CONFLICT = OpenApiResponse(PROBLEM, description="Conflict (state or stock)")
MAX_IDS = job_services.MAX_PER_JOB


def _organisation(user: Any, pk: int) -> Organisation:
    org = Organisation.objects.filter(org_filter(user, None, PERMISSION)).filter(pk=pk).first()
    if org is None:
        raise NotFound(
            "printing.organisation.not_found", "单位不存在或不在您的管辖范围内", "No such organisation"
        )
    return org


def _base_url(request: Request) -> str:
    return request.build_absolute_uri("/Q/")


class PrinterSerializer(serializers.ModelSerializer):
    offset_x_mm = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=-OFFSET_LIMIT_MM, max_value=OFFSET_LIMIT_MM, required=False
    )
    offset_y_mm = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=-OFFSET_LIMIT_MM, max_value=OFFSET_LIMIT_MM, required=False
    )
    scale = serializers.DecimalField(
        max_digits=6, decimal_places=4, min_value=SCALE_MIN, max_value=SCALE_MAX, required=False
    )

    class Meta:
        model = Printer
        fields = [
            "id",
            "organisation",
            "name",
            "offset_x_mm",
            "offset_y_mm",
            "scale",
            "active",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class PrinterUpdateSerializer(PrinterSerializer):
    class Meta(PrinterSerializer.Meta):
        read_only_fields = ["id", "organisation", "created_at", "updated_at"]


class PrinterViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Printers of the caller's organisations and their calibration (R0.2): the whole page is scaled by
    `scale` about the sheet's top-left corner and moved `offset_x_mm` right, `offset_y_mm` down."""

    scoped_model = Printer
    serializer_class = PrinterSerializer
    filterset_class: Any = None
    filterset_fields = ["organisation", "active"]

    def scoped_queryset(self) -> Any:
        return Printer.objects.visible_to(self.request.user).select_related("organisation")

    def get_serializer_class(self) -> Any:
        if self.action in ("update", "partial_update"):
            return PrinterUpdateSerializer
        return PrinterSerializer

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        org = _organisation(self.request.user, data.pop("organisation").pk)
        serializer.instance = create_printer(org, actor=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = update_printer(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(responses={(200, "application/pdf"): PDF}, filters=False)
    @action(detail=True, methods=["get"], url_path="calibration-page", filterset_class=None)
    def calibration_page(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The calibration page (rulers, crosshairs at known positions, insert outlines) printed with
        this printer's current calibration."""
        printer = self.get_object()
        pdf = calibration_page(Calibration.of(printer), printer_name=printer.name)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="calibration-{printer.pk}.pdf"'
        return response


class PrintItemSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="certificate.number", read_only=True)
    name = serializers.SerializerMethodField()
    sheet = serializers.IntegerField(read_only=True)
    steel_seal_by = serializers.SerializerMethodField()

    class Meta:
        model = PrintItem
        fields = [
            "id",
            "position",
            "sheet",
            "certificate",
            "number",
            "name",
            "serial_text",
            "reissue",
            "state",
            "replaced_by",
            "spoiled_at",
            "spoil_reason",
            "steel_seal_at",
            "steel_seal_by",
        ]
        read_only_fields = fields

    def get_name(self, item: PrintItem) -> str:
        return str(item.certificate.data.get("name", ""))

    def get_steel_seal_by(self, item: PrintItem) -> str | None:
        return item.steel_seal_by.get_username() if item.steel_seal_by else None


class PrintJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrintJob
        fields = [
            "id",
            "organisation",
            "holder",
            "level",
            "kind",
            "status",
            "printer",
            "calibration",
            "parent",
            "reason",
            "render_job",
            "item_count",
            "pages",
            "sha256",
            "created_at",
            "rendered_at",
        ]
        read_only_fields = fields


class IdList(serializers.ListField):
    child = serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX)


class CreatePrintJobSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(
        min_value=ID_MIN, max_value=ID_MAX, help_text="the printing centre or station"
    )
    certificates = IdList(min_length=1, max_length=MAX_IDS, help_text="certificate ids")
    printer = serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX, required=False, allow_null=True)


class ReprintSerializer(serializers.Serializer):
    items = IdList(min_length=1, max_length=MAX_IDS, help_text="print item ids of this job")
    reason = serializers.CharField(max_length=200)


class SteelSealSerializer(serializers.Serializer):
    items = IdList(min_length=1, max_length=MAX_IDS, help_text="print item ids of this job")


class PrintableSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    id_number_masked = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "number", "name", "id_number_masked", "level", "organisation", "issued_on"]
        read_only_fields = fields

    def get_name(self, c: Certificate) -> str:
        return str(c.data.get("name", ""))

    def get_id_number_masked(self, c: Certificate) -> str:
        return str(c.data.get("id_number_masked", ""))


class PrintJobViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Print jobs: issued certificates printed two to an A4 sheet, each insert on the next blank serial
    of the stock holder (a station prints on its centre's stock, R1.8), rendered by a background job."""

    scoped_model = PrintJob
    serializer_class = PrintJobSerializer
    filterset_class: Any = None
    filterset_fields = ["organisation", "status", "kind", "level"]

    def scoped_queryset(self) -> Any:
        return PrintJob.objects.visible_to(self.request.user)

    def _items(self, job: PrintJob, ids: list[int]) -> list[int]:
        found = set(PrintItem.objects.filter(print_job=job, pk__in=ids).values_list("pk", flat=True))
        if found != set(ids):
            raise NotFound(
                "printing.item.not_found", "内页记录不属于该打印批次", "No such insert in this job"
            )
        return sorted(found)

    @extend_schema(
        request=CreatePrintJobSerializer,
        responses={201: PrintJobSerializer(many=True), (409, "application/problem+json"): CONFLICT},
        filters=False,
    )
    def create(self, request: Request) -> Response:
        """Print certificates: one job per level, all serials bound in one transaction (all or nothing)."""
        body = CreatePrintJobSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        org = _organisation(request.user, body.validated_data["organisation"])
        created = job_services.create_print_jobs(
            organisation=org,
            certificates=body.validated_data["certificates"],
            actor=request.user,
            printer=body.validated_data.get("printer"),
            base_url=_base_url(request),
        )
        for job in created:
            job.refresh_from_db()
        return Response(PrintJobSerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PrintItemSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def items(self, request: Request, pk: str | None = None) -> Response:
        """The job's inserts in print order (sheet = position // 2 + 1), with serial and steel-seal record."""
        job = self.get_object()
        rows = job.items.select_related("certificate", "steel_seal_by").order_by("position")
        return Response(PrintItemSerializer(rows, many=True).data)

    @extend_schema(
        responses={(200, "application/pdf"): PDF, (409, "application/problem+json"): CONFLICT}, filters=False
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The rendered PDF (409 `printing.job.not_ready` while rendering)."""
        job = self.get_object()
        if not job_services.job_ready(job):
            raise Conflict("printing.job.not_ready", "打印文件尚未生成", "The print file is not ready yet")
        response = HttpResponse(read_pdf(job), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="print-job-{job.pk}.pdf"'
        return response

    @extend_schema(
        request=ReprintSerializer,
        responses={201: PrintJobSerializer, (409, "application/problem+json"): CONFLICT},
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def reprint(self, request: Request, pk: str | None = None) -> Response:
        """Reprint spoiled inserts: their serials go to the ledger as spoiled, new ones are bound, and a
        reprint job renders only these inserts (R1.6)."""
        job = self.get_object()
        body = ReprintSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = self._items(job, body.validated_data["items"])
        new = job_services.reprint_inserts(
            ids, reason=body.validated_data["reason"], actor=request.user, base_url=_base_url(request)
        )
        new.refresh_from_db()
        return Response(PrintJobSerializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SteelSealSerializer,
        responses={200: PrintItemSerializer(many=True), (409, "application/problem+json"): CONFLICT},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path="steel-seal", filterset_class=None, pagination_class=None)
    def steel_seal(self, request: Request, pk: str | None = None) -> Response:
        """Record that the steel seal (钢印) was pressed on these inserts, by the caller, now (R0.2)."""
        job = self.get_object()
        body = SteelSealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job_services.record_steel_seal(self._items(job, body.validated_data["items"]), actor=request.user)
        rows = job.items.filter(pk__in=body.validated_data["items"]).select_related(
            "certificate", "steel_seal_by"
        )
        return Response(PrintItemSerializer(rows.order_by("position"), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "organisation", OpenApiTypes.INT64, required=True, description="the printing organisation"
            )
        ],
        responses=PrintableSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def printable(self, request: Request) -> Response:
        """Issued certificates of the organisation's subtree that wait for printing (never printed, or
        reissued since their last insert)."""
        field = serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX)
        try:
            pk = field.run_validation(request.query_params.get("organisation"))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"organisation": exc.detail}) from exc
        org = _organisation(request.user, pk)
        queryset = job_services.printable_certificates(org, request.user)
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        data = PrintableSerializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)
