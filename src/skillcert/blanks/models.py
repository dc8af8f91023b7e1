"""The blank-certificate ledger (R1.2–R1.8, R2.8; design.md rules 1–4).

Serial format (流水码): a series of 1–4 capital letters set by the national centre for a print run plus
an 8-digit number, e.g. `JS00012345`. Every serial carries one level ("1".."5").

The ledger is `LedgerEntry`: append-only rows, each covering a contiguous run of numbers of one series
(`first_number`..`last_number`), so a receipt of 100,000 serials is one entry. `BlankSerial` is a cache
of the current holder and state per serial (derivable by replaying the entries; `skillcert blanks
check` does exactly that); its rows are the lock units for binding.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from skillcert.blanks.choices import (
    ApprovalStep,
    BlankLevel,
    BlankState,
    DistributionMethod,
    DistributionStatus,
    EntryKind,
    RequisitionStatus,
)

ORG = "orgs.Organisation"
USER = settings.AUTH_USER_MODEL


class ScopedByHolder(models.QuerySet[Any]):
    holder_field = "holder"

    def visible_to(self, user: Any, permission: str = "blanks.view") -> Any:
        from skillcert.orgs.scoping import org_filter

        return self.filter(org_filter(user, self.holder_field, permission))


class ScopedByCity(ScopedByHolder):
    holder_field = "city"


class RequisitionQuerySet(ScopedByHolder):
    """A city's requisitions are also visible to the signers at its HR bureau (a child of the city,
    outside the city's own subtree of stations): R1.3."""

    holder_field = "city"

    def visible_to(self, user: Any, permission: str = "blanks.view") -> Any:
        from django.db.models import Q

        from skillcert.orgs.choices import OrgKind
        from skillcert.orgs.scoping import org_filter

        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        bureaus = user.memberships.filter(organisation__kind=OrgKind.CITY_HR).values("organisation__parent")
        return self.filter(org_filter(user, "city", permission) | Q(city__in=bureaus))


class ScopedByTarget(ScopedByHolder):
    holder_field = "target"


class ScopedByOrganisation(ScopedByHolder):
    holder_field = "organisation"


class Receipt(models.Model):
    """Serials received by a province (or industry centre) from the national centre."""

    holder = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="blank_receipts")
    level = models.CharField(max_length=1, choices=BlankLevel.choices)
    series = models.CharField(max_length=4)
    first_number = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField()
    document_number = models.CharField(max_length=60, help_text="national centre's dispatch document")
    document_date = models.DateField()
    received_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedByHolder.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.document_number} {self.series}{self.first_number:08d}–{self.last_number:08d}"

    @property
    def organisation(self) -> Any:
        return self.holder

    @property
    def count(self) -> int:
        return self.last_number - self.first_number + 1


class Requisition(models.Model):
    """R1.3: a city's quarterly 申领审核表."""

    city = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="blank_requisitions")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=20, choices=RequisitionStatus.choices, default=RequisitionStatus.DRAFT
    )
    zero_declaration = models.BooleanField(default=False, help_text="R1.5: no need this quarter")
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = RequisitionQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-quarter", "city__path"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year", "quarter"], name="blank_requisition_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.year}Q{self.quarter}"

    @property
    def organisation(self) -> Any:
        return self.city


class RequisitionLine(models.Model):
    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="lines")
    level = models.CharField(max_length=1, choices=BlankLevel.choices)
    received = models.PositiveIntegerField(default=0, help_text="last quarter")
    qualified = models.PositiveIntegerField(default=0, help_text="last quarter")
    destroyed = models.PositiveIntegerField(default=0, help_text="last quarter")
    stock = models.PositiveIntegerField(default=0, help_text="now")
    planned = models.PositiveIntegerField(default=0)
    allocated = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["requisition", "-level"]
        constraints = [
            models.UniqueConstraint(fields=["requisition", "level"], name="blank_requisition_line_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.requisition} L{self.level}: {self.planned}"


class RequisitionApproval(models.Model):
    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="approvals")
    step = models.CharField(max_length=20, choices=ApprovalStep.choices)
    approved = models.BooleanField()
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["requisition", "at", "id"]

    def __str__(self) -> str:
        return f"{self.requisition} {self.step} {'✓' if self.approved else '✗'}"


class FeeRemittance(models.Model):
    """R1.4: the city's remittance of appraisal-fee shares (鉴定费分成款) for a quarter."""

    city = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="fee_remittances")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    remitted_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    objects = ScopedByCity.as_manager()

    class Meta:
        ordering = ["-year", "-quarter", "city__path"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year", "quarter"], name="fee_remittance_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.year}Q{self.quarter} {self.amount}"

    @property
    def organisation(self) -> Any:
        return self.city


