"""REST API of account hygiene (R3.9): the token endpoint with lock-out and TOTP, the list of one's
tokens with revocation, lock-outs with unlock, incidents with evidence, the lock-down state."""

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
from skillcert.accounts.models import ApiToken, IncidentEvidence, LockdownState, Lockout, SecurityIncident
from skillcert.accounts.services import lockdown, tokens
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
    label = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.label
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="what the token is for, e.g. an integration",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="the key: shown this once, only its hash is stored")
    id = serializers.IntegerField()
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField()


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
    page. Every successful request issues a new token (the key is returned once; only its hash is
    kept), valid SKILLCERT_API_TOKEN_DAYS days."""

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
        token, key = tokens.issue_api_token(user, label=data.validated_data.get("label") or "api")
        login_service.record_success(user, address, stage="token")
        return Response(
            {"token": key, "id": token.pk, "prefix": token.prefix, "expires_at": token.expires_at}
        )


def login_service_address(request: Request) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


# --- the tokens one holds (and, for administrators, those of users in scope) ------------------------


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    active = serializers.BooleanField(read_only=True)
    revoked_by = serializers.CharField(
        source="revoked_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "prefix",
            "label",
            "user",
            "created",
            "expires_at",
            "last_used_at",
            "active",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="API tokens: one's own, and those of users in scope for accounts.security (prefix only)",
        tags=["auth"],
    ),
    retrieve=extend_schema(summary="One API token (prefix only, never the key)", tags=["auth"]),
    destroy=extend_schema(summary="Revoke an API token (the record stays, audited)", tags=["auth"]),
)
class ApiTokenViewSet(SafeLookupMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """`?active=true|false`, `?user=<username>`."""

    serializer_class = ApiTokenSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        qs = tokens.tokens_visible_to(self.request.user)
        username = self.request.query_params.get("user")
        if username:
            qs = qs.filter(user__username=username)
        active = self.request.query_params.get("active")
        if active in ("true", "false"):
            live = tokens.active_tokens().values("pk")
            qs = qs.filter(pk__in=live) if active == "true" else qs.exclude(pk__in=live)
        return qs

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tokens.revoke_token(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
