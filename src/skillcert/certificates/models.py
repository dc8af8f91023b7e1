"""The certificate register: numbering configuration and sequences, certificates with their frozen
issued data, and lifecycle events (R0.1, R1.7, R2.9, R3.5, R4.3, X2).

Issued data is frozen (design.md rule 3). A reissue, a correction or a revocation is a new
`CertificateEvent` referring to the certificate; the current state and the current data are derived
from the events (`Certificate.state` is a cache of that derivation, written in the same transaction as
the event)."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models

from skillcert.certificates.choices import CertificateKind, CertificateSource, CertificateState, EventKind

ID_SALT_BYTES = 16


def new_id_salt() -> bytes:
    """A certificate's ID-commitment salt: 16 random bytes (certificate-data.md §3)."""
    return secrets.token_bytes(ID_SALT_BYTES)


class RandomSalt(models.Func):
    """16 random bytes drawn by the database, as the column default: SQLite's randomblob (its ChaCha20
    generator seeded by the system), PostgreSQL's gen_random_uuid (pg_strong_random: 122 random bits)."""

    output_field = models.BinaryField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return f"randomblob({ID_SALT_BYTES})", []

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return "uuid_send(gen_random_uuid())", []


class NumberingConfig(models.Model):
    """How an issuing organisation numbers certificates (design.md: schemes are configuration)."""

    class Scheme(models.TextChoices):
        NATIONAL16 = "national16", "16位国家职业资格证书编号"
        SKILL22 = "skill22", "22位职业技能等级证书编号"

    organisation = models.OneToOneField(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="numbering",
        help_text="the provincial or industry centre whose subtree it numbers",
    )
    issuing_authority = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="发证机关: whose seal the certificates carry",
    )
    scheme = models.CharField(max_length=12, choices=Scheme.choices, default=Scheme.NATIONAL16)
    area_code = models.CharField(
        max_length=2, help_text="national16: province or industry code (49 = machinery)"
    )
    evaluator_kind = models.CharField(
        max_length=1, blank=True, help_text="skill22: Y employer / S social body"
    )
    province_code = models.CharField(max_length=2, blank=True, help_text="skill22: GB/T 2260 province")
    site_code = models.CharField(max_length=6, blank=True, help_text="skill22: evaluation site")
    licence_type_code = models.CharField(
        max_length=20, default="ZYZG", help_text="GB/T 36904 licence type code"
    )
    issuer_uscc = models.CharField(max_length=18, help_text="统一社会信用代码 of the issuing authority")

    class Meta:
        verbose_name = "numbering configuration"

    def __str__(self) -> str:
        return f"{self.organisation} {self.scheme} {self.area_code}"


class NumberSequence(models.Model):
    """The last number used in one series (scheme + institution + level + year). Allocated under a row
    lock, in blocks, so a sequence is never reused and never skips (design.md rule 4)."""

    key = models.CharField(max_length=60, unique=True)
    last = models.PositiveIntegerField(default=0)
    capacity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.last}/{self.capacity}"


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def visible_to(self, user: Any, permission: str = "certificates.view") -> CertificateQuerySet:
        from skillcert.orgs.scoping import org_filter

        return self.filter(org_filter(user, "organisation", permission))


class Certificate(models.Model):
    number = models.CharField(max_length=32, unique=True)
    scheme = models.CharField(max_length=12, choices=NumberingConfig.Scheme.choices)
    kind = models.CharField(
        max_length=16, choices=CertificateKind.choices, default=CertificateKind.QUALIFICATION
    )
    licence_id = models.CharField(max_length=120, unique=True, help_text="GB/T 36904 e-licence identifier")
    enrolment = models.OneToOneField(
        "appraisal.Enrolment", null=True, blank=True, on_delete=models.PROTECT, related_name="certificate"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="certificates")
    organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="certificates",
        help_text="the appraisal station (scope)",
    )
    issuing_authority = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    occupation = models.ForeignKey("catalog.Occupation", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("catalog.Level", on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField()
    data = models.JSONField(help_text="frozen issued data (R0.1); the ID number only masked")
    id_cipher = models.TextField(help_text="the ID number as issued, encrypted (X7)")
    state = models.CharField(
        max_length=10,
        choices=CertificateState.choices,
        default=CertificateState.VALID,
        help_text="derived from the events; cached for queries",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="set only by publication.services.publish_release (R3.8); public answers need it",
    )
    # Last, so positional construction of the columns above (issue.py) is unchanged; a database default
    # too, so COPY and bulk writers that leave it out still store "issued".
    source = models.CharField(
        max_length=12,
        choices=CertificateSource.choices,
        default=CertificateSource.ISSUED,
        db_default=CertificateSource.ISSUED,
        help_text="issued here, or imported from another exam system / historical records (R3.2, R3.3)",
    )
    # Drawn at issuance or import and kept (issue 13 item 11): the signed record commits to the ID number
    # with it, so a verifier and every later rendering find the same one whatever happens to SECRET_KEY.
    # The database draws one too for a row written by raw SQL or COPY that names no salt.
    id_salt = models.BinaryField(
        default=new_id_salt,
        db_default=RandomSalt(),
        editable=False,
        help_text="salt of the ID commitment in the signed record (certificate-data.md §3); never published",
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "number"]
        # No index of its own on person: the foreign key's index serves look-ups by holder.

    def __str__(self) -> str:
        return self.number


class CertificateEvent(models.Model):
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(
        default=dict, blank=True, help_text="changed fields, evidence references, remarks"
    )
    blank_serial = models.CharField(
        max_length=32, blank=True, help_text="paper blank serial (流水码), if any"
    )

    class Meta:
        ordering = ["certificate", "at", "id"]

    def __str__(self) -> str:
        return f"{self.certificate.number} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("certificate events are immutable")
        super().save(*args, **kwargs)

    @property
    def organisation(self) -> Any:
        return self.certificate.organisation
