"""The organisation tree, memberships (roles per organisation), the administrator register (R1.9)
and roll-out settings (R0.6).

The tree is stored as a materialised path (`/1/4/17/`) so "this organisation and everything below
it" is one indexed prefix query on both SQLite and PostgreSQL (X1).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from skillcert.orgs.choices import Accreditation, AdminDuty, InstitutionType, OrgKind, Role, RolloutFeature


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def visible_to(self, user: Any) -> OrganisationQuerySet:
        from skillcert.orgs.scoping import org_filter

        return self.filter(org_filter(user, None))

    def subtree_of(self, org: Organisation) -> OrganisationQuerySet:
        return self.filter(path__startswith=org.path) if org.path else self.none()


class Organisation(models.Model):
    code = models.CharField(max_length=32, unique=True, help_text="stable external code")
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    region = models.ForeignKey(
        "catalog.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    osta_code = models.CharField(
        max_length=2, blank=True, help_text="province/industry code from the national centre's table"
    )
    city_code = models.CharField(max_length=2, blank=True, help_text="digits 3–4 of institution codes")
    institution_code = models.CharField(max_length=8, blank=True, help_text="PP CC T NNN, stations")
    institution_type = models.CharField(max_length=1, choices=InstitutionType.choices, blank=True)
    accreditation = models.CharField(
        max_length=10, choices=Accreditation.choices, default=Accreditation.ACTIVE
    )
    accreditation_reason = models.CharField(max_length=200, blank=True)
    accreditation_changed_at = models.DateTimeField(null=True, blank=True)
    uscc = models.CharField(max_length=18, blank=True, help_text="统一社会信用代码")
    address = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution_code"],
                condition=~models.Q(institution_code=""),
                name="org_institution_code_uniq",
            ),
            # Scoping is a prefix match on the path, so a malformed one is a privilege: "" is a prefix of
            # every path (a membership there reached the whole country, issue 13 item 5). The path is
            # "/<id>/<id>/.../": plain LIKE tests, the same on SQLite and PostgreSQL.
            models.CheckConstraint(
                condition=models.Q(path__startswith="/")
                & models.Q(path__endswith="/")
                & ~models.Q(path="/")
                & ~models.Q(path__contains="//"),
                name="org_path_well_formed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def organisation(self) -> Organisation:
        """An organisation is scoped by itself (lets generic code treat it like any scoped record)."""
        return self

    def ancestors(self) -> models.QuerySet[Organisation]:
        ids = [int(p) for p in self.path.strip("/").split("/") if p]
        return Organisation.objects.filter(pk__in=ids).order_by("depth")

    def is_within(self, other: Organisation) -> bool:
        return bool(other.path) and self.path.startswith(other.path)

    def nearest(self, *kinds: str) -> Organisation | None:
        for org in reversed(list(self.ancestors())):
            if org.kind in kinds:
                return org
        return None


class Membership(models.Model):
    """A person holds a role at an organisation; it reaches the organisation's subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__path", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class AdministratorEntry(models.Model):
    """R1.9: the named certificate administrators of an organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="administrators")
    duty = models.CharField(max_length=20, choices=AdminDuty.choices)
    responsible_person = models.CharField(max_length=50)
    administrator = models.CharField(max_length=50)
    phone = models.CharField(max_length=30)
    email = models.EmailField()
    since = models.DateField()
    until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__path", "duty", "-since"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.get_duty_display()}: {self.administrator}"


class RolloutSetting(models.Model):
    """R0.6: an organisation switches a feature on from a date; descendants inherit unless they have
    their own setting (pilots first, the rest later)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="rollouts")
    feature = models.CharField(max_length=30, choices=RolloutFeature.choices)
    effective_from = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["organisation__path", "feature"]
        constraints = [models.UniqueConstraint(fields=["organisation", "feature"], name="rollout_uniq")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.feature} from {self.effective_from}"
