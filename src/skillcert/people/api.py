from __future__ import annotations

from typing import Any

from rest_framework import mixins, serializers, viewsets

from skillcert.catalog.models import EducationLevel
from skillcert.core.api import PrimaryKeyField, ScopedQuerysetMixin
from skillcert.orgs.models import Organisation
from skillcert.people import services
from skillcert.people.filters import PersonFilter
from skillcert.people.models import DocumentType, Gender, Person


class PersonSerializer(serializers.ModelSerializer):
    """The masked number is what is shown; the full number is write-only (X7)."""

    document_number = serializers.CharField(write_only=True, max_length=40)
    organisation = PrimaryKeyField(queryset=Organisation.objects.none())
    education = PrimaryKeyField(queryset=EducationLevel.objects.all(), allow_null=True, required=False)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_null=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    document_type = serializers.ChoiceField(choices=DocumentType.choices, default=DocumentType.RESIDENT_ID)

    class Meta:
        model = Person
        fields = [
            "id",
            "organisation",
            "name",
            "document_type",
            "document_number",
            "document_masked",
            "gender",
            "birth_date",
            "nation",
            "education",
            "phone",
            "address",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["document_masked", "source", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and getattr(request, "user", None) is not None:
            self.fields["organisation"].queryset = Organisation.objects.visible_to(  # type: ignore[attr-defined]
                request.user
            )


class PersonUpdateSerializer(PersonSerializer):
    document_number = serializers.CharField(write_only=True, max_length=40, required=False)

    class Meta(PersonSerializer.Meta):
        read_only_fields = [*PersonSerializer.Meta.read_only_fields, "organisation"]


class PersonViewSet(
    ScopedQuerysetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Candidates and holders in the caller's subtrees. `document_number` filters by exact number only."""

    scoped_model = Person
    filterset_class = PersonFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> Any:
        return PersonUpdateSerializer if self.action in {"update", "partial_update"} else PersonSerializer

    def scoped_queryset(self) -> Any:
        return Person.objects.visible_to(self.request.user).select_related("organisation", "education")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.register_person(actor=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.update_person(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )
