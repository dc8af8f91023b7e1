"""Printers with their calibration, print jobs and the inserts they print (R0.2, R0.5, R1.6, R1.8).

A `PrintJob` prints issued certificates of one level on one stock holder's blanks; each `PrintItem` is
one insert (粘贴内页) bound to one blank serial (a serial is on at most one item: unique constraint).
A spoiled insert is reprinted by a new job of kind `reprint`: the old item is marked spoiled and points
to its replacement; the serial goes to the ledger as spoiled (`blanks.services.ledger.spoil_serial`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from skillcert.printing.choices import InsertState, PrintJobKind, PrintJobStatus

ORG = "orgs.Organisation"
USER = settings.AUTH_USER_MODEL

OFFSET_LIMIT_MM = Decimal("30")
SCALE_MIN, SCALE_MAX = Decimal("0.9500"), Decimal("1.0500")


class ScopedQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any, permission: str = "printing.print") -> Any:
        from skillcert.orgs.scoping import org_filter

        return self.filter(org_filter(user, "organisation", permission))


class Printer(models.Model):
    """One printer of an organisation and its calibration: the whole page is scaled by `scale` about the
    sheet's top-left corner and moved `offset_x_mm` right and `offset_y_mm` down (R0.2)."""

    organisation = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="printers")
    name = models.CharField(max_length=60)
    offset_x_mm = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(-OFFSET_LIMIT_MM), MaxValueValidator(OFFSET_LIMIT_MM)],
    )
    offset_y_mm = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(-OFFSET_LIMIT_MM), MaxValueValidator(OFFSET_LIMIT_MM)],
    )
    scale = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal("1"),
        validators=[MinValueValidator(SCALE_MIN), MaxValueValidator(SCALE_MAX)],
    )
    active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__path", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="printer_org_name_uniq")]

    def __str__(self) -> str:
        return self.name


class PrintJob(models.Model):
    organisation = models.ForeignKey(
        ORG, on_delete=models.PROTECT, related_name="print_jobs", help_text="who prints (centre or station)"
    )
    holder = models.ForeignKey(
        ORG, on_delete=models.PROTECT, related_name="+", help_text="whose blank stock is used (R1.8)"
    )
    level = models.CharField(max_length=1)
    kind = models.CharField(max_length=10, choices=PrintJobKind.choices, default=PrintJobKind.PRINT)
    status = models.CharField(max_length=10, choices=PrintJobStatus.choices, default=PrintJobStatus.RENDERING)
    printer = models.ForeignKey(Printer, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs")
    calibration = models.JSONField(default=dict, help_text="the printer's calibration when the job was made")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reprints"
    )
    reason = models.CharField(max_length=200, blank=True, help_text="why inserts were reprinted")
    render_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.CharField(max_length=200, blank=True, help_text="relative to MEDIA_ROOT")
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(default=0)
    item_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"print job {self.pk}"


class PrintItem(models.Model):
    """One insert: a certificate printed on one blank serial."""

    print_job = models.ForeignKey(PrintJob, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField(help_text="order in the job: sheet = position // 2 + 1")
    certificate = models.ForeignKey(
        "certificates.Certificate", on_delete=models.PROTECT, related_name="print_items"
    )
    serial = models.ForeignKey("blanks.BlankSerial", on_delete=models.PROTECT, related_name="print_items")
    serial_text = models.CharField(max_length=12)
    qr_text = models.TextField(help_text="the signed QR payload printed (docs/formats/qr-payload.md §2a)")
    reissue = models.BooleanField(default=False, help_text="printed with 补发 in the remarks")
    state = models.CharField(max_length=10, choices=InsertState.choices, default=InsertState.PRINTED)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )
    spoiled_at = models.DateTimeField(null=True, blank=True)
    spoiled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    spoil_reason = models.CharField(max_length=200, blank=True)
    steel_seal_at = models.DateTimeField(null=True, blank=True, help_text="钢印 pressed (R0.2)")
    steel_seal_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["print_job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["print_job", "position"], name="print_item_position_uniq"),
            models.UniqueConstraint(fields=["serial"], name="print_item_serial_uniq"),
        ]
        indexes = [models.Index(fields=["certificate"], name="print_item_certificate_idx")]

    def __str__(self) -> str:
        return f"{self.serial_text} {self.certificate_id}"

    @property
    def organisation(self) -> Any:
        return self.print_job.organisation

    @property
    def sheet(self) -> int:
        return self.position // 2 + 1
