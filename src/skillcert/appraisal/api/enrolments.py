"""Enrolments with their scores; the result is derived, never written."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from skillcert.appraisal.api.common import (
    EnrolmentSerializer,
    file_response,
)
from skillcert.appraisal.models import Enrolment
from skillcert.appraisal.services import reports, scores
from skillcert.core.api import ScopedQuerysetMixin

# --- enrolments and scores -----------------------------------------------------------------------


def _score_field() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        default=None,
    )


class ScoreInSerializer(serializers.Serializer):
    theory = _score_field()
    practical = _score_field()
    comprehensive = _score_field()
    absent = serializers.BooleanField(default=False)


class EnrolmentViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Candidates in sessions with their scores; the result is derived, never written."""

    scoped_model = Enrolment
    serializer_class = EnrolmentSerializer
    filterset_fields = ["session", "subject", "result", "eligible"]

    def get_serializer_class(self) -> Any:
        return ScoreInSerializer if self.action == "scores" else EnrolmentSerializer

    def scoped_queryset(self) -> Any:
        return Enrolment.objects.visible_to(self.request.user).select_related("person")

    @extend_schema(request=ScoreInSerializer, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"])
    def scores(self, request: Request, pk: Any = None) -> Response:
        body = ScoreInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        enrolment = scores.record_scores(self.get_object(), actor=request.user, **body.validated_data)
        return Response(EnrolmentSerializer(enrolment).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="application-form")
    def application_form(self, request: Request, pk: Any = None) -> HttpResponse:
        """附表五 个人申报表 as PDF, with the photo."""
        from skillcert.appraisal import forms_pdf

        enrolment = self.get_object()
        return file_response(
            forms_pdf.render_application_form(reports.application_form(enrolment)),
            "pdf",
            f"{enrolment.session.code}-{enrolment.pk}-application",
        )
