"""One filter definition for the certificate list page, its XLSX/CSV export and the API (design.md
rule 7; X5). The ID number is searched only exactly, through the keyed hash (X7)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from skillcert.certificates.choices import CertificateState
from skillcert.certificates.models import Certificate
from skillcert.core.errors import ValidationFailed
from skillcert.core.exports import Column
from skillcert.core.filters import ID_MAX
from skillcert.people.idnumber import normalise_document
from skillcert.people.models import DocumentType
from skillcert.people.protect import document_hash

LEVEL_CHOICES = [(n, str(n)) for n in range(1, 6)]
_DATE = forms.DateInput(attrs={"type": "date"})


class CertificateFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(
        field_name="number", lookup_expr="exact", label=_("Certificate number")
    )
    name = django_filters.CharFilter(field_name="person__name", lookup_expr="icontains", label=_("Name"))
    document_number = django_filters.CharFilter(method="exact_document", label=_("Exact ID number"))
    document_type = django_filters.ChoiceFilter(
        choices=DocumentType.choices, method="no_op", label=_("Document type")
    )
    session = django_filters.CharFilter(method="by_session", label=_("Session (code or id)"))
    level = django_filters.ChoiceFilter(field_name="level_id", choices=LEVEL_CHOICES, label=_("Level"))
    state = django_filters.ChoiceFilter(choices=CertificateState.choices, label=_("State"))
    issued_from = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label=_("Issued from"), widget=_DATE
    )
    issued_to = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label=_("Issued until"), widget=_DATE
    )

    class Meta:
        model = Certificate
        fields = [
            "number",
            "name",
            "document_number",
            "document_type",
            "session",
            "level",
            "state",
            "issued_from",
            "issued_to",
        ]

    def no_op(self, queryset: QuerySet[Certificate], name: str, value: Any) -> QuerySet[Certificate]:
        """`document_type` only qualifies `document_number`."""
        return queryset

    def exact_document(self, queryset: QuerySet[Certificate], name: str, value: str) -> QuerySet[Certificate]:
        """Only an exact, complete number matches (X7: no partial-match listing)."""
        doc_type = self.data.get("document_type") or DocumentType.RESIDENT_ID
        if doc_type not in DocumentType.values:
            return queryset.none()
        try:
            number = normalise_document(doc_type, value)
        except ValidationFailed:
            return queryset.none()
        return queryset.filter(person__document_hash=document_hash(doc_type, number))

    def by_session(self, queryset: QuerySet[Certificate], name: str, value: str) -> QuerySet[Certificate]:
        value = value.strip()
        match = Q(enrolment__session__code=value)
        if value.isascii() and value.isdigit() and 1 <= int(value) <= ID_MAX:
            match |= Q(enrolment__session_id=int(value))
        return queryset.filter(match)


def _session_code(c: Certificate) -> str:
    return c.enrolment.session.code if c.enrolment_id and c.enrolment else str(c.data.get("session", ""))


CERTIFICATE_COLUMNS: list[Column] = [
    ("证书编号", "Certificate number", lambda c: c.number),
    ("姓名", "Name", lambda c: c.data.get("name", "")),
    ("证件号码(脱敏)", "ID number (masked)", lambda c: c.data.get("id_number_masked", "")),
    ("职业(工种)", "Occupation", lambda c: c.data.get("occupation", "")),
    ("等级", "Level", lambda c: c.data.get("level_name", "")),
    ("发证日期", "Issued on", lambda c: c.issued_on),
    ("发证机关", "Issuing authority", lambda c: c.data.get("issuing_authority", "")),
    ("状态", "State", lambda c: c.get_state_display()),
    ("鉴定场次", "Session", _session_code),
]
