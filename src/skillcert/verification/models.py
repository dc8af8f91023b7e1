"""The verification lookup log (issue 5 item 5; X7): every public lookup, append-only.

A row holds the time, the channel, the method, the result and only coarse identifiers: the client
address truncated to its network (IPv4 /24, IPv6 /48) and the first 6 characters of a certificate
number. Never an ID number (not even masked) and never a name."""

from __future__ import annotations

from typing import Any

from django.db import models


class LookupLog(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", "web"
        API = "api", "api"
        QR = "qr", "qr"
        CLI = "cli", "cli"

    class Method(models.TextChoices):
        NUMBER = "number", "number + name"
        ID = "id", "ID number + name"
        QR = "qr", "QR payload"
        FILE = "file", "uploaded e-certificate file"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    channel = models.CharField(max_length=4, choices=Channel.choices)
    method = models.CharField(max_length=6, choices=Method.choices)
    result = models.CharField(max_length=20)
    reason = models.CharField(max_length=60, blank=True)
    client_network = models.CharField(max_length=64, blank=True, help_text="IPv4 /24 or IPv6 /48")
    number_prefix = models.CharField(max_length=6, blank=True, help_text="first 6 characters only")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.channel}/{self.method} {self.result}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("lookup log rows cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("lookup log rows cannot be deleted")
