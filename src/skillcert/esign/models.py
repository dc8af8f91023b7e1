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
