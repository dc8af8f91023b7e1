from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from skillcert.core.errors import ValidationFailed
from skillcert.core.exports import Column
from skillcert.core.filters import IdFilter
from skillcert.people.idnumber import normalise_document
from skillcert.people.models import DocumentType, Gender, Person
from skillcert.people.protect import document_hash


class PersonFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))
    document_number = django_filters.CharFilter(method="exact_document", label=_("Exact ID number"))
    document_type = django_filters.ChoiceFilter(choices=DocumentType.choices, label=_("Document type"))
    gender = django_filters.ChoiceFilter(choices=Gender.choices, label=_("Gender"))
    organisation = IdFilter(field_name="organisation_id", label=_("Organisation (id)"))

    class Meta:
        model = Person
        fields = ["name", "document_number", "document_type", "gender", "organisation"]

    def exact_document(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        """Only an exact, complete number matches (X7: no partial-match listing)."""
        doc_type = self.data.get("document_type") or DocumentType.RESIDENT_ID
        try:
            number = normalise_document(doc_type, value)
        except ValidationFailed:
            return queryset.none()
        return queryset.filter(document_hash=document_hash(doc_type, number))


PERSON_COLUMNS: list[Column] = [
    ("姓名", "Name", lambda p: p.name),
    ("证件类型", "Document type", lambda p: p.get_document_type_display()),
    ("证件号码(脱敏)", "Document number (masked)", lambda p: p.document_masked),
    ("性别", "Gender", lambda p: p.get_gender_display()),
    ("出生日期", "Birth date", lambda p: p.birth_date),
    ("文化程度", "Education", lambda p: p.education.name_zh if p.education else ""),
    ("联系电话", "Phone", lambda p: p.phone),
    ("登记机构", "Registered at", lambda p: p.organisation.name),
    ("登记时间", "Registered", lambda p: p.created_at),
]
