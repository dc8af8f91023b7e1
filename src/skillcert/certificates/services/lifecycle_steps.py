"""The steps every state-changing lifecycle operation shares (reissue, correction, revocation, score).

Locking the certificate row, the permission check at the certificate's organisation, the required
reason, the refusal of a revoked certificate, and, after the new event, the refreshed `state` cache
(`Certificate.state` is only a cache of the derived state, rewritten in the same transaction as the event).
"""

from __future__ import annotations

from typing import Any

from skillcert.certificates.models import Certificate
from skillcert.certificates.services.lifecycle_view import current_view
from skillcert.core.errors import Conflict, NotPermitted, field_error
from skillcert.orgs.scoping import has_permission


def _lock(certificate: Certificate) -> Certificate:
    return (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=certificate.pk)
    )


def _require(actor: Any, permission: str, org: Any) -> None:
    if org is None or not has_permission(actor, permission, org):
        raise NotPermitted()


def _require_reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise field_error(None, field, "certificates.reason.required", "必须填写原因", "A reason is required")
    if len(text) > 500:
        raise field_error(
            None,
            field,
            "certificates.reason.too_long",
            "原因不能超过500字",
            "The reason exceeds 500 characters",
        )
    return text


def _refuse_revoked(folded: dict[str, Any]) -> None:
    if folded["revoked"]:
        raise Conflict(
            "certificates.revoked",
            "证书已撤销，不能补发、更正或出具成绩证明",
            "The certificate is revoked: it cannot be reissued, corrected or replaced by a score certificate",
        )


def _sync_state(certificate: Certificate, view: dict[str, Any]) -> None:
    if certificate.state != view["state"]:
        certificate.state = view["state"]
        certificate.save(update_fields=["state"])


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _finish(certificate: Certificate) -> dict[str, Any]:
    after = current_view(certificate)
    _sync_state(certificate, after)
    return after
