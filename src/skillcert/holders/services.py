"""Holder self-service (issue 5 item 6; R2.3, R2.4, X7).

A holder proves who they are with the certificate number, their name and their ID number — exact
matches only, one generic answer for any mismatch so the form cannot enumerate holders (X7) — and then
a 6-digit code sent to the phone on file. The code is kept only as an HMAC; 5 wrong tries or 10 minutes
end a challenge. A verified challenge authorises the browser session for that one certificate."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services import lifecycle
from skillcert.core import context
from skillcert.core.errors import Conflict, NotPermitted, SkillcertError, field_error
from skillcert.holders.models import HolderChallenge, ReissueRequest
from skillcert.holders.sms import get_sender, mask_phone
from skillcert.orgs.scoping import has_permission, org_filter
from skillcert.people.idnumber import normalise_document
from skillcert.people.names import normalise_name
from skillcert.people.protect import derived_key, document_hash

MAX_ATTEMPTS = 5
REISSUE_PERMISSION = "certificates.reissue"
CODE_TTL = datetime.timedelta(minutes=10)
SESSION_KEY = "holder_certificate"


class IdentityMismatch(SkillcertError):
    """The one answer for any mismatch (no enumeration, X7)."""

    def __init__(self) -> None:
        super().__init__(
            "holders.identity.mismatch",
            "信息不匹配，请核对证书编号、姓名和身份证件号码",
            "The details do not match: check the certificate number, name and ID number",
            [],
            400,
        )


class NoPhone(SkillcertError):
    def __init__(self) -> None:
        super().__init__(
            "holders.phone.missing",
            "未登记手机号码，无法发送验证码，请到发证机构现场办理",
            "No phone number on file, so no code can be sent: please apply in person at the issuing body",
            [],
            409,
        )


class RateLimited(SkillcertError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "holders.rate_limited", "尝试次数过多，请稍后再试", "Too many attempts: try again later", [], 429
        )
        self.retry_after = retry_after


class ChallengeFailed(SkillcertError):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(code, zh, en, [], 400)


def _wrong_code() -> ChallengeFailed:
    return ChallengeFailed("holders.code.wrong", "验证码错误", "The code is wrong")


def _locked() -> ChallengeFailed:
    return ChallengeFailed(
        "holders.code.locked",
        "验证码错误次数过多，请重新申请验证码",
        "Too many wrong codes: start again to get a new code",
    )


def _expired() -> ChallengeFailed:
    return ChallengeFailed(
        "holders.code.expired", "验证码已过期，请重新申请", "The code has expired: start again"
    )


def _code_hash(challenge_salt: str, code: str) -> str:
    message = f"{challenge_salt}:{code}".encode()
    return hmac.new(derived_key("holder-code"), message, hashlib.sha256).hexdigest()


def _rate(client: str | None) -> None:
    if not client:
        return
    per_hour = int(getattr(settings, "HOLDER_RATE_PER_HOUR", 10))
    window = 3600
    now = int(time.time())
    slot = now // window
    name = f"holders:rate:{client[:64]}:{slot}"
    cache.add(name, 0, window + 5)
    try:
        count = cache.incr(name)
    except ValueError:
        cache.set(name, 1, window + 5)
        count = 1
    if count > per_hour:
        raise RateLimited(retry_after=(slot + 1) * window - now)


def _match(number: Any, name: Any, document_number: Any) -> Certificate:
    """The certificate when number, name and document all match exactly; IdentityMismatch otherwise."""
    text = str(number or "").strip().upper()
    if not text or len(text) > 40:
        raise IdentityMismatch()
    # R3.8: holders reach only published certificates.
    cert = (
        Certificate.objects.select_related("person").filter(number=text, published_at__isnull=False).first()
    )
    if cert is None:
        raise IdentityMismatch()
    person = cert.person
    try:
        clean_name = normalise_name(str(name or ""))
        clean_doc = normalise_document(person.document_type, str(document_number or ""))
    except SkillcertError:
        raise IdentityMismatch() from None
    view = lifecycle.current_view(cert)
    names = {normalise_name(str(view.get("name") or person.name))}
    if clean_name not in names:
        raise IdentityMismatch()
    if not hmac.compare_digest(document_hash(person.document_type, clean_doc), person.document_hash):
        raise IdentityMismatch()
    return cert


def start_challenge(number: Any, name: Any, document_number: Any, *, client: str | None) -> HolderChallenge:
    """Check the identity and send a 6-digit code to the phone on file (R2.3, X7)."""
    _rate(client)
    cert = _match(number, name, document_number)
    phone = (cert.person.phone or "").strip()
    if not phone:
        raise NoPhone()
    code = f"{secrets.randbelow(1_000_000):06d}"
    challenge = HolderChallenge.objects.create(
        certificate=cert,
        code_hash="",
        phone_masked=mask_phone(phone),
        expires_at=timezone.now() + CODE_TTL,
    )
    challenge.code_hash = _code_hash(str(challenge.pk), code)
    challenge.save(update_fields=["code_hash"])
    get_sender().send(
        phone, f"【职业技能证书】您的验证码是{code}，10分钟内有效。Your code is {code} (valid 10 minutes)."
    )
    return challenge


def verify_challenge(challenge: HolderChallenge, code: Any, *, session: Any = None) -> HolderChallenge:
    """Check the code: at most 5 tries, 10 minutes, constant-time compare. On success the session (if
    given) is authorised for this certificate only."""
    with transaction.atomic():
        ch = HolderChallenge.objects.select_for_update().get(pk=challenge.pk)
        if ch.verified_at is not None:
            raise _expired()
        if ch.attempts >= MAX_ATTEMPTS:
            raise _locked()
        if timezone.now() > ch.expires_at:
            raise _expired()
        ch.attempts += 1
        ok = hmac.compare_digest(_code_hash(str(ch.pk), str(code or "").strip()), ch.code_hash)
        if ok:
            ch.verified_at = timezone.now()
            ch.session_key = str(getattr(session, "session_key", "") or "")[:64]
        ch.save(update_fields=["attempts", "verified_at", "session_key"])
    if not ok:
        raise _locked() if ch.attempts >= MAX_ATTEMPTS else _wrong_code()
    if session is not None:
        session.cycle_key()
        session[SESSION_KEY] = ch.certificate_id
    return ch


def authorised_certificate(session: Any, certificate_id: int | None = None) -> Certificate | None:
    pk = session.get(SESSION_KEY)
    if pk is None or (certificate_id is not None and int(certificate_id) != int(pk)):
        return None
    return (
        Certificate.objects.select_related("person", "issuing_authority")
        .filter(pk=pk, published_at__isnull=False)  # R3.8: published only
        .first()
    )


def request_reissue(certificate: Certificate, *, reason: str, delivery: str) -> ReissueRequest:
    """A holder's online reissue request (R2.4): recorded and audited with the actor label "holder"."""
    text = (reason or "").strip()
    if not text or len(text) > 500:
        raise field_error(
            None, "reason", "holders.reason.invalid", "请填写补发原因（500字以内）", "Give a reason (max 500)"
        )
    if delivery not in ReissueRequest.Delivery.values:
        raise field_error(None, "delivery", "holders.delivery.invalid", "领取方式无效", "Invalid delivery")
    if lifecycle.current_view(certificate)["revoked"]:
        raise Conflict("certificates.revoked", "证书已撤销，不能补发", "The certificate is revoked")
    if ReissueRequest.objects.filter(
        certificate=certificate, status=ReissueRequest.Status.REQUESTED
    ).exists():
        raise Conflict(
            "holders.reissue.pending", "已有待审批的补发申请", "A reissue request is already pending"
        )
    with transaction.atomic(), context.acting(actor=None, actor_label="holder"):
        req = ReissueRequest.objects.create(certificate=certificate, reason=text, delivery=delivery)
        log_action(
            "holders.reissue_requested",
            req,
            organisation=certificate.organisation,
            data={"certificate": certificate.number, "delivery": delivery},
        )
    return req


