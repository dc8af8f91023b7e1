"""One filter definition per blank-ledger list: page, export and API (design.md rule 7)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from skillcert.blanks.choices import BlankLevel, BlankState, DistributionStatus, RequisitionStatus
from skillcert.blanks.models import (
    Allocation,
    BlankSerial,
    DestructionBatch,
    Distribution,
    Receipt,
    Requisition,
)
from skillcert.blanks.services.common import parse_serial
from skillcert.core.exports import Column

_DATE = forms.DateInput(attrs={"type": "date"})


class ReceiptFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=BlankLevel.choices, label=_("Level"))
    document_number = django_filters.CharFilter(lookup_expr="icontains", label=_("Document number"))
    received_from = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received from"), widget=_DATE
    )
    received_to = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received until"), widget=_DATE
    )

    class Meta:
        model = Receipt
        fields = ["level", "document_number", "received_from", "received_to"]


class AllocationFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=BlankLevel.choices, label=_("Level"))
    target = django_filters.CharFilter(field_name="target__code", label=_("Recipient code"))
    allocated_from = django_filters.DateFilter(
        field_name="allocated_on", lookup_expr="gte", label=_("Allocated from"), widget=_DATE
    )
    allocated_to = django_filters.DateFilter(
        field_name="allocated_on", lookup_expr="lte", label=_("Allocated until"), widget=_DATE
    )

    class Meta:
        model = Allocation
        fields = ["level", "target", "allocated_from", "allocated_to"]


class SerialFilter(django_filters.FilterSet):
    serial = django_filters.CharFilter(method="by_serial", label=_("Serial"))
    holder = django_filters.CharFilter(field_name="holder__code", label=_("Holder code"))
    level = django_filters.ChoiceFilter(choices=BlankLevel.choices, label=_("Level"))
    state = django_filters.ChoiceFilter(choices=BlankState.choices, label=_("State"))

    class Meta:
        model = BlankSerial
        fields = ["serial", "holder", "level", "state"]

    def by_serial(self, queryset: QuerySet[BlankSerial], name: str, value: str) -> QuerySet[BlankSerial]:
        try:
            series, number = parse_serial(value)
        except ValueError:
            return queryset.none()
        return queryset.filter(series=series, number=number)


class RequisitionFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    quarter = django_filters.ChoiceFilter(choices=[(q, str(q)) for q in range(1, 5)], label=_("Quarter"))
    status = django_filters.ChoiceFilter(choices=RequisitionStatus.choices, label=_("Status"))

    class Meta:
        model = Requisition
        fields = ["year", "quarter", "status"]


class DestructionFilter(django_filters.FilterSet):
    destroyed_from = django_filters.DateFilter(
        field_name="destroyed_on", lookup_expr="gte", label=_("Destroyed from"), widget=_DATE
    )
    destroyed_to = django_filters.DateFilter(
        field_name="destroyed_on", lookup_expr="lte", label=_("Destroyed until"), widget=_DATE
    )

    class Meta:
        model = DestructionBatch
        fields = ["destroyed_from", "destroyed_to"]


class DistributionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DistributionStatus.choices, label=_("Status"))
    number = django_filters.CharFilter(field_name="certificate__number", label=_("Certificate number"))
    notice = django_filters.NumberFilter(field_name="notice", label=_("Collection notice"))
    exam_to = django_filters.DateFilter(
        field_name="exam_date", lookup_expr="lte", label=_("Exam until"), widget=_DATE
    )

    class Meta:
        model = Distribution
        fields = ["status", "number", "notice", "exam_to"]


def _user(u: Any) -> str:
    return (u.first_name or u.get_username()) if u else ""


RECEIPT_COLUMNS: list[Column] = [
    ("文件号", "Document", lambda r: r.document_number),
    ("接收单位", "Holder", lambda r: r.holder.name),
    ("等级", "Level", lambda r: r.level),
    ("起始流水码", "First serial", lambda r: f"{r.series}{r.first_number:08d}"),
    ("截止流水码", "Last serial", lambda r: f"{r.series}{r.last_number:08d}"),
    ("数量", "Count", lambda r: r.count),
    ("文件日期", "Document date", lambda r: r.document_date),
    ("接收日期", "Received on", lambda r: r.received_on),
]
ALLOCATION_COLUMNS: list[Column] = [
    ("下发日期", "Allocated on", lambda a: a.allocated_on),
    ("下发单位", "From", lambda a: a.source.name),
    ("接收单位", "To", lambda a: a.target.name),
    ("等级", "Level", lambda a: a.level),
    ("数量", "Count", lambda a: a.count),
    ("文件号", "Document", lambda a: a.document_number),
    ("申领", "Requisition", lambda a: str(a.requisition) if a.requisition_id else ""),
]
SERIAL_COLUMNS: list[Column] = [
    ("流水码", "Serial", lambda s: s.serial),
    ("等级", "Level", lambda s: s.level),
    ("持有单位", "Holder", lambda s: s.holder.name),
    ("状态", "State", lambda s: s.get_state_display()),
    ("证书编号", "Certificate", lambda s: s.certificate.number if s.certificate_id else ""),
    ("更新时间", "Updated", lambda s: s.updated_at),
]
REQUISITION_COLUMNS: list[Column] = [
    ("申领单位", "City", lambda r: r.city.name),
    ("年度", "Year", lambda r: r.year),
    ("季度", "Quarter", lambda r: r.quarter),
    ("状态", "Status", lambda r: r.get_status_display()),
    ("零申领", "Zero declaration", lambda r: r.zero_declaration),
    ("计划申领合计", "Planned total", lambda r: sum(line.planned for line in r.lines.all())),
    ("提交时间", "Submitted", lambda r: r.submitted_at),
]
DESTRUCTION_COLUMNS: list[Column] = [
    ("销毁日期", "Destroyed on", lambda d: d.destroyed_on),
    ("销毁单位", "Holder", lambda d: d.holder.name),
    ("数量", "Count", lambda d: d.count),
    ("地点", "Place", lambda d: d.place),
    ("监销人一", "Witness 1", lambda d: _user(d.witness_1)),
    ("监销人二", "Witness 2", lambda d: _user(d.witness_2)),
]
DISTRIBUTION_COLUMNS: list[Column] = [
    ("证书编号", "Certificate", lambda d: d.certificate.number),
    ("考试日期", "Exam date", lambda d: d.exam_date),
    ("方式", "Method", lambda d: d.get_method_display()),
    ("状态", "Status", lambda d: d.get_status_display()),
    ("收件人", "Recipient", lambda d: d.recipient),
    ("邮寄地址", "Address", lambda d: d.masked_address),  # masked in lists
    ("运单号", "Tracking", lambda d: d.tracking_number),
]
