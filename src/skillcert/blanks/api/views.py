"""Blank-ledger viewsets. Every queryset comes from `visible_to(user)`; organisations named in a body
are looked up within the user's scope (out of scope → 404 problem)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from skillcert.blanks.api import serializers as s
from skillcert.blanks.filters import (
    AllocationFilter,
    DestructionFilter,
    ReceiptFilter,
    RequisitionFilter,
    SerialFilter,
)
from skillcert.blanks.models import Allocation, BlankSerial, DestructionBatch, Receipt, Requisition
from skillcert.blanks.services import destruction, ledger
from skillcert.blanks.services import requisition as rq
from skillcert.blanks.services.common import parse_serial
from skillcert.core.api import ScopedQuerysetMixin
from skillcert.core.errors import NotFound, field_error
from skillcert.orgs.models import Organisation


def _org(user: Any, pk: int) -> Organisation:
    org = Organisation.objects.visible_to(user).filter(pk=pk).first()
    if org is None:
        raise NotFound(
            "orgs.organisation.not_found", "机构不存在或不在您的管辖范围内", "Organisation not found"
        )
    return org


def _serial(text: str, field: str) -> tuple[str, int]:
    try:
        return parse_serial(text)
    except ValueError:
        raise field_error(
            None, field, "blanks.serial.format", f"流水码{text}格式错误", f"Malformed serial {text}"
        ) from None


class ReceiptViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Serial ranges received from the national centre."""

    scoped_model = Receipt
    serializer_class = s.ReceiptSerializer
    filterset_class = ReceiptFilter

    @extend_schema(request=s.ReceiveBody, responses={201: s.ReceiptSerializer}, filters=False)
    def create(self, request: Request) -> Response:
        body = s.ReceiveBody(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        s1, n1 = _serial(d["first_serial"], "first_serial")
        s2, n2 = _serial(d["last_serial"], "last_serial")
        if s1 != s2:
            raise field_error(
                None,
                "last_serial",
                "blanks.receipt.series",
                "首尾流水码字头不一致",
                "First and last serial must share the series",
            )
        receipt = ledger.receive(
            holder=_org(request.user, d["holder"]),
            level=d["level"],
            series=s1,
            first_number=n1,
            last_number=n2,
            document_number=d["document_number"],
            document_date=d["document_date"],
            received_on=d.get("received_on"),
            actor=request.user,
        )
        return Response(s.ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


class AllocationViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Allocations province → city and industry centre → branch (never to a station, R1.8)."""

    scoped_model = Allocation
    serializer_class = s.AllocationSerializer
    filterset_class = AllocationFilter

    @extend_schema(request=s.AllocateBody, responses={201: s.AllocationSerializer}, filters=False)
    def create(self, request: Request) -> Response:
        body = s.AllocateBody(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        alloc = ledger.allocate(
            source=_org(request.user, d["source"]),
            target=_org(request.user, d["target"]),
            level=d["level"],
            count=d["count"],
            actor=request.user,
            document_number=d["document_number"],
        )
        return Response(s.AllocationSerializer(alloc).data, status=status.HTTP_201_CREATED)


class SerialViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Serials in the caller's subtrees with holder and state; `stock` sums them per holder."""

    scoped_model = BlankSerial
    serializer_class = s.SerialSerializer
    filterset_class = SerialFilter
    lookup_field = "serial"
    lookup_value_regex = "[A-Z]{1,4}[0-9]{8}"

    def scoped_queryset(self) -> Any:
        return BlankSerial.objects.visible_to(self.request.user).select_related("certificate")

    @extend_schema(responses=s.EntrySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request: Request, serial: str | None = None) -> Response:
        """Every ledger entry covering the serial, oldest first."""
        return Response(s.EntrySerializer(ledger.history(self.get_object()), many=True).data)

    @extend_schema(responses=s.StockRowSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def stock(self, request: Request) -> Response:
        """Counts per holder, level and state."""
        rows = (
            self.get_queryset()
            .values("holder", "holder__name", "level", "state")
            .annotate(n=Count("id"))
            .order_by("holder__path", "-level", "state")
        )
        return Response(
            [
                {
                    "holder": r["holder"],
                    "holder_name": r["holder__name"],
                    "level": r["level"],
                    "state": r["state"],
                    "count": r["n"],
                }
                for r in rows
            ]
        )

    @extend_schema(request=s.SpoilBody, responses={200: s.SerialSerializer(many=True)}, filters=False)
    @action(detail=False, methods=["post"], pagination_class=None, filterset_class=None)
    def spoil(self, request: Request) -> Response:
        """Register spoiled or misprinted blanks by serial with a reason (R1.6)."""
        body = s.SpoilBody(data=request.data)
        body.is_valid(raise_exception=True)
        done = destruction.register_spoiled(
            body.validated_data["serials"], reason=body.validated_data["reason"], actor=request.user
        )
        for serial in done:
            serial.refresh_from_db()
        return Response(s.SerialSerializer(done, many=True).data)


class RequisitionViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Quarterly requisitions (R1.3–R1.5) with their lines and sign-offs."""

    scoped_model = Requisition
    serializer_class = s.RequisitionSerializer
    filterset_class = RequisitionFilter

    def scoped_queryset(self) -> Any:
        return Requisition.objects.visible_to(self.request.user).prefetch_related("lines", "approvals")

    @extend_schema(request=s.RequisitionBody, responses={201: s.RequisitionSerializer}, filters=False)
    def create(self, request: Request) -> Response:
        body = s.RequisitionBody(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        req = rq.file_requisition(
            city=_org(request.user, d["city"]),
            planned=d["planned"],
            zero_declaration=d["zero_declaration"],
            note=d["note"],
            actor=request.user,
        )
        return Response(s.RequisitionSerializer(req).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ApproveBody, responses={200: s.RequisitionSerializer}, filters=False)
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Sign the step the requisition waits for (section head → leader in charge → province)."""
        body = s.ApproveBody(data=request.data)
        body.is_valid(raise_exception=True)
        req = rq.approve_requisition(
            self.get_object(),
            actor=request.user,
            approve=body.validated_data["approve"],
            comment=body.validated_data["comment"],
        )
        return Response(s.RequisitionSerializer(req).data)

    @extend_schema(
        request=s.RequisitionAllocateBody, responses={201: s.AllocationSerializer(many=True)}, filters=False
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def allocate(self, request: Request, pk: str | None = None) -> Response:
        """The province allocates against an approved requisition."""
        body = s.RequisitionAllocateBody(data=request.data)
        body.is_valid(raise_exception=True)
        done = rq.allocate_for_requisition(
            self.get_object(),
            body.validated_data["counts"],
            actor=request.user,
            document_number=body.validated_data["document_number"],
        )
        return Response(s.AllocationSerializer(done, many=True).data, status=status.HTTP_201_CREATED)


class DestructionViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Destruction batches (R1.6)."""

    scoped_model = DestructionBatch
    serializer_class = s.DestructionSerializer
    filterset_class = DestructionFilter

    def scoped_queryset(self) -> Any:
        return DestructionBatch.objects.visible_to(self.request.user).prefetch_related("entries")

    @extend_schema(request=s.DestroyBody, responses={201: s.DestructionSerializer}, filters=False)
    def create(self, request: Request) -> Response:
        body = s.DestroyBody(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        holder = _org(request.user, d["holder"])
        batch = destruction.destroy(
            holder=holder,
            serials=d["serials"],
            destroyed_on=d["destroyed_on"],
            witness_1=destruction.find_witness(d["witness_1"], holder, "witness_1"),
            witness_2=destruction.find_witness(d["witness_2"], holder, "witness_2"),
            place=d["place"],
            actor=request.user,
        )
        return Response(s.DestructionSerializer(batch).data, status=status.HTTP_201_CREATED)
