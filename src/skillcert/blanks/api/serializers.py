"""Serializers of the blank-ledger API: read shapes and action bodies."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from skillcert.blanks.choices import BlankLevel
from skillcert.blanks.models import (
    Allocation,
    BlankSerial,
    DestructionBatch,
    LedgerEntry,
    Receipt,
    Requisition,
    RequisitionApproval,
    RequisitionLine,
)
from skillcert.core.filters import ID_MAX, ID_MIN


class ReceiptSerializer(serializers.ModelSerializer):
    first_serial = serializers.SerializerMethodField()
    last_serial = serializers.SerializerMethodField()
    count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "holder",
            "level",
            "series",
            "first_serial",
            "last_serial",
            "count",
            "document_number",
            "document_date",
            "received_on",
            "note",
            "created_at",
        ]
        read_only_fields = fields

    def get_first_serial(self, r: Receipt) -> str:
        return f"{r.series}{r.first_number:08d}"

    def get_last_serial(self, r: Receipt) -> str:
        return f"{r.series}{r.last_number:08d}"


class AllocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Allocation
        fields = [
            "id",
            "source",
            "target",
            "level",
            "count",
            "requisition",
            "document_number",
            "allocated_on",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class SerialSerializer(serializers.ModelSerializer):
    certificate_number = serializers.SerializerMethodField()

    class Meta:
        model = BlankSerial
        fields = ["serial", "level", "holder", "state", "certificate_number", "updated_at"]
        read_only_fields = fields

    def get_certificate_number(self, s: BlankSerial) -> str | None:
        return s.certificate.number if s.certificate_id and s.certificate else None


class EntrySerializer(serializers.ModelSerializer):
    first_serial = serializers.CharField(read_only=True)
    last_serial = serializers.CharField(read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "level",
            "first_serial",
            "last_serial",
            "from_holder",
            "holder",
            "certificate",
            "reason",
            "at",
        ]
        read_only_fields = fields


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequisitionLine
        fields = ["level", "received", "qualified", "destroyed", "stock", "planned", "allocated"]
        read_only_fields = fields


class ApprovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequisitionApproval
        fields = ["step", "approved", "actor", "at", "comment"]
        read_only_fields = fields


class RequisitionSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = Requisition
        fields = [
            "id",
            "city",
            "year",
            "quarter",
            "status",
            "zero_declaration",
            "note",
            "submitted_at",
            "lines",
            "approvals",
        ]
        read_only_fields = fields


class DestructionSerializer(serializers.ModelSerializer):
    serials = serializers.SerializerMethodField()

    class Meta:
        model = DestructionBatch
        fields = [
            "id",
            "holder",
            "destroyed_on",
            "place",
            "witness_1",
            "witness_2",
            "count",
            "note",
            "serials",
        ]
        read_only_fields = fields

    def get_serials(self, d: DestructionBatch) -> list[str]:
        return [
            f"{e.series}{n:08d}" for e in d.entries.all() for n in range(e.first_number, e.last_number + 1)
        ]


class ReceiveBody(serializers.Serializer):
    holder = serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX)
    level = serializers.ChoiceField(choices=BlankLevel.choices)
    first_serial = serializers.CharField(max_length=12)
    last_serial = serializers.CharField(max_length=12)
    document_number = serializers.CharField(max_length=60)
    document_date = serializers.DateField()
    received_on = serializers.DateField(required=False)


class AllocateBody(serializers.Serializer):
    source = serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX)  # type: ignore[assignment]
    target = serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX)
    level = serializers.ChoiceField(choices=BlankLevel.choices)
    count = serializers.IntegerField(min_value=1, max_value=1_000_000)
    document_number = serializers.CharField(max_length=60, required=False, default="")


class SpoilBody(serializers.Serializer):
    serials = serializers.ListField(
        child=serializers.CharField(max_length=12), min_length=1, max_length=10000
    )
    reason = serializers.CharField(max_length=200)


class RequisitionBody(serializers.Serializer):
    city = serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX)
    planned: Any = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=1_000_000), required=False, default=dict
    )
    zero_declaration = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(max_length=300, required=False, default="")


class ApproveBody(serializers.Serializer):
    approve = serializers.BooleanField(default=True)
    comment = serializers.CharField(max_length=300, required=False, default="")


class RequisitionAllocateBody(serializers.Serializer):
    counts: Any = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=1_000_000))
    document_number = serializers.CharField(max_length=60, required=False, default="")


class DestroyBody(serializers.Serializer):
    holder = serializers.IntegerField(min_value=ID_MIN, max_value=ID_MAX)
    serials = serializers.ListField(
        child=serializers.CharField(max_length=12), min_length=1, max_length=100000
    )
    destroyed_on = serializers.DateField()
    witness_1 = serializers.CharField(max_length=150, help_text="username")
    witness_2 = serializers.CharField(max_length=150, help_text="username")
    place = serializers.CharField(max_length=100, required=False, default="")


class StockRowSerializer(serializers.Serializer):
    holder = serializers.IntegerField()
    holder_name = serializers.CharField()
    level = serializers.CharField()
    state = serializers.CharField()
    count = serializers.IntegerField()
