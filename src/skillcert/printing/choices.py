from django.db import models
from django.utils.translation import gettext_lazy as _


class PrintJobKind(models.TextChoices):
    PRINT = "print", _("Print")
    REPRINT = "reprint", _("Reprint of spoiled inserts")


class PrintJobStatus(models.TextChoices):
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready to print")
    FAILED = "failed", _("Rendering failed")


class InsertState(models.TextChoices):
    PRINTED = "printed", _("Printed")
    SPOILED = "spoiled", _("Spoiled (reprinted)")