def decide_reissue(
    request: ReissueRequest, *, actor: Any, approve: bool, comment: str = ""
) -> ReissueRequest:
    """Staff decision (certificates.reissue). Approval runs the reissue workflow and links the event;
    a rejection needs a comment, which the holder reads on their page (R2.4)."""
    with transaction.atomic():
        req = ReissueRequest.objects.select_for_update().select_related("certificate").get(pk=request.pk)
        cert = req.certificate
        if not has_permission(actor, REISSUE_PERMISSION, cert.organisation):
            raise NotPermitted()
        if req.status != ReissueRequest.Status.REQUESTED:
            raise Conflict("holders.reissue.decided", "该申请已处理", "The request has already been decided")
        if not approve and not (comment or "").strip():
            raise field_error(
                f"ReissueRequest#{req.pk}",
                "comment",
                "holders.reissue.comment_required",
                "驳回补发申请须填写意见",
                "A rejection needs a comment",
            )
        if approve:
            lifecycle.reissue(cert, actor=actor, reason=f"持证人在线申请：{req.reason}"[:500])
            req.event = CertificateEvent.objects.filter(certificate=cert, kind=EventKind.REISSUED).last()
            req.status = ReissueRequest.Status.APPROVED
        else:
            req.status = ReissueRequest.Status.REJECTED
        req.decided_at = timezone.now()
        req.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        req.comment = (comment or "").strip()[:500]
        req.save()
        log_action(
            "holders.reissue_decided",
            req,
            actor=actor,
            organisation=cert.organisation,
            data={"approved": approve, "comment": req.comment},
        )
    return req


def reissue_requests_visible_to(user: Any) -> Any:
    """Reissue requests on certificates in the user's subtrees where they may reissue (X1)."""
    return ReissueRequest.objects.filter(
        org_filter(user, "certificate__organisation", REISSUE_PERMISSION)
    ).select_related("certificate", "certificate__organisation", "decided_by", "event")
