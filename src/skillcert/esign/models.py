"""Issuer keys: one SM2 key pair per issuing authority at a time (R2.1, X2; issue 5 item 1).

The public half is published (`/api/v1/keys/`); the private half is stored only as AES-GCM ciphertext
under a key-encryption key derived from settings.DATA_KEY (see services/keys.py) and is never logged.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone


class KeyStatus(models.TextChoices):
    ACTIVE = "active", "在用 / active"
    RETIRED = "retired", "已停用 / retired"
    REVOKED = "revoked", "已吊销 / revoked"


class IssuerKeyQuerySet(models.QuerySet["IssuerKey"]):
    def visible_to(self, user: Any, permission: str | None = "certificates.view") -> IssuerKeyQuerySet:
        """Keys of the organisations in the user's subtrees (X1). The public list uses `published()`."""
        from skillcert.orgs.scoping import org_filter

        return self.filter(org_filter(user, "organisation", permission))

    def published(self) -> IssuerKeyQuerySet:
        """Every key, for the public key list: only public data is ever serialised from it."""
        return self.select_related("organisation").order_by("organisation__code", "-valid_from", "key_id")


class IssuerKey(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="issuer_keys",
        help_text="the issuing authority (发证机关) or industry centre whose certificates the key signs",
    )
    key_id = models.CharField(max_length=16, unique=True, help_text="first 16 hex digits of SM3(public key)")
    algorithm = models.CharField(max_length=8, default="SM2", editable=False)
    public_key = models.CharField(max_length=130, help_text="uncompressed point 04||X||Y, hex")
    private_key_cipher = models.TextField(editable=False, help_text="AES-GCM ciphertext; never shown")
    valid_from = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=KeyStatus.choices, default=KeyStatus.ACTIVE)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IssuerKeyQuerySet.as_manager()

    class Meta:
        ordering = ["organisation_id", "-valid_from", "key_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status="active"),
                name="esign_one_active_key_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"SM2 {self.key_id} ({self.status})"

    @property
    def public_key_bytes(self) -> bytes:
        return bytes.fromhex(self.public_key)


class DocumentKind(models.TextChoices):
    PDF = "pdf", "PDF"
    OFD = "ofd", "OFD"


class ElectronicDocument(models.Model):
    """The original e-certificate file of one certificate version, as issued (R2.1, R2.6).

    Generated once per version (issuance, reissue, approved correction) and never changed: the file is
    stored under MEDIA_ROOT/edocs by content hash; holders download exactly this file and the public
    upload check says whether a file is this original (SHA-256 match) or another copy."""

    certificate = models.ForeignKey(
        "certificates.Certificate", on_delete=models.PROTECT, related_name="electronic_documents"
    )
    version = models.PositiveIntegerField(help_text="1 = as issued; +1 per reissue and approved correction")
    kind = models.CharField(max_length=3, choices=DocumentKind.choices)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    path = models.CharField(max_length=200, help_text="relative to MEDIA_ROOT")
    key_id = models.CharField(max_length=16)
    signed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["certificate_id", "version", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "version", "kind"], name="esign_one_document_per_version_and_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} v{self.version} {self.kind} {self.sha256[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("an electronic document is immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("an electronic document is never deleted")
