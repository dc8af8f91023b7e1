from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from skillcert.core.api import PrimaryKeyField, ScopedQuerysetMixin
from skillcert.core.errors import NotFound
from skillcert.orgs import services
from skillcert.orgs.choices import Accreditation
from skillcert.orgs.filters import OrganisationFilter
from skillcert.orgs.models import AdministratorEntry, Organisation, RolloutSetting


class OrganisationSerializer(serializers.ModelSerializer):
    serializer_related_field = PrimaryKeyField
    parent = PrimaryKeyField(queryset=Organisation.objects.none(), allow_null=True)  # type: ignore[assignment]

    class Meta:
        model = Organisation
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "kind",
            "parent",
            "depth",
            "region",
            "osta_code",
            "city_code",
            "institution_code",
            "institution_type",
            "accreditation",
            "accreditation_reason",
            "uscc",
            "address",
            "phone",
            "active",
        ]
        read_only_fields = ["depth", "accreditation", "accreditation_reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and getattr(request, "user", None) is not None:
            self.fields["parent"].queryset = Organisation.objects.visible_to(request.user)  # type: ignore[attr-defined]


class OrganisationUpdateSerializer(OrganisationSerializer):
    class Meta(OrganisationSerializer.Meta):
        read_only_fields = [*OrganisationSerializer.Meta.read_only_fields, "kind", "parent"]


class AccreditationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Accreditation.choices)
    reason = serializers.CharField(allow_blank=True, max_length=200, default="")


class OrganisationViewSet(
    ScopedQuerysetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """The organisation tree, limited to the caller's subtrees (X1)."""

    scoped_model = Organisation
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> Any:
        if self.action in {"update", "partial_update"}:
            return OrganisationUpdateSerializer
        if self.action == "accreditation":
            return AccreditationSerializer
        return OrganisationSerializer

    def scoped_queryset(self) -> Any:
        return Organisation.objects.visible_to(self.request.user).select_related("parent", "region")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        parent = data.pop("parent")
        serializer.instance = services.create_organisation(actor=self.request.user, parent=parent, **data)

    def perform_update(self, serializer: Any) -> None:
        changes = {
            ("region_id" if k == "region" else k): (v.pk if k == "region" and v else v)
            for k, v in serializer.validated_data.items()
        }
        serializer.instance = services.update_organisation(
            serializer.instance, actor=self.request.user, **changes
        )

    @extend_schema(request=AccreditationSerializer, responses=OrganisationSerializer)
    @action(detail=True, methods=["post"])
    def accreditation(self, request: Request, pk: Any = None) -> Response:
        """R4.7: suspend, revoke or restore a station's accreditation."""
        org = self.get_object()
        body = AccreditationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        org = services.set_accreditation(
            org, body.validated_data["status"], body.validated_data["reason"], actor=request.user
        )
        return Response(OrganisationSerializer(org, context=self.get_serializer_context()).data)


class AdministratorEntrySerializer(serializers.ModelSerializer):
    serializer_related_field = PrimaryKeyField

    class Meta:
        model = AdministratorEntry
        fields = [
            "id",
            "organisation",
            "duty",
            "responsible_person",
            "administrator",
            "phone",
            "email",
            "since",
            "until",
        ]
        read_only_fields = ["until"]

    def validate_organisation(self, value: Organisation) -> Organisation:
        if not Organisation.objects.visible_to(self.context["request"].user).filter(pk=value.pk).exists():
            raise NotFound()
        return value


class AdministratorEntryViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """R1.9: the register of named certificate administrators."""

    scoped_model = AdministratorEntry
    serializer_class = AdministratorEntrySerializer
    filterset_fields = ["organisation", "duty"]

    def scoped_queryset(self) -> Any:
        from skillcert.orgs.scoping import org_filter

        return AdministratorEntry.objects.filter(
            org_filter(self.request.user, "organisation")
        ).select_related("organisation")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        org = data.pop("organisation")
        data.pop("until", None)
        serializer.instance = services.register_administrator(org, actor=self.request.user, **data)


class RolloutSettingSerializer(serializers.ModelSerializer):
    class Meta:
        model = RolloutSetting
        fields = ["id", "organisation", "feature", "effective_from", "note"]


class RolloutSettingViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """R0.6: roll-out settings with their effective dates."""

    scoped_model = RolloutSetting
    serializer_class = RolloutSettingSerializer

    def scoped_queryset(self) -> Any:
        from skillcert.orgs.scoping import org_filter

        return RolloutSetting.objects.filter(org_filter(self.request.user, "organisation"))


class MembershipOutSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    organisation_name = serializers.CharField()
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    memberships = MembershipOutSerializer(many=True)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The caller and the roles they hold."""
    user: Any = request.user
    memberships = [
        {"organisation": m.organisation_id, "organisation_name": m.organisation.name, "role": m.role}
        for m in user.memberships.select_related("organisation")
    ]
    return Response(
        {"username": user.get_username(), "full_name": user.first_name or "", "memberships": memberships}
    )
