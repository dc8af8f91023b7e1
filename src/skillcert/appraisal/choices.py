from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    """The submit → approve / return cycle shared by plans, session plans and session reports."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class PaperStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    AUDITED = "audited", _("Audited")
    REJECTED = "rejected", _("Rejected")


class EnrolmentSource(models.TextChoices):
    CARD_READER = "card_reader", _("ID-card reader")
    MANUAL = "manual", _("Manual entry")
    IMPORT = "import", _("Roster import")


class Result(models.TextChoices):
    PASS = "pass", _("Qualified")
    FAIL = "fail", _("Not qualified")
    ABSENT = "absent", _("Absent")
