from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from skillcert.audit.models import AuditEntry
from skillcert.core.api import ScopedQuerysetMixin
from skillcert.orgs.scoping import org_filter


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor_label",
            "organisation",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "data",
            "channel",
            "request_id",
            "job_id",
        ]


class AuditEntryViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """The audit log of the caller's subtrees (X2); needs a role with `audit.view`. Read-only by design."""

    scoped_model = AuditEntry
    serializer_class = AuditEntrySerializer
    filterset_fields = {
        "action": ["exact", "startswith"],
        "object_type": ["exact"],
        "object_id": ["exact"],
        "channel": ["exact"],
        "at": ["gte", "lte"],
    }

    def scoped_queryset(self) -> Any:
        return AuditEntry.objects.filter(org_filter(self.request.user, "organisation", "audit.view"))
