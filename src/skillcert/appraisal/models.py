"""Appraisal: annual plans (R4.1), session plans, paper sets and draws (R4.4), enrolments, scores and
the after-session report and approval (R4.5)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from skillcert.appraisal.choices import EnrolmentSource, PaperStatus, Result, ReviewStatus

User = settings.AUTH_USER_MODEL


class ScopedQuerySet(models.QuerySet):
    """`visible_to(user)` through the owning organisation (X1); `org_field` names the path to it."""

    org_field = "organisation"

    def visible_to(self, user: Any, permission: str = "appraisal.view") -> Any:
        from skillcert.orgs.scoping import org_filter

        return self.filter(org_filter(user, self.org_field, permission))


class SessionScopedQuerySet(ScopedQuerySet):
    org_field = "session__organisation"


class Reviewed(models.Model):
    """Fields of the submit → approve / return cycle."""

    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review_comment = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


class AnnualPlan(Reviewed):
    """R4.1: an organisation's training and appraisal plan for a year, due 28 February."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="annual_plans"
    )
    year = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "organisation__path"]
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="annual_plan_uniq")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"

    @property
    def due_date(self) -> datetime.date:
        return datetime.date(self.year, 2, 28)

    def is_late(self, today: datetime.date | None = None) -> bool:
        from django.utils import timezone

        if self.submitted_at is not None:
            return timezone.localtime(self.submitted_at).date() > self.due_date
        return (today or timezone.localdate()) > self.due_date


class AnnualPlanLine(models.Model):
    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="lines")
    occupation = models.ForeignKey("catalog.Occupation", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("catalog.Level", on_delete=models.PROTECT, related_name="+")
    planned_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["occupation__code", "-level"]
        constraints = [models.UniqueConstraint(fields=["plan", "occupation", "level"], name="plan_line_uniq")]

    def __str__(self) -> str:
        return f"{self.occupation.name} {self.level}: {self.planned_count}"


class AppraisalSession(Reviewed):
    """R4.4: a station's appraisal session, approved by its responsible centre before it runs."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="sessions")
    code = models.CharField(max_length=32, unique=True)
    site = models.CharField(max_length=200)
    exam_start = models.DateField()
    exam_end = models.DateField()
    expected_candidates = models.PositiveIntegerField()
    responsible_centre = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-exam_start", "-id"]

    def __str__(self) -> str:
        return self.code


class SessionSubject(models.Model):
    """An occupation and level examined in a session."""

    session = models.ForeignKey(AppraisalSession, on_delete=models.CASCADE, related_name="subjects")
    occupation = models.ForeignKey("catalog.Occupation", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("catalog.Level", on_delete=models.PROTECT, related_name="+")
    national_bank = models.BooleanField(
        default=False, help_text="papers come from the national question bank"
    )

    objects = SessionScopedQuerySet.as_manager()  # visible_to(user) through the session's station

    class Meta:
        ordering = ["occupation__code", "-level"]
        constraints = [
            models.UniqueConstraint(fields=["session", "occupation", "level"], name="subject_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.occupation.code} {self.occupation.name} {self.level}"

    @property
    def organisation(self) -> Any:
        return self.session.organisation

    @property
    def needs_comprehensive(self) -> bool:
        """技师 (2) and 高级技师 (1) add a comprehensive review (综合评审)."""
        return self.level_id <= 2


class PaperSet(models.Model):
    """R4.4: a self-written exam paper set for an occupation and level, audited before use."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="paper_sets")
    occupation = models.ForeignKey("catalog.Occupation", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("catalog.Level", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=60)
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=PaperStatus.choices, default=PaperStatus.SUBMITTED)
    audited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    audited_at = models.DateTimeField(null=True, blank=True)
    audit_comment = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["occupation__code", "-level", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "occupation", "level", "label"], name="paper_set_label_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occupation.name} {self.level} {self.label}"


class PaperDraw(models.Model):
    """The recorded random draw of one audited paper set for a session subject. Anyone can re-verify it:
    the candidates (sorted ids) and the seed determine the drawn set (see services.draw_index)."""

    subject = models.OneToOneField(SessionSubject, on_delete=models.PROTECT, related_name="draw")
    seed = models.CharField(max_length=64)
    candidate_ids = models.JSONField()
    paper_set = models.ForeignKey(PaperSet, on_delete=models.PROTECT, related_name="draws")
    drawn_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-drawn_at"]

    def __str__(self) -> str:
        return f"{self.subject}: {self.paper_set.label}"

    @property
    def organisation(self) -> Any:
        return self.subject.session.organisation


class PassRule(models.Model):
    """Pass marks per occupation and level; the most specific rule wins, the default is 60 each."""

    occupation = models.ForeignKey(
        "catalog.Occupation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey(
        "catalog.Level", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    theory_min = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal(60))
    practical_min = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal(60))
    comprehensive_min = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal(60))

    class Meta:
        # One rule per occupation/level combination, a null standing for "any" (SQLite has no NULLS NOT
        # DISTINCT, so each combination of nulls gets its own partial unique index).
        constraints = [
            models.UniqueConstraint(
                fields=["occupation", "level"],
                name="pass_rule_uniq",
                condition=models.Q(occupation__isnull=False, level__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["occupation"],
                name="pass_rule_occupation_uniq",
                condition=models.Q(occupation__isnull=False, level__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["level"],
                name="pass_rule_level_uniq",
                condition=models.Q(occupation__isnull=True, level__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occupation or '*'} {self.level or '*'}"


class Enrolment(models.Model):
    """A candidate in a session, with scores. `result` is derived by the service from the scores and the
    pass rule — never typed (R0.1 评定成绩)."""

    session = models.ForeignKey(AppraisalSession, on_delete=models.PROTECT, related_name="enrolments")
    subject = models.ForeignKey(SessionSubject, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="enrolments")
    photo = models.ForeignKey(
        "people.Photo", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=12, choices=EnrolmentSource.choices)
    work_unit = models.CharField(max_length=100, blank=True)
    theory = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    practical = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    comprehensive = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    absent = models.BooleanField(default=False)
    result = models.CharField(max_length=8, choices=Result.choices, blank=True, editable=False)
    eligible = models.BooleanField(
        default=False, editable=False, help_text="qualified and approved: a certificate may be issued"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SessionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="enrolment_once_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.session.code} {self.person.name}"

    @property
    def organisation(self) -> Any:
        return self.session.organisation


class SessionReport(Reviewed):
    """R4.5: after the session — appraisal report, qualified roster and, for 技师/高级技师, the approval
    form — submitted to the responsible centre and approved or returned."""

    session = models.OneToOneField(AppraisalSession, on_delete=models.PROTECT, related_name="report")
    examiners = models.CharField(max_length=300, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SessionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"report {self.session.code}"

    @property
    def organisation(self) -> Any:
        return self.session.organisation
