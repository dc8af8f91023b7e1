"""Shared pieces of the appraisal API: scoped serializers, the review body, file answers."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from rest_framework import serializers

from skillcert.appraisal.models import Enrolment
from skillcert.core.api import PrimaryKeyField
from skillcert.orgs.models import Organisation


class ScopedOrgSerializer(serializers.ModelSerializer):
    """Limits `organisation` choices to the caller's subtrees (X1)."""

    serializer_related_field = PrimaryKeyField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        field = self.fields.get("organisation")
        if request is not None and getattr(request, "user", None) is not None and field is not None:
            field.queryset = Organisation.objects.visible_to(request.user)  # type: ignore[attr-defined]


class ReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(allow_blank=True, required=False, default="", max_length=500)


class EnrolmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    document_masked = serializers.CharField(source="person.document_masked", read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "session",
            "subject",
            "person",
            "name",
            "document_masked",
            "photo",
            "source",
            "work_unit",
            "theory",
            "practical",
            "comprehensive",
            "absent",
            "result",
            "eligible",
            "created_at",
        ]
        read_only_fields = fields


def file_response(content: bytes, fmt: str, name: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(content, content_type="application/pdf")
        fmt = "pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
