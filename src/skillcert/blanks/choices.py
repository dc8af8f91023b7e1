from django.db import models
from django.utils.translation import gettext_lazy as _


class BlankLevel(models.TextChoices):
    """The level digit used in certificate numbers and catalog.Level (1 = 高级技师 … 5 = 初级)."""

    L1 = "1", _("Level 1 / Senior Technician")
    L2 = "2", _("Level 2 / Technician")
    L3 = "3", _("Level 3 / Senior Worker")
    L4 = "4", _("Level 4 / Intermediate Worker")
    L5 = "5", _("Level 5 / Junior Worker")


LEVEL_TITLE_ZH = {"1": "高级技师", "2": "技师", "3": "高级", "4": "中级", "5": "初级"}


class BlankState(models.TextChoices):
    """Where a serial is now. in_stock, bound, spoiled and recalled are held by one organisation;
    destroyed and lost are final (the holder is the last one)."""

    IN_STOCK = "in_stock", _("In stock")
    BOUND = "bound", _("Bound to a certificate")
    SPOILED = "spoiled", _("Spoiled, awaiting destruction")
    RECALLED = "recalled", _("Recalled, awaiting destruction")
    DESTROYED = "destroyed", _("Destroyed")
    LOST = "lost", _("Lost")


class EntryKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ALLOCATED = "allocated", _("Allocated")
    BOUND = "bound", _("Bound (printed)")
    SPOILED = "spoiled", _("Spoiled")
    RECALLED = "recalled", _("Recalled")
    DESTROYED = "destroyed", _("Destroyed")
    LOST = "lost", _("Lost")


# kind -> (states a serial may be in before, state after). RECEIVED starts from "no serial".
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    EntryKind.RECEIVED: (frozenset({""}), BlankState.IN_STOCK),
    EntryKind.ALLOCATED: (frozenset({BlankState.IN_STOCK}), BlankState.IN_STOCK),
    EntryKind.BOUND: (frozenset({BlankState.IN_STOCK}), BlankState.BOUND),
    EntryKind.SPOILED: (frozenset({BlankState.IN_STOCK, BlankState.BOUND}), BlankState.SPOILED),
    EntryKind.RECALLED: (frozenset({BlankState.BOUND}), BlankState.RECALLED),
    EntryKind.DESTROYED: (frozenset({BlankState.SPOILED, BlankState.RECALLED}), BlankState.DESTROYED),
    EntryKind.LOST: (
        frozenset({BlankState.IN_STOCK, BlankState.SPOILED, BlankState.RECALLED}),
        BlankState.LOST,
    ),
}


class RequisitionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting the section head")
    SECTION_APPROVED = "section_approved", _("Signed by the section head, awaiting the leader in charge")
    LEADER_APPROVED = "leader_approved", _("Signed by the leader in charge, awaiting the provincial centre")
    APPROVED = "approved", _("Approved by the provincial centre")
    REJECTED = "rejected", _("Rejected")


class ApprovalStep(models.TextChoices):
    SECTION_HEAD = "section_head", _("City HR bureau section head")
    LEADER_IN_CHARGE = "leader_in_charge", _("Leader in charge")
    PROVINCE = "province", _("Provincial centre")


class DistributionMethod(models.TextChoices):
    COLLECT = "collect", _("Collection in person")
    MAIL = "mail", _("Mail")


class DistributionStatus(models.TextChoices):
    HELD = "held", _("Held, not collected")
    COLLECTED = "collected", _("Collected")
    MAILED = "mailed", _("Mailed")
    RECALLED = "recalled", _("Recalled (uncollected five years)")
