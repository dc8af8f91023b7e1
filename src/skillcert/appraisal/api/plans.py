"""R4.1: annual plans through the API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from skillcert.appraisal.api.common import (
    ReviewSerializer,
    ScopedOrgSerializer,
)
from skillcert.appraisal.models import (
    AnnualPlan,
    AnnualPlanLine,
)
from skillcert.appraisal.services import plans
from skillcert.core.api import ScopedQuerysetMixin

# --- annual plans (R4.1) -------------------------------------------------------------------------


class PlanLineSerializer(serializers.ModelSerializer):
    occupation: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = AnnualPlanLine
        fields = ["occupation", "level", "planned_count"]


class PlanLineInSerializer(serializers.Serializer):
    occupation = serializers.CharField(max_length=10, help_text="职业编码, e.g. 6-18-01-01")
    level = serializers.IntegerField(min_value=1, max_value=5)
    planned_count = serializers.IntegerField(min_value=0, max_value=1_000_000)


class AnnualPlanSerializer(ScopedOrgSerializer):
    lines = PlanLineSerializer(many=True, read_only=True)
    due_date = serializers.DateField(read_only=True)
    late = serializers.SerializerMethodField()

    class Meta:
        model = AnnualPlan
        fields = [
            "id",
            "organisation",
            "year",
            "status",
            "due_date",
            "late",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "lines",
        ]
        read_only_fields = ["status", "submitted_at", "reviewed_at", "review_comment"]

    def get_late(self, plan: AnnualPlan) -> bool:
        return plan.is_late()


class AnnualPlanInSerializer(ScopedOrgSerializer):
    lines = PlanLineInSerializer(many=True)
    year = serializers.IntegerField(min_value=2000, max_value=2100)

    class Meta:
        model = AnnualPlan
        fields = ["organisation", "year", "lines"]
        validators: list[Any] = []  # replacing a draft's lines is allowed; the service decides


class AnnualPlanViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """R4.1: annual plans, counts per occupation and level, due 28 February. POST creates or replaces a
    draft's lines."""

    scoped_model = AnnualPlan
    filterset_fields = ["year", "status", "organisation"]

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return AnnualPlanInSerializer
        if self.action == "review":
            return ReviewSerializer
        return AnnualPlanSerializer

    def scoped_queryset(self) -> Any:
        return (
            AnnualPlan.objects.visible_to(self.request.user)
            .select_related("organisation")
            .prefetch_related("lines__occupation")
        )

    @extend_schema(request=AnnualPlanInSerializer, responses={201: AnnualPlanSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = AnnualPlanInSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        plan = plans.save_annual_plan(
            data["organisation"], data["year"], [dict(x) for x in data["lines"]], actor=request.user
        )
        return Response(AnnualPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=AnnualPlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        plan = plans.submit_annual_plan(self.get_object(), actor=request.user)
        return Response(AnnualPlanSerializer(plan).data)

    @extend_schema(request=ReviewSerializer, responses=AnnualPlanSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: Any = None) -> Response:
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = plans.review_annual_plan(self.get_object(), actor=request.user, **body.validated_data)
        return Response(AnnualPlanSerializer(plan).data)
