"""R4.4/R4.5: session plans, enrolment, scores upload, results report and forms."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from skillcert.appraisal.api.common import (
    EnrolmentSerializer,
    ReviewSerializer,
    ScopedOrgSerializer,
    file_response,
)
from skillcert.appraisal.models import (
    AppraisalSession,
    SessionReport,
    SessionSubject,
)
from skillcert.appraisal.services import enrolment as enrolment_services
from skillcert.appraisal.services import reports, scores, sessions
from skillcert.core.api import ScopedQuerysetMixin
from skillcert.core.errors import NotFound
from skillcert.core.parsers import JSONParser
from skillcert.core.uploads import UploadLimit, read_upload, table_max_bytes
from skillcert.people.models import DocumentType, Gender

# --- sessions (R4.4, R4.5) -----------------------------------------------------------------------


class SubjectSerializer(serializers.ModelSerializer):
    occupation: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    occupation_name = serializers.CharField(source="occupation.name", read_only=True)
    draw: Any = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = SessionSubject
        fields = ["id", "occupation", "occupation_name", "level", "national_bank", "draw"]


class SubjectInSerializer(serializers.Serializer):
    occupation = serializers.CharField(max_length=10)
    level = serializers.IntegerField(min_value=1, max_value=5)
    national_bank = serializers.BooleanField(default=False)


class SessionSerializer(ScopedOrgSerializer):
    subjects = SubjectSerializer(many=True, read_only=True)
    enrolled = serializers.IntegerField(source="enrolments.count", read_only=True)
    report_status = serializers.SerializerMethodField()

    class Meta:
        model = AppraisalSession
        fields = [
            "id",
            "code",
            "organisation",
            "site",
            "exam_start",
            "exam_end",
            "expected_candidates",
            "status",
            "responsible_centre",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "subjects",
            "enrolled",
            "report_status",
        ]
        read_only_fields = [
            "code",
            "status",
            "responsible_centre",
            "submitted_at",
            "reviewed_at",
            "review_comment",
        ]

    def get_report_status(self, session: AppraisalSession) -> str:
        report = SessionReport.objects.filter(session_id=session.pk).first()
        return report.status if report else ""


class SessionInSerializer(ScopedOrgSerializer):
    subjects = SubjectInSerializer(many=True)

    class Meta:
        model = AppraisalSession
        fields = ["organisation", "site", "exam_start", "exam_end", "expected_candidates", "subjects"]


class ReportInSerializer(serializers.Serializer):
    examiners = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)
    notes = serializers.CharField(allow_blank=True, required=False, default="", max_length=500)


class RosterUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="XLSX or CSV: 姓名, 证件号码, 职业编码, 等级 (+ 文化程度, 联系电话, 工作单位)"
    )
    accept_valid_rows = serializers.BooleanField(default=False)


class ScoreUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="XLSX or CSV: 证件号码, 理论, 实操, 综合评审, 缺考")


class ImportReportSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    imported = serializers.IntegerField()
    rejected_rows = serializers.IntegerField()
    errors: Any = serializers.ListField(child=serializers.DictField())


class CardPayloadSerializer(serializers.Serializer):
    """The ID-card bridge's `/readcard` JSON, posted on by the browser, plus the subject."""

    subject = serializers.IntegerField(min_value=1)
    partyName = serializers.CharField(max_length=60)
    gender = serializers.CharField(max_length=4)
    nation = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    bornDay = serializers.CharField(max_length=10)
    certAddress = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    certNumber = serializers.CharField(max_length=40)
    certOrg = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    effDate = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    expDate = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    identityPic = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200_000,
    )