class Allocation(models.Model):
    """Serials moved province → city or industry centre → branch (never to a station, R1.8)."""

    source = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="blank_allocations_out")
    target = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="blank_allocations_in")
    level = models.CharField(max_length=1, choices=BlankLevel.choices)
    count = models.PositiveIntegerField()
    requisition = models.ForeignKey(
        Requisition, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    document_number = models.CharField(max_length=60, blank=True)
    allocated_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedByTarget.as_manager()

    class Meta:
        ordering = ["-allocated_on", "-id"]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} L{self.level} × {self.count}"

    @property
    def organisation(self) -> Any:
        return self.target


class DestructionBatch(models.Model):
    """R1.6: spoiled and recalled serials destroyed centrally by the city before two witnesses."""

    holder = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="blank_destructions")
    destroyed_on = models.DateField()
    place = models.CharField(max_length=100, blank=True)
    witness_1 = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    witness_2 = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedByHolder.as_manager()

    class Meta:
        ordering = ["-destroyed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.holder} {self.destroyed_on} × {self.count}"

    @property
    def organisation(self) -> Any:
        return self.holder


class BlankSerial(models.Model):
    """Current holder and state of one serial: a cache of the ledger, kept in the same transaction."""

    serial = models.CharField(max_length=12, unique=True)
    series = models.CharField(max_length=4)
    number = models.PositiveIntegerField()
    level = models.CharField(max_length=1, choices=BlankLevel.choices)
    holder = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="blank_serials")
    state = models.CharField(max_length=10, choices=BlankState.choices, default=BlankState.IN_STOCK)
    certificate = models.ForeignKey(
        "certificates.Certificate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="blank_serials",
    )
    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="serials")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedByHolder.as_manager()

    class Meta:
        ordering = ["serial"]
        indexes = [
            models.Index(fields=["holder", "level", "state", "serial"], name="blank_stock_idx"),
            models.Index(fields=["certificate"], name="blank_certificate_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["series", "number"], name="blank_series_number_uniq")]

    def __str__(self) -> str:
        return self.serial

    @property
    def organisation(self) -> Any:
        return self.holder


class LedgerEntry(models.Model):
    """One append-only movement of a run of serials (one series, consecutive numbers)."""

    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    series = models.CharField(max_length=4)
    level = models.CharField(max_length=1, choices=BlankLevel.choices)
    first_number = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField()
    from_holder = models.ForeignKey(ORG, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+", help_text="holder afterwards")
    certificate = models.ForeignKey(
        "certificates.Certificate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    receipt = models.ForeignKey(Receipt, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    allocation = models.ForeignKey(
        Allocation, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    destruction = models.ForeignKey(
        DestructionBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    reason = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedByHolder.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["series", "first_number"], name="blank_entry_range_idx"),
            models.Index(fields=["kind", "at"], name="blank_entry_kind_idx"),
            models.Index(fields=["certificate"], name="blank_entry_certificate_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.first_serial}–{self.last_serial}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("ledger entries are append-only")
        super().save(*args, **kwargs)

    @property
    def count(self) -> int:
        return self.last_number - self.first_number + 1

    @property
    def first_serial(self) -> str:
        return f"{self.series}{self.first_number:08d}"

    @property
    def last_serial(self) -> str:
        return f"{self.series}{self.last_number:08d}"

    @property
    def organisation(self) -> Any:
        return self.holder


class CollectionNotice(models.Model):
    """R2.8: when and where printed certificates can be collected."""

    organisation = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="collection_notices")
    title = models.CharField(max_length=100)
    place = models.CharField(max_length=200)
    collect_from = models.DateTimeField()
    collect_until = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedByOrganisation.as_manager()

    class Meta:
        ordering = ["-collect_from", "-id"]

    def __str__(self) -> str:
        return self.title


class Distribution(models.Model):
    """R2.8: how one printed paper certificate reaches its holder."""

    certificate = models.OneToOneField(
        "certificates.Certificate", on_delete=models.PROTECT, related_name="distribution"
    )
    organisation = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(
        CollectionNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="distributions"
    )
    exam_date = models.DateField(help_text="the five-year recall runs from here")
    method = models.CharField(
        max_length=10, choices=DistributionMethod.choices, default=DistributionMethod.COLLECT
    )
    status = models.CharField(
        max_length=10, choices=DistributionStatus.choices, default=DistributionStatus.HELD
    )
    recipient = models.CharField(max_length=50, blank=True)
    mail_address = models.CharField(max_length=200, blank=True)
    tracking_number = models.CharField(max_length=40, blank=True)
    mailed_on = models.DateField(null=True, blank=True)
    collected_on = models.DateField(null=True, blank=True)
    recalled_on = models.DateField(null=True, blank=True)

    objects = ScopedByOrganisation.as_manager()

    class Meta:
        ordering = ["-exam_date", "id"]
        indexes = [models.Index(fields=["status", "exam_date"], name="distribution_due_idx")]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.status}"

    @property
    def masked_address(self) -> str:
        a = self.mail_address
        return a[:6] + "****" if len(a) > 6 else ("****" if a else "")
