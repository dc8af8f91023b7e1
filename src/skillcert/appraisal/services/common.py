"""Shared rules: who may act where, and the submit → approve / return cycle."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from skillcert.appraisal.choices import ReviewStatus
from skillcert.core.errors import Conflict, NotPermitted, field_error
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission

CENTRE_KINDS = (OrgKind.CITY, OrgKind.INDUSTRY_BRANCH, OrgKind.PROVINCE, OrgKind.INDUSTRY)


def require(actor: Any, permission: str, org: Organisation) -> None:
    """System actors (None: commands, jobs) may act; users need `permission` at `org` or above."""
    if actor is not None and not has_permission(actor, permission, org):
        raise NotPermitted()


def require_reviewer(actor: Any, org: Organisation) -> None:
    """A review is done above the submitting organisation: a role held at the submitter itself does
    not count, so nobody approves their own submission."""
    if actor is None:
        return
    parent = org.parent
    if parent is None or not has_permission(actor, "appraisal.review", parent):
        raise NotPermitted(
            "appraisal.review.not_permitted",
            "只能由上级鉴定中心审核",
            "Only a centre above the submitter may review this",
        )
    if actor.pk is not None and actor.memberships.filter(organisation=org).exists():
        raise NotPermitted(
            "appraisal.review.own_submission",
            "不能审核本单位提交的材料",
            "You cannot review your own organisation's submission",
        )


def responsible_centre(org: Organisation) -> Organisation:
    centre = org.parent.nearest(*CENTRE_KINDS) if org.parent else None
    if centre is None:
        raise field_error(
            org.code,
            "organisation",
            "appraisal.centre.missing",
            "找不到负责审核的鉴定中心",
            "No responsible appraisal centre above this organisation",
        )
    return centre


def mark_submitted(obj: Any, actor: Any) -> None:
    if obj.status not in (ReviewStatus.DRAFT, ReviewStatus.RETURNED):
        raise Conflict(
            "appraisal.submit.state",
            f"当前状态（{obj.get_status_display()}）不能提交",
            f"Cannot submit in state '{obj.status}'",
        )
    obj.status = ReviewStatus.SUBMITTED
    obj.submitted_at = timezone.now()
    obj.submitted_by = actor if getattr(actor, "is_authenticated", False) else None


def mark_reviewed(obj: Any, actor: Any, approve: bool, comment: str) -> None:
    if obj.status != ReviewStatus.SUBMITTED:
        raise Conflict(
            "appraisal.review.state",
            f"当前状态（{obj.get_status_display()}）不能审核",
            f"Only a submitted record can be reviewed (state '{obj.status}')",
        )
    if not approve and not comment.strip():
        raise field_error(
            str(obj),
            "review_comment",
            "appraisal.review.comment_required",
            "退回时必须填写意见",
            "A comment is required when returning",
        )
    obj.status = ReviewStatus.APPROVED if approve else ReviewStatus.RETURNED
    obj.reviewed_at = timezone.now()
    obj.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    obj.review_comment = comment.strip()


REVIEW_FIELDS = [
    "status",
    "submitted_at",
    "submitted_by_id",
    "reviewed_at",
    "reviewed_by_id",
    "review_comment",
]


def results_submitted(session: Any) -> bool:
    """Whether the session's results are with the centre (submitted or approved): scores and enrolment
    are then closed. Queried, not read from a possibly stale cached relation."""
    from skillcert.appraisal.models import SessionReport

    return SessionReport.objects.filter(
        session_id=session.pk, status__in=(ReviewStatus.SUBMITTED, ReviewStatus.APPROVED)
    ).exists()


def record_review(
    obj: Any, *, actor: Any, approve: bool, comment: str, action: str, data: dict[str, Any] | None = None
) -> Any:
    """Approve or return a locked record, save it and audit `<action>.approved` / `<action>.returned`."""
    from skillcert.audit.services import log_action, snapshot

    before = snapshot(obj, REVIEW_FIELDS)
    mark_reviewed(obj, actor, approve, comment)
    obj.save()
    log_action(
        f"{action}.{'approved' if approve else 'returned'}",
        obj,
        actor=actor,
        before=before,
        after=snapshot(obj, REVIEW_FIELDS),
        data=data,
    )
    return obj
