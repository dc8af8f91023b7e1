"""Submitted statistics reports (R1.1, R4.6): frozen content and files, one row per version.

A report on screen is computed live from the register. Submitting it freezes what was computed: the
content (JSON of both tables and the blank-stock sections), its SHA-256, the PDF and the XLSX are
stored on the row and never change (design.md rule 3). A resubmission is a new row with the next
version number; the latest version is the current one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from skillcert.reports import periods


class ReportSubmissionQuerySet(models.QuerySet["ReportSubmission"]):
    def visible_to(self, user: Any, permission: str = "reports.view") -> ReportSubmissionQuerySet:
        from skillcert.orgs.scoping import org_filter

        return self.filter(org_filter(user, "organisation", permission))


class ReportSubmission(models.Model):
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="report_submissions"
    )
    period_kind = models.CharField(max_length=8, choices=[(k, k) for k in periods.KINDS])
    period_year = models.PositiveSmallIntegerField()
    period_number = models.PositiveSmallIntegerField()
    version = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    late = models.BooleanField(default=False)
    content = models.JSONField(help_text="the computed report as submitted (both tables, sources)")
    content_sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField()
    xlsx = models.BinaryField()
    note = models.CharField(max_length=500, blank=True, help_text="why it was (re)submitted")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ReportSubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-period_year", "period_kind", "-period_number", "organisation__path", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period_kind", "period_year", "period_number", "version"],
                name="report_submission_version_uniq",
            )
        ]
        indexes = [
            models.Index(
                fields=["period_kind", "period_year", "period_number"], name="report_submission_period_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.period.code} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("a submitted report is frozen; resubmit to create a new version")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("submitted reports cannot be deleted")

    @property
    def period(self) -> periods.Period:
        return periods.Period(self.period_kind, self.period_year, self.period_number)
