"""Candidates and certificate holders.

The ID number is protected at rest (X7): stored encrypted (AES-GCM under SKILLCERT_DATA_KEY), with a
keyed hash (HMAC-SHA256) for exact look-up and a masked form for display. The full number is
decrypted only where a service needs it (printing, signing) and never logged.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    HK_MACAO = "hk_macao", _("Mainland travel permit for HK/Macao residents")
    TAIWAN = "taiwan", _("Mainland travel permit for Taiwan residents")
    PASSPORT = "passport", _("Passport")
    FOREIGN_PR = "foreign_pr", _("Foreign permanent resident ID card")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


# How gender is written on Chinese forms and certificates (R0.1).
GENDER_ZH: dict[str, str] = {Gender.MALE.value: "男", Gender.FEMALE.value: "女"}


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: Any, permission: str = "people.view") -> PersonQuerySet:
        from skillcert.orgs.scoping import org_filter

        return self.filter(org_filter(user, "organisation", permission))

    def with_document(self, document_type: str, number: str) -> PersonQuerySet:
        """Exact match on a (normalised) document number through the keyed hash index."""
        from skillcert.people.protect import document_hash

        return self.filter(document_hash=document_hash(document_type, number))


class Person(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="people",
        help_text="the organisation that registered the person",
        # The unique (organisation, document_hash) index leads with this column and serves every
        # look-up by organisation; a second index would only cost each write (bench/import.py).
        db_index=False,
    )
    name = models.CharField(max_length=60)
    document_type = models.CharField(
        max_length=12, choices=DocumentType.choices, default=DocumentType.RESIDENT_ID
    )
    document_cipher = models.TextField(editable=False)
    document_hash = models.CharField(max_length=64, editable=False)
    document_masked = models.CharField(max_length=40, editable=False)
    gender = models.CharField(max_length=1, choices=Gender.choices)
    birth_date = models.DateField()
    nation = models.CharField(max_length=20, blank=True, help_text="民族")
    education = models.ForeignKey(
        "catalog.EducationLevel", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField(max_length=20, blank=True)
    address = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=12, default="manual", help_text="manual | card_reader | import")
    photo = models.ForeignKey(
        "people.Photo",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the latest accepted photo",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "document_hash"], name="person_org_document_uniq"
            ),
        ]
        indexes = [models.Index(fields=["document_hash"], name="person_document_hash_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.document_masked}"

    def document_number(self) -> str:
        """The full number, decrypted. Call only where the full number is owed (never to logs)."""
        from skillcert.people.protect import decrypt

        return decrypt(self.document_cipher)


class Photo(models.Model):
    """A photo stored once, by content hash (R0.3); the bytes live under MEDIA_ROOT/photos/."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    width = models.PositiveSmallIntegerField()
    height = models.PositiveSmallIntegerField()
    size = models.PositiveIntegerField()
    source = models.CharField(max_length=12, help_text="upload | card_reader | capture")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"photo {self.sha256[:12]}"

    @property
    def relative_path(self) -> str:
        return f"photos/{self.sha256[:2]}/{self.sha256}.jpg"

    def read(self) -> bytes:
        from django.conf import settings

        return (settings.MEDIA_ROOT / self.relative_path).read_bytes()
