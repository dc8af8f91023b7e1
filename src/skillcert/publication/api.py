"""REST API for publication (R3.7–R3.9) under /api/v1/publication/.

Everything the back-office pages do: the schedule of a year, batches and releases in the user's scope
(404 outside it, X1) with their sign-offs and the next role due, submit / compile / sign / publish, the
freeze switch and the backups list. Errors are problem JSON with the services' stable codes."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skillcert.core.api import ScopedQuerysetMixin
from skillcert.core.errors import field_error
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission
from skillcert.publication import schedule, services
from skillcert.publication.models import Backup, Batch, Release, SignOff


class SignOffSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = SignOff
        fields = ["step", "role", "user", "decision", "comment", "at"]


class BatchSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.code", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True, default=None)
    signoffs = SignOffSerializer(many=True, read_only=True)
    next_role = serializers.SerializerMethodField()
    certificates = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "organisation",
            "kind",
            "period",
            "data_start",
            "data_end",
            "publication_date",
            "state",
            "submitted_by",
            "submitted_at",
            "release",
            "certificate_count",
            "next_role",
            "signoffs",
            "certificates",
        ]

    def get_next_role(self, obj: Batch) -> str | None:
        return services.next_role(obj)

    def get_certificates(self, obj: Batch) -> list[str]:
        return list(obj.items.filter(active=True).values_list("certificate__number", flat=True)[:1000])


class ReleaseSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.code", read_only=True)
    compiled_by = serializers.CharField(source="compiled_by.username", read_only=True, default=None)
    published_by = serializers.CharField(source="published_by.username", read_only=True, default=None)
    signoffs = SignOffSerializer(many=True, read_only=True)
    batches: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    next_role = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = [
            "id",
            "organisation",
            "period",
            "data_start",
            "data_end",
            "publication_date",
            "state",
            "compiled_by",
            "compiled_at",
            "published_by",
            "published_at",
            "certificate_count",
            "batches",
            "next_role",
            "signoffs",
        ]

    def get_next_role(self, obj: Release) -> str | None:
        return services.next_role(obj)


class SignSerializer(serializers.Serializer):
    approve = serializers.BooleanField(default=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class OrganisationCodeSerializer(serializers.Serializer):
    organisation = serializers.CharField(help_text="organisation code")
    period = serializers.CharField(required=False, help_text="compile only: YYYY-MMA / YYYY-MMB")


PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _with_409(ok: Any, status: int = 200) -> dict[Any, Any]:
    """A success body plus the documented 409 problem answer (window closed, wrong state, frozen…)."""
    return {
        status: ok,
        (409, "application/problem+json"): OpenApiResponse(
            PROBLEM, description="Conflict with the schedule or state"
        ),
    }


def _org(request: Request, code: str) -> Organisation:
    return get_object_or_404(Organisation.objects.visible_to(request.user), code=code)


class BatchViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """City submissions and the province's own batches."""

    scoped_model = Batch
    serializer_class = BatchSerializer

    def scoped_queryset(self) -> Any:
        return Batch.objects.visible_to(self.request.user).select_related("organisation", "submitted_by")

    @extend_schema(request=OrganisationCodeSerializer, responses=_with_409(BatchSerializer, 201))
    @action(detail=False, methods=["post"])
    def submit(self, request: Request) -> Response:
        body = OrganisationCodeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = services.submit_batch(_org(request, body.validated_data["organisation"]), actor=request.user)
        return Response(BatchSerializer(batch).data, status=201)

    @extend_schema(request=SignSerializer, responses=_with_409(BatchSerializer))
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        body = SignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = services.sign_batch(self.get_object(), actor=request.user, **body.validated_data)
        return Response(BatchSerializer(batch).data)


class ReleaseViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Provincial releases: compile, sign off, publish."""

    scoped_model = Release
    serializer_class = ReleaseSerializer

    def scoped_queryset(self) -> Any:
        return Release.objects.visible_to(self.request.user).select_related("organisation")

    @extend_schema(request=OrganisationCodeSerializer, responses=_with_409(ReleaseSerializer, 201))
    @action(detail=False, methods=["post"], url_path="compile")
    def compile_round(self, request: Request) -> Response:
        body = OrganisationCodeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        release = services.compile_release(
            _org(request, body.validated_data["organisation"]),
            actor=request.user,
            period=body.validated_data.get("period"),
        )
        return Response(ReleaseSerializer(release).data, status=201)

    @extend_schema(request=SignSerializer, responses=_with_409(ReleaseSerializer))
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        body = SignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        release = services.sign_release(self.get_object(), actor=request.user, **body.validated_data)
        return Response(ReleaseSerializer(release).data)

    @extend_schema(request=None, responses=_with_409(ReleaseSerializer))
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        release = services.publish_release(self.get_object(), actor=request.user)
        return Response(ReleaseSerializer(release).data)


class PeriodSerializer(serializers.Serializer):
    code = serializers.CharField()
    data_start = serializers.DateField()
    data_end = serializers.DateField()
    nominal_submission = serializers.DateField()
    submission_date = serializers.DateField()
    window_opens = serializers.DateTimeField()
    window_closes = serializers.DateTimeField()
    nominal_publication = serializers.DateField()
    publication_date = serializers.DateField()


class ScheduleView(APIView):
    """The 24 rounds of a year (R3.7); 409 `publication.schedule.calendar_not_covered` for a year whose
    holiday calendar is not entered."""

    @extend_schema(
        parameters=[OpenApiParameter("year", int)], responses=_with_409(PeriodSerializer(many=True))
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("year") or str(schedule.local(timezone.now()).year)
        if not (raw.isascii() and raw.isdigit()) or not 1949 <= int(raw) <= 2200:
            raise field_error(None, "year", "publication.year.invalid", "年份无效", "Not a valid year")
        periods = schedule.periods_of_year(int(raw))
        return Response(PeriodSerializer(periods, many=True).data)


class FreezeSerializer(serializers.Serializer):
    frozen = serializers.BooleanField()
    reason = serializers.CharField(max_length=500)


class FreezeView(APIView):
    """The publishing freeze (lock-down): GET its state; POST {frozen, reason} to set or lift it."""

    @extend_schema(responses=FreezeSerializer)
    def get(self, request: Request) -> Response:
        if not has_permission(request.user, "publication.view"):
            raise PermissionDenied()
        freeze = services.active_freeze()
        return Response({"frozen": freeze is not None, "reason": freeze.reason if freeze else ""})

    @extend_schema(request=FreezeSerializer, responses=_with_409(FreezeSerializer))
    def post(self, request: Request) -> Response:
        body = FreezeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["frozen"]:
            services.freeze_publishing(body.validated_data["reason"], request.user)
        else:
            services.unfreeze_publishing(body.validated_data["reason"], request.user)
        freeze = services.active_freeze()
        return Response({"frozen": freeze is not None, "reason": freeze.reason if freeze else ""})


class BackupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Backup
        fields = [
            "name",
            "created_at",
            "vendor",
            "release",
            "status",
            "size",
            "sha256",
            "locations",
            "tables",
        ]


class BackupViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Backups taken after publications (R3.9); for backup operators and auditors."""

    serializer_class = BackupSerializer

    def get_queryset(self) -> Any:
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return Backup.objects.none()
        if not (has_permission(user, "backup.run") or has_permission(user, "audit.view")):
            return Backup.objects.none()
        return Backup.objects.all()
