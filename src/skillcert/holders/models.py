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


# --- "I cannot find my certificate" inquiries (R3.4) and holders' correction requests (R3.5) ---------


class CertificateInquiry(models.Model):
    """A holder who has not received a certificate 30 days after being told it was issued asks the
    provincial centre (R3.4). No account: name, ID number and a phone confirmed by an SMS code. The ID
    number is kept only as a keyed hash (for matching), masked and encrypted; the phone likewise (X7)."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", "待验证 Awaiting the SMS code"
        OPEN = "open", "待答复 Awaiting an answer"
        ANSWERED = "answered", "已答复 Answered"

    reference = models.CharField(max_length=20, unique=True)
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=60)
    document_hash = models.CharField(max_length=64, db_index=True)
    id_masked = models.CharField(max_length=40)
    id_cipher = models.TextField()
    phone_hash = models.CharField(max_length=64)
    phone_masked = models.CharField(max_length=20)
    phone_cipher = models.TextField()
    received_on = models.DateField(help_text="the date the holder says the certificate was issued to them")
    details = models.TextField(blank=True, help_text="occupation, level, session as recalled")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNCONFIRMED)
    code_hash = models.CharField(max_length=64, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True, db_index=True)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    certificate = models.ForeignKey(
        "certificates.Certificate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.reference


class CorrectionRequest(models.Model):
    """A holder's request to correct personal data on a certificate, with evidence (R3.5). Staff of the
    issuing side forward it into the certificate correction workflow (re-review by a centre above) or
    reject it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已提交 Submitted"
        FORWARDED = "forwarded", "已转入复核 Forwarded for re-review"
        REJECTED = "rejected", "已驳回 Rejected"

    reference = models.CharField(max_length=20, unique=True)
    certificate = models.ForeignKey(
        "certificates.Certificate", on_delete=models.PROTECT, related_name="holder_corrections"
    )
    changes = models.JSONField(help_text="requested changes; a new ID number only in id_cipher")
    id_cipher = models.TextField(blank=True)
    id_masked = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
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
        return self.reference

    @property
    def organisation(self) -> object:
        return self.certificate.organisation


class CorrectionEvidence(models.Model):
    class Kind(models.TextChoices):
        ID_CARD = "id_card", "身份证 ID card"
        ORIGINAL_CERTIFICATE = "original_certificate", "原证书 Original certificate"
        ADMISSION_TICKET = "admission_ticket", "准考证 Admission ticket"

    request = models.ForeignKey(CorrectionRequest, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    original_name = models.CharField(max_length=200)
    stored_path = models.CharField(max_length=300, help_text="relative to MEDIA_ROOT")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"
