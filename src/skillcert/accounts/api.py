"""REST API of account hygiene (R3.9): the token endpoint with lock-out and TOTP, lock-outs with
unlock, incidents with evidence, the lock-down state."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skillcert.accounts import policy
from skillcert.accounts.models import IncidentEvidence, LockdownState, Lockout, SecurityIncident
from skillcert.accounts.services import lockdown
from skillcert.accounts.services import login as login_service
from skillcert.core.api import SafeLookupMixin
from skillcert.core.errors import NotPermitted, SkillcertError
from skillcert.orgs.scoping import has_permission

# --- token ----------------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=512, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        help_text="current TOTP code, if the account uses one",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class _TotpNeeded(SkillcertError):
    def __init__(self, enrolled: bool) -> None:
        if enrolled:
            super().__init__(
                "accounts.totp.code_required",
                "该账户须提供动态验证码（otp）",
                "This account needs the current one-time code in `otp`",
                [],
                400,
            )
        else:
            super().__init__(
                "accounts.totp.enrol_first",
                "该账户须使用双因素认证：请先在业务系统登录并绑定验证器",
                "This account needs two-factor authentication: log in to the back office and enrol first",
                [],
                403,
            )


class ObtainTokenView(APIView):
    """Password (and TOTP) for an API token; failures count towards the same lock-out as the log-in
    page. The token is created on first request and returned as is afterwards."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        operation_id="auth_token",
        tags=["auth"],
        summary="Obtain an API token",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        from rest_framework.authtoken.models import Token

        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = login_service_address(request)
        user = login_service.check_password_step(
            request._request, data.validated_data["username"], data.validated_data["password"], address
        )
        if policy.needs_totp(user):
            sec = policy.security_of(user)
            if not sec.totp_enrolled:
                raise _TotpNeeded(False)
            code = data.validated_data.get("otp") or ""
            if not code:
                raise _TotpNeeded(True)
            login_service.check_totp_step(user, code, address)
        if policy.password_expired(user):
            raise SkillcertError(
                "accounts.password.expired",
                "密码已过期，请先在业务系统中修改密码",
                "Your password has expired: change it in the back office",
                [],
                403,
            )
        token, _ = Token.objects.get_or_create(user=user)
        login_service.record_success(user, address, stage="token")
        return Response({"token": token.key})


def login_service_address(request: Request) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


# --- lock-outs ------------------------------------------------------------------------------------


class LockoutSerializer(serializers.ModelSerializer):
    username = serializers.SerializerMethodField()

    class Meta:
        model = Lockout
        fields = ["id", "kind", "key", "username", "locked_at", "locked_until", "failures"]
        read_only_fields = fields

    def get_username(self, obj: Lockout) -> str:
        return obj.user.get_username() if obj.user else ""


class _SecurityPermission(IsAuthenticated):
    def has_permission(self, request: Any, view: Any) -> bool:
        return super().has_permission(request, view) and has_permission(request.user, "accounts.security")


@extend_schema_view(
    list=extend_schema(summary="Active lock-outs in scope", tags=["accounts"]),
    retrieve=extend_schema(summary="One active lock-out", tags=["accounts"]),
    unlock=extend_schema(
        summary="Release a lock-out", tags=["accounts"], request=None, responses=LockoutSerializer
    ),
)
class LockoutViewSet(SafeLookupMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = LockoutSerializer
    permission_classes = [_SecurityPermission]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Lockout]:
        if getattr(self, "swagger_fake_view", False):
            return Lockout.objects.none()
        return login_service.lockouts_visible_to(self.request.user)

    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str | None = None) -> Response:
        lock = login_service.unlock(self.get_object(), actor=request.user)
        return Response(LockoutSerializer(lock).data)


# --- incidents ------------------------------------------------------------------------------------


class EvidenceSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    intact = serializers.SerializerMethodField(help_text="the stored file still has the recorded SHA-256")

    class Meta:
        model = IncidentEvidence
        fields = [
            "id",
            "original_name",
            "sha256",
            "size",
            "content_type",
            "note",
            "uploaded_by",
            "uploaded_at",
            "intact",
        ]
        read_only_fields = fields

    def get_intact(self, obj: IncidentEvidence) -> bool:
        return lockdown.verify_evidence(obj)


class IncidentSerializer(serializers.ModelSerializer):
    reported_by = serializers.CharField(source="reported_by.username", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = SecurityIncident
        fields = [
            "id",
            "reference",
            "kind",
            "reported_by",
            "reported_at",
            "description",
            "sessions_ended",
            "tokens_rotated",
            "passwords_expired",
            "publishing_frozen",
            "evidence",
        ]
        read_only_fields = fields


class LeakRequestSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=10000)
    expire_passwords = serializers.BooleanField(default=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class EvidenceRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class _LockdownPermission(IsAuthenticated):
    def has_permission(self, request: Any, view: Any) -> bool:
        return super().has_permission(request, view) and lockdown.may_act(request.user)


@extend_schema_view(
    list=extend_schema(summary="Security incidents", tags=["accounts"]),
    retrieve=extend_schema(summary="One security incident with its evidence", tags=["accounts"]),
    create=extend_schema(
        summary="Report a credential leak: freeze publishing, end all sessions, rotate all tokens",
        tags=["accounts"],
        request={"multipart/form-data": LeakRequestSerializer, "application/json": LeakRequestSerializer},
        responses={201: IncidentSerializer},
    ),
    evidence=extend_schema(
        summary="Add an evidence file (SHA-256 recorded)",
        tags=["accounts"],
        request={"multipart/form-data": EvidenceRequestSerializer},
        responses={201: EvidenceSerializer},
    ),
)
class IncidentViewSet(
    SafeLookupMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = IncidentSerializer
    permission_classes = [_LockdownPermission]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[SecurityIncident]:
        return SecurityIncident.objects.select_related("reported_by").prefetch_related(
            "evidence__uploaded_by"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = LeakRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        incident = lockdown.report_leak(
            actor=request.user,
            description=data.validated_data["description"],
            files=files,
            expire_passwords=data.validated_data["expire_passwords"],
        )
        return Response(
            IncidentSerializer(self.get_queryset().get(pk=incident.pk)).data, status=status.HTTP_201_CREATED
        )

    @action(detail=True, methods=["post"])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        incident = self.get_object()
        data = EvidenceRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = lockdown.add_evidence(
            incident,
            data.validated_data["file"],
            actor=request.user,
            note=data.validated_data.get("note", ""),
        )
        return Response(EvidenceSerializer(item).data, status=status.HTTP_201_CREATED)


# --- lock-down state -------------------------------------------------------------------------------


class LockdownStateSerializer(serializers.ModelSerializer):
    incident = serializers.CharField(
        source="incident.reference", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = LockdownState
        fields = ["frozen", "frozen_at", "reason", "incident", "reauth_after", "lifted_at"]
        read_only_fields = fields


class LiftRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class LockdownView(APIView):
    """GET: whether publishing is frozen (any signed-in user). POST: lift the lock-down."""

    @extend_schema(operation_id="lockdown_state", tags=["accounts"], responses={200: LockdownStateSerializer})
    def get(self, request: Request) -> Response:
        return Response(LockdownStateSerializer(LockdownState.get()).data)

    @extend_schema(
        operation_id="lockdown_lift",
        tags=["accounts"],
        request=LiftRequestSerializer,
        responses={
            200: LockdownStateSerializer,
            409: OpenApiResponse(description="Publishing is not frozen"),
        },
    )
    def post(self, request: Request) -> Response:
        if not lockdown.may_act(request.user):
            raise NotPermitted()
        data = LiftRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        state = lockdown.lift_lockdown(actor=request.user, reason=data.validated_data["reason"])
        return Response(LockdownStateSerializer(state).data)
