"""The transparency log's storage (issue 19; X2, R3.8): append-only, every row immutable once written.

* `LogState` — the one row appends lock (``select_for_update``): origin, tree size and root.
* `Tile` — the tiles (levels 0…63) and entry bundles (level -1) exactly as served under ``/tlog/tile/``;
  full tiles once written never change, partial tiles are kept for every checkpointed size.
* `Leaf` — one row per leaf, for look-ups (a certificate's leaves, an event already logged); the
  authoritative bytes are the entry bundles.
* `Checkpoint` — the signed tree head of every size the log has had, with the log's signature lines.
* `LogKey` — the log's own keys (Ed25519 for the checkpoint, SM2 for the Chinese line, an Ed25519
  "clock" key for the log's timestamped cosignature), private halves encrypted with the data key.
* `Witness` / `Cosignature` — the outside witnesses the log accepts cosignatures from, and those
  cosignatures (C2SP tlog-cosignature v1).
"""

from __future__ import annotations

from typing import Any

from django.db import models


class Immutable(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(f"a {type(self).__name__} row is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"a {type(self).__name__} row is never deleted")


class LogState(models.Model):
    """The single row (pk 1) every append locks; `size` and `root_hash` are the log head."""

    origin = models.CharField(max_length=200, help_text="checkpoint origin line, fixed when the log starts")
    size = models.BigIntegerField(default=0)
    root_hash = models.CharField(max_length=64, help_text="hex SHA-256 root of the tree of `size` leaves")
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.origin} @ {self.size}"


class Tile(Immutable):
    level = models.SmallIntegerField(help_text="0…63 hash tiles; -1 entry bundles")
    index = models.BigIntegerField()
    width = models.SmallIntegerField(help_text="256 = full; 1…255 a partial tile")
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index", "width"], name="transparency_one_tile")
        ]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.index}/{self.width}"


class Leaf(Immutable):
    """One look-up row per leaf: which certificate and which lifecycle event it logs. Kept narrow (an
    append writes one per leaf, bench/tlog.py): what the leaf says is read from its entry bundle."""

    index = models.BigIntegerField(primary_key=True)
    certificate_id = models.BigIntegerField(help_text="the Certificate (a plain column: look-ups only)")
    event_id = models.BigIntegerField(null=True, unique=True, help_text="the CertificateEvent logged")

    class Meta:
        ordering = ["index"]
        indexes = [models.Index(fields=["certificate_id", "index"], name="transparency_leaf_certificate")]

    def __str__(self) -> str:
        return f"leaf {self.index}"


class Checkpoint(Immutable):
    size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    text = models.TextField(help_text="the note text (origin, size, root)")
    signatures = models.TextField(help_text="the log's signature lines")
    created_at = models.DateTimeField()
    release_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class LogKey(Immutable):
    class Purpose(models.TextChoices):
        CHECKPOINT = "checkpoint", "Ed25519 checkpoint signature"
        CHECKPOINT_SM2 = "checkpoint-sm2", "SM2-with-SM3 checkpoint signature"
        CLOCK = "clock", "Ed25519 timestamped cosignature of the log itself"

    purpose = models.CharField(max_length=16, choices=Purpose.choices, unique=True)
    name = models.CharField(max_length=220, help_text="the key name of the signature lines")
    algorithm = models.CharField(max_length=24)
    key_id = models.CharField(max_length=8, help_text="hex of the 4-byte signed-note key id")
    public_key = models.CharField(max_length=130, help_text="hex")
    private_key_cipher = models.TextField(editable=False, help_text="AES-GCM ciphertext; never shown")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id} ({self.algorithm})"


class Witness(models.Model):
    """An outside witness whose cosignatures the log accepts (set in the admin or `tlog witnesses`)."""

    name = models.CharField(max_length=200, unique=True, help_text="the witness's key name")
    public_key = models.CharField(max_length=64, help_text="Ed25519 public key, 64 hex digits")
    key_id = models.CharField(max_length=8, editable=False)
    operator = models.CharField(max_length=200, blank=True, help_text="who runs it (organisation)")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Cosignature(Immutable):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.ForeignKey(Witness, on_delete=models.PROTECT, related_name="cosignatures")
    timestamp = models.BigIntegerField(help_text="POSIX seconds the witness signed")
    line = models.TextField(help_text="the signature line as received")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["checkpoint", "witness", "-timestamp"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "witness", "timestamp"], name="transparency_one_cosignature"
            )
        ]

    def __str__(self) -> str:
        return f"{self.witness} @ {self.checkpoint_id}"
