from __future__ import annotations

from typing import Any

from rest_framework import mixins, serializers, viewsets

from skillcert.core.api import PrimaryKeyField, ScopedQuerysetMixin, unstorable_text
from skillcert.jobs.models import Job
from skillcert.jobs.registry import kinds
from skillcert.jobs.services import start_job
from skillcert.orgs.models import Organisation


class JobSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=[])
    organisation = PrimaryKeyField(queryset=Organisation.objects.none())
    # The job kind's own parameters (for exports: the list's filter values), always an object.
    params = serializers.DictField(required=False, default=dict)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "params",
            "status",
            "organisation",
            "total",
            "done",
            "percent",
            "messages",
            "errors",
            "result",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = [
            "status",
            "total",
            "done",
            "messages",
            "errors",
            "result",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Kinds that services start on the user's behalf (print rendering, imports of a stored file)
        # are not offered here (issue 13 item 1).
        self.fields["kind"].choices = kinds(api_only=True)  # type: ignore[attr-defined]
        request = self.context.get("request")
        if request is not None and getattr(request, "user", None) is not None:
            self.fields["organisation"].queryset = Organisation.objects.visible_to(  # type: ignore[attr-defined]
                request.user
            )

    def validate_params(self, value: dict[str, Any]) -> dict[str, Any]:
        if unstorable_text(value):
            raise serializers.ValidationError(
                "Text with a NUL character or a lone surrogate cannot be stored.", code="invalid"
            )
        return value


class JobViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Long-running work with progress (done/total, messages, errors)."""

    scoped_model = Job
    serializer_class = JobSerializer
    filterset_fields = ["kind", "status"]

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = start_job(
            data["kind"],
            actor=self.request.user,
            organisation=data["organisation"],
            params=data.get("params") or {},
        )
