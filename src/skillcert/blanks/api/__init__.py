"""Blank-ledger REST API: scoped reads (X1) and the actions, each calling one service."""

from skillcert.blanks.api.views import (
    AllocationViewSet,
    DestructionViewSet,
    ReceiptViewSet,
    RequisitionViewSet,
    SerialViewSet,
)

__all__ = ["AllocationViewSet", "DestructionViewSet", "ReceiptViewSet", "RequisitionViewSet", "SerialViewSet"]
