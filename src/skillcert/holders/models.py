"""Holder self-service records: identity challenges (an SMS code, kept only as an HMAC) and online
reissue requests that enter the reissue workflow (R2.4, X7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReissueRequest(models.Model):
    class Delivery(models.TextChoices):
        PAPER = "paper", "纸质证书 Paper"
        ELECTRONIC = "electronic", "电子证书 Electronic"

    class Status(models.TextChoices):
        REQUESTED = "requested", "已申请 Requested"
        APPROVED = "approved", "已批准 Approved"
        REJECTED = "rejected", "已驳回 Rejected"

    certificate = models.ForeignKey(
        "certificates.Certificate", on_delete=models.PROTECT, related_name="reissue_requests"
    )
    reason = models.CharField(max_length=500)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.ELECTRONIC)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.CharField(max_length=500, blank=True)
    event = models.ForeignKey(
        "certificates.CertificateEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.status}"

    @property
    def organisation(self) -> object:
        return self.certificate.organisation


class HolderChallenge(models.Model):
    certificate = models.ForeignKey(
        "certificates.Certificate", on_delete=models.CASCADE, related_name="holder_challenges"
    )
    code_hash = models.CharField(max_length=64, help_text="HMAC of the code; never the code itself (X7)")
    phone_masked = models.CharField(max_length=20)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    session_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"challenge {self.pk} for {self.certificate_id}"
