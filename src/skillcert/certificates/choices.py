from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateKind(models.TextChoices):
    QUALIFICATION = "qualification", _("Vocational qualification certificate")
    SKILL_LEVEL = "skill_level", _("Skill-level certificate")
    SCORE = "score", _("Score certificate")  # R2.9: for abolished qualifications, instead of a reissue


class EventKind(models.TextChoices):
    """Lifecycle events (design.md rule 3): issued data never changes; each change is a new event."""

    ISSUED = "issued", _("Issued")
    REISSUED = "reissued", _("Reissued")  # R1.7/R2.9: same number, new blank serial, marked 补发
    CORRECTION_REQUESTED = "correction_requested", _("Correction requested")  # R3.5 with evidence
    CORRECTED = "corrected", _("Corrected")  # after re-review (R2.9)
    REVOKED = "revoked", _("Revoked")


class CertificateState(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class CertificateSource(models.TextChoices):
    """Where a register entry came from (R3.2, R3.3). Imported entries have no appraisal session here."""

    ISSUED = "issued", _("Issued here")
    IMPORTED = "imported", _("Imported from another exam system")
    HISTORICAL = "historical", _("Historical certificate")
