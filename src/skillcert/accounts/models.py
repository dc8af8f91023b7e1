"""Account hygiene records (R3.9, X2): password age and history, TOTP enrolment, login attempts and
lock-outs, the publishing lock-down flag and immutable security incidents with their evidence."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class ImmutableError(Exception):
    pass


class AccountSecurity(models.Model):
    """Per-user security state. Absent means: password as old as the account, no TOTP."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security")
    password_changed_at = models.DateTimeField(null=True, blank=True)
    must_change_password = models.BooleanField(default=False)
    totp_secret = models.TextField(blank=True, help_text="base32 secret, encrypted at rest")
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0, help_text="last accepted time step (no replay)")

    def __str__(self) -> str:
        return f"security of {self.user_id}"

    @property
    def totp_enrolled(self) -> bool:
        return bool(self.totp_secret) and self.totp_confirmed_at is not None


class PasswordHistory(models.Model):
    """The hashes of a user's passwords, newest last (no reuse of the last N)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "password history"

    def __str__(self) -> str:
        return f"password of {self.user_id} set {self.created_at:%Y-%m-%d}"


class LoginAttempt(models.Model):
    """One log-in attempt. The username is kept as typed (truncated); never the password."""

    username = models.CharField(max_length=150, db_index=True)
    client_address = models.CharField(max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    success = models.BooleanField(default=False)
    stage = models.CharField(max_length=10, default="password")  # password | totp | token

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.username} {'ok' if self.success else 'failed'} {self.stage}"


class Lockout(models.Model):
    class Kind(models.TextChoices):
        ACCOUNT = "account", "账户 Account"
        ADDRESS = "address", "地址 Client address"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=150, db_index=True, help_text="username or client address")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    locked_at = models.DateTimeField(auto_now_add=True)
    locked_until = models.DateTimeField()
    failures = models.PositiveIntegerField(default=0)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-locked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} until {self.locked_until:%Y-%m-%d %H:%M}"


class LockdownState(models.Model):
    """One row (pk=1): whether publishing is frozen after a suspected credential leak, and the moment
    before which every session and API token is void (forced re-authentication)."""

    frozen = models.BooleanField(default=False, help_text="publishing frozen")
    frozen_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    incident = models.ForeignKey(
        "SecurityIncident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reauth_after = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return "publishing frozen" if self.frozen else "normal"

    @classmethod
    def get(cls) -> LockdownState:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    @classmethod
    def publishing_frozen(cls) -> bool:
        """Whether publication must refuse to publish (the hook `skillcert.publication` checks)."""
        return cls.objects.filter(pk=1, frozen=True).exists()


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableError(f"{self._meta.label} records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError(f"{self._meta.label} records cannot be deleted")


class SecurityIncident(_AppendOnly):
    """A reported credential leak (R3.9): who reported it, when, what, and what the platform did.
    Immutable once written (refused by the model and, on PostgreSQL, by a trigger)."""

    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, default="credential_leak")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    description = models.TextField()
    sessions_ended = models.PositiveIntegerField(default=0)
    tokens_rotated = models.PositiveIntegerField(default=0)
    passwords_expired = models.PositiveIntegerField(default=0)
    publishing_frozen = models.BooleanField(default=True)

    class Meta:
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class IncidentEvidence(_AppendOnly):
    """A file preserved as evidence, with its SHA-256 taken on upload."""

    incident = models.ForeignKey(SecurityIncident, on_delete=models.PROTECT, related_name="evidence")
    original_name = models.CharField(max_length=200)
    stored_path = models.CharField(max_length=300, help_text="relative to MEDIA_ROOT")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"


class ApiToken(models.Model):
    """An API token (issue 13 item 8, R3.9). Only the SHA-256 of the key is stored: the key is 32
    random bytes, so a plain hash is as strong as the key and a stolen database holds nothing usable.
    The first characters (`prefix`) are not secret and name the token in lists. A token expires, can
    be revoked (by its user or an administrator), and a user may hold several (integrations)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=12, db_index=True, help_text="first characters of the key")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key, hex")
    label = models.CharField(max_length=100, blank=True)
    created = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_active")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    @property
    def active(self) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and self.expires_at > timezone.now()
