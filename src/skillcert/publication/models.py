"""Publication rounds (R3.7, R3.8, R3.9).

* `Batch` — what one centre puts forward for a round: a city (or industry branch) centre's submission,
  or the province's own certificates gathered when it compiles. Its `BatchItem`s name the
  certificates; an active item holds a certificate so no second batch can take it.
* `Release` — the province's upload for a round: the approved city batches plus its own batch.
* `SignOff` — one approval or rejection in a chain; a person signs a batch or a release at most once.
* `PublishingFreeze` — the switch a credential-leak lock-down sets; publishing is refused while a
  freeze is not lifted.
* `Backup` — the consistent copy taken after each publication, with where it went.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BatchState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting sign-off")
    APPROVED = "approved", _("Signed off")
    REJECTED = "rejected", _("Rejected")
    COMPILED = "compiled", _("In a provincial release")
    PUBLISHED = "published", _("Published")


class ReleaseState(models.TextChoices):
    COMPILED = "compiled", _("Awaiting sign-off")
    SIGNED = "signed", _("Signed off, ready to publish")
    REJECTED = "rejected", _("Rejected")
    PUBLISHED = "published", _("Published")


class ScopedQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any, permission: str = "publication.view") -> Any:
        from skillcert.orgs.scoping import org_filter

        return self.filter(org_filter(user, "organisation", permission))


class Release(models.Model):
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=8, help_text="YYYY-MMA / YYYY-MMB")
    data_start = models.DateField()
    data_end = models.DateField()
    publication_date = models.DateField(help_text="scheduled (rolled) publication day")
    state = models.CharField(max_length=10, choices=ReleaseState.choices, default=ReleaseState.COMPILED)
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    compiled_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    certificate_count = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-compiled_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.period}"


class Batch(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("City submission")
        OWN = "own", _("Province's own data")

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.CITY)
    period = models.CharField(max_length=8)
    data_start = models.DateField()
    data_end = models.DateField()
    publication_date = models.DateField()
    state = models.CharField(max_length=10, choices=BatchState.choices, default=BatchState.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    release = models.ForeignKey(
        Release, null=True, blank=True, on_delete=models.PROTECT, related_name="batches"
    )
    certificate_count = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"{self.organisation} {self.period}"


class BatchItem(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="items")
    certificate = models.ForeignKey(
        "certificates.Certificate", on_delete=models.PROTECT, related_name="publication_items"
    )
    active = models.BooleanField(default=True, help_text="false once the batch is rejected")

    class Meta:
        ordering = ["batch", "certificate__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate"], condition=Q(active=True), name="publication_item_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.certificate_id}"


class SignOff(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")

    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="signoffs")
    release = models.ForeignKey(
        Release, null=True, blank=True, on_delete=models.PROTECT, related_name="signoffs"
    )
    step = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    comment = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(batch__isnull=False, release__isnull=True)
                | Q(batch__isnull=True, release__isnull=False),
                name="publication_signoff_one_target",
            ),
            models.UniqueConstraint(fields=["batch", "step"], name="publication_signoff_batch_step"),
            models.UniqueConstraint(fields=["batch", "user"], name="publication_signoff_batch_user"),
            models.UniqueConstraint(fields=["release", "step"], name="publication_signoff_release_step"),
            models.UniqueConstraint(fields=["release", "user"], name="publication_signoff_release_user"),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.decision} {self.user_id}"


class PublishingFreeze(models.Model):
    reason = models.CharField(max_length=500)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    frozen_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-frozen_at", "-id"]

    def __str__(self) -> str:
        return f"{self.frozen_at:%Y-%m-%d %H:%M} {self.reason}"


class Backup(models.Model):
    class Status(models.TextChoices):
        OK = "ok", _("Complete")
        PARTIAL = "partial", _("Fewer copies than configured")
        FAILED = "failed", _("Failed")

    name = models.CharField(max_length=40, unique=True, help_text="directory name (UTC time stamp)")
    created_at = models.DateTimeField()
    vendor = models.CharField(max_length=12)
    release = models.ForeignKey(Release, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, help_text="of the database file")
    locations = models.JSONField(default=list, help_text="[{path, verified, error}]")
    tables = models.JSONField(default=dict, help_text="row counts per table")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name