class ManualEnrolSerializer(serializers.Serializer):
    subject = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=60)
    document_type = serializers.ChoiceField(choices=DocumentType.choices, default=DocumentType.RESIDENT_ID)
    document_number = serializers.CharField(max_length=40)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_null=True, default=None)
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    education = serializers.CharField(max_length=4, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    work_unit = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


def _report_payload(report: Any) -> dict[str, Any]:
    return {
        "total": report.total,
        "imported": report.imported,
        "rejected_rows": report.rejected_rows,
        "errors": [e.as_dict() for e in report.errors],
    }


FORM_PARAMS = [
    OpenApiParameter("subject", int, required=True, description="session subject id"),
    OpenApiParameter("format", str, enum=["pdf", "xlsx"], default="pdf"),
]
BINARY = {
    (200, "application/pdf"): OpenApiTypes.BINARY,
    (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
}


class SessionViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """R4.4/R4.5: session plans, enrolment, scores, the after-session report and its forms."""

    scoped_model = AppraisalSession
    filterset_fields = ["status", "organisation"]
    parser_classes = [JSONParser, parsers.MultiPartParser, parsers.FormParser]
    # core.uploads: a table over SKILLCERT_UPLOAD_MAX_BYTES is answered 413 before its body is read
    upload_limits = {
        "import_roster": UploadLimit(table_max_bytes),
        "import_scores": UploadLimit(table_max_bytes),
    }

    def get_serializer_class(self) -> Any:
        return {
            "create": SessionInSerializer,
            "review": ReviewSerializer,
            "review_report": ReviewSerializer,
            "report": ReportInSerializer,
            "import_roster": RosterUploadSerializer,
            "import_scores": ScoreUploadSerializer,
            "enrol_card": CardPayloadSerializer,
            "enrol": ManualEnrolSerializer,
        }.get(self.action, SessionSerializer)

    def scoped_queryset(self) -> Any:
        return (
            AppraisalSession.objects.visible_to(self.request.user)
            .select_related("organisation")
            .prefetch_related("subjects__occupation")
        )

    def _subject(self, session: AppraisalSession, subject_id: Any) -> SessionSubject:
        subject = SessionSubject.objects.filter(session=session, pk=subject_id).first()
        if subject is None:
            raise NotFound(
                "appraisal.subject.not_found", "本场次没有该职业等级", "No such subject in this session"
            )
        return subject

    def _out(self, session: AppraisalSession, code: int = 200) -> Response:
        session = self.scoped_queryset().get(pk=session.pk)
        return Response(SessionSerializer(session).data, status=code)

    @extend_schema(request=SessionInSerializer, responses={201: SessionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = SessionInSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        station = data.pop("organisation")
        session = sessions.create_session(
            station, actor=request.user, subjects=[dict(s) for s in data.pop("subjects")], **data
        )
        return self._out(session, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        return self._out(sessions.submit_session(self.get_object(), actor=request.user))

    @extend_schema(request=ReviewSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: Any = None) -> Response:
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._out(
            sessions.review_session(self.get_object(), actor=request.user, **body.validated_data)
        )

    @extend_schema(request=ManualEnrolSerializer, responses={201: EnrolmentSerializer})
    @action(detail=True, methods=["post"])
    def enrol(self, request: Request, pk: Any = None) -> Response:
        """Manual entry (R0.4 fallback): validated ID number, gender and birth date derived."""
        session = self.get_object()
        body = ManualEnrolSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        subject = self._subject(session, data.pop("subject"))
        work_unit = data.pop("work_unit")
        data["education"] = data["education"] or None
        enrolment = enrolment_services.enrol_manual(
            session, subject, actor=request.user, work_unit=work_unit, **data
        )
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CardPayloadSerializer, responses={201: EnrolmentSerializer})
    @action(detail=True, methods=["post"], url_path="enrol-card")
    def enrol_card(self, request: Request, pk: Any = None) -> Response:
        """R0.3/R0.4: the ID-card reader bridge's JSON, as read in the browser, with the chip photo."""
        session = self.get_object()
        body = CardPayloadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payload = dict(body.validated_data)
        subject = self._subject(session, payload.pop("subject"))
        enrolment = enrolment_services.enrol_from_card(session, subject, payload, actor=request.user)
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": RosterUploadSerializer}, responses=ImportReportSerializer)
    @action(detail=True, methods=["post"], url_path="import-roster")
    def import_roster(self, request: Request, pk: Any = None) -> Response:
        """XLSX/CSV roster; rejected whole with errors per row and field unless `accept_valid_rows` (X6)."""
        session = self.get_object()
        body = RosterUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        report = enrolment_services.import_enrolments(
            session,
            read_upload(upload, table_max_bytes()),
            upload.name or "",
            actor=request.user,
            accept_valid_rows=body.validated_data["accept_valid_rows"],
        )
        return Response(_report_payload(report))

    @extend_schema(request={"multipart/form-data": ScoreUploadSerializer}, responses=ImportReportSerializer)
    @action(detail=True, methods=["post"], url_path="import-scores")
    def import_scores(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        body = ScoreUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        content = read_upload(upload, table_max_bytes())
        report = scores.import_scores(session, content, upload.name or "", actor=request.user)
        return Response(_report_payload(report))

    @extend_schema(request=ReportInSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: Any = None) -> Response:
        """R4.5: submit the results (appraisal report, roster, approval form) to the responsible centre."""
        session = self.get_object()
        body = ReportInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reports.submit_report(session, actor=request.user, **body.validated_data)
        return self._out(session)

    @extend_schema(request=ReviewSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"], url_path="review-report")
    def review_report(self, request: Request, pk: Any = None) -> Response:
        """R4.5: approve (the qualified become eligible for certificates) or return the results."""
        session = self.get_object()
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = SessionReport.objects.filter(session=session).first()
        if report is None:
            raise NotFound("appraisal.report.not_found", "结果尚未上报", "The results were not submitted")
        reports.review_report(report, actor=request.user, **body.validated_data)
        return self._out(session)

    def _document(self, request: Request, kind: str) -> HttpResponse:
        from skillcert.appraisal import forms_pdf, forms_xlsx

        session = self.get_object()
        subject = self._subject(session, request.query_params.get("subject") or 0)
        fmt = request.query_params.get("format", "pdf")
        renderer = forms_xlsx if fmt == "xlsx" else forms_pdf
        if kind == "roster":
            content = renderer.render_qualified_roster(reports.qualified_roster(subject))
        else:
            content = renderer.render_appraisal_report(reports.appraisal_report(subject))
        return file_response(content, fmt, f"{session.code}-{subject.pk}-{kind}")

    @extend_schema(parameters=FORM_PARAMS, responses=BINARY)
    @action(detail=True, methods=["get"], url_path="roster-form")
    def roster_form(self, request: Request, pk: Any = None) -> HttpResponse:
        """附表六 合格人员名册 (技师/高级技师: 审批表), as PDF or XLSX."""
        return self._document(request, "roster")

    @extend_schema(parameters=FORM_PARAMS, responses=BINARY)
    @action(detail=True, methods=["get"], url_path="report-form")
    def report_form(self, request: Request, pk: Any = None) -> HttpResponse:
        """附表四 鉴定报告, as PDF or XLSX."""
        return self._document(request, "report")
