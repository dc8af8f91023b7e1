""" "I cannot find my certificate" (R3.4, X1, X7).

A holder — no account — gives name, ID number, mobile phone, the provincial (or industry) centre to
ask, and the date the certificate was issued to them as far as they know it ("received": the date on
the notice, the list published by the station or what they were told; the holder states it). Inquiries
earlier than 30 days after that date are refused with the first date they may ask. A 6-digit code
sent to the phone confirms the inquiry; then it is open, due within HOLDER_INQUIRY_ANSWER_DAYS (15)
calendar days, and the centre must answer. The holder reads the state and the answer with the
reference number and the same phone number. Staff see the inquiries of their subtree (X1), the
overdue ones first, and the certificates in their scope with the same ID number as candidates.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.certificates.models import Certificate
from skillcert.core import context
from skillcert.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    NotPermitted,
    SkillcertError,
    ValidationFailed,
)
from skillcert.holders.models import CertificateInquiry
from skillcert.holders.services import _rate
from skillcert.holders.sms import get_sender, mask_phone
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission, org_filter
from skillcert.people.idnumber import parse_resident_id
from skillcert.people.names import normalise_name
from skillcert.people.protect import decrypt, derived_key, document_hash, encrypt, mask

WAIT_DAYS = 30
MAX_ATTEMPTS = 5
CODE_TTL = datetime.timedelta(minutes=10)
PHONE = re.compile(r"^1[3-9]\d{9}$")
ANSWERING_KINDS = (OrgKind.PROVINCE, OrgKind.INDUSTRY)
PERMISSION = "holders.answer"


def answer_days() -> int:
    return int(getattr(settings, "HOLDER_INQUIRY_ANSWER_DAYS", 15))


def centres() -> QuerySet[Organisation]:
    """The centres that answer inquiries: provincial centres and industry centres."""
    return Organisation.objects.filter(kind__in=ANSWERING_KINDS, active=True).order_by("code")


def _hmac(purpose: str, text: str) -> str:
    """HMAC-SHA256 of `text` under the data key's key for `purpose` ("inquiry-phone", "inquiry-code")."""
    return hmac.new(derived_key(purpose), text.encode(), hashlib.sha256).hexdigest()


def _phone(raw: Any) -> str:
    return re.sub(r"[\s-]", "", str(raw or ""))


class InquiryTooEarly(SkillcertError):
    def __init__(self, earliest: datetime.date) -> None:
        super().__init__(
            "holders.inquiry.too_early",
            f"证书发放30天后仍未收到的，方可提出查询；请于{earliest:%Y年%m月%d日}或之后再提交",
            f"An inquiry can be raised 30 days after the certificate was issued to you: "
            f"please come back on or after {earliest.isoformat()}",
            [
                FieldError(
                    "received_on", "holders.inquiry.too_early", "距发放日期不足30天", "Less than 30 days"
                )
            ],
            400,
        )
        self.earliest = earliest


def start_inquiry(
    *,
    organisation_id: Any,
    name: Any,
    id_number: Any,
    phone: Any,
    received_on: Any,
    details: Any = "",
    client: str | None = None,
    today: datetime.date | None = None,
) -> CertificateInquiry:
    """Validate, record the inquiry unconfirmed and send the code to the phone given."""
    _rate(client)
    today = today or timezone.localdate()
    errors: list[FieldError] = []
    org = centres().filter(pk=organisation_id).first() if str(organisation_id or "").isdigit() else None
    if org is None:
        errors.append(
            FieldError(
                "organisation",
                "holders.inquiry.organisation",
                "请选择受理查询的省级或行业鉴定中心",
                "Choose the provincial or industry centre to ask",
            )
        )
    clean_name = parsed = None
    try:
        clean_name = normalise_name(str(name or ""), field="name")
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    try:
        parsed = parse_resident_id(str(id_number or ""), field="id_number")
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    number = _phone(phone)
    if not PHONE.match(number):
        errors.append(
            FieldError(
                "phone", "holders.inquiry.phone", "请填写11位手机号码", "Give an 11-digit mobile number"
            )
        )
    received: datetime.date | None = None
    try:
        received = (
            received_on
            if isinstance(received_on, datetime.date)
            else datetime.date.fromisoformat(str(received_on or ""))
        )
    except ValueError:
        errors.append(
            FieldError(
                "received_on",
                "holders.inquiry.received_on",
                "请填写证书发放日期（YYYY-MM-DD）",
                "Give the date the certificate was issued to you (YYYY-MM-DD)",
            )
        )
    if received is not None and received > today:
        errors.append(
            FieldError(
                "received_on",
                "holders.inquiry.received_future",
                "证书发放日期不能晚于今天",
                "The issue date cannot be in the future",
            )
        )
        received = None
    text = str(details or "").strip()
    if len(text) > 1000:
        errors.append(
            FieldError(
                "details", "holders.inquiry.details", "补充说明不能超过1000字", "At most 1000 characters"
            )
        )
    if errors:
        raise ValidationFailed.of(errors)
    assert received is not None and parsed is not None and clean_name is not None and org is not None
    earliest = received + datetime.timedelta(days=WAIT_DAYS)
    if today < earliest:
        raise InquiryTooEarly(earliest)
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic(), context.acting(actor=None, actor_label="holder"):
        inquiry = CertificateInquiry.objects.create(
            reference=f"CX{today:%y%m}{secrets.token_hex(4).upper()}",
            organisation=org,
            name=clean_name,
            document_hash=document_hash("resident_id", parsed.number),
            id_masked=mask(parsed.number),
            id_cipher=encrypt(parsed.number),
            phone_hash=_hmac("inquiry-phone", number),
            phone_masked=mask_phone(number),
            phone_cipher=encrypt(number),
            received_on=received,
            details=text,
            code_expires_at=timezone.now() + CODE_TTL,
        )
        inquiry.code_hash = _hmac("inquiry-code", f"{inquiry.pk}:{code}")
        inquiry.save(update_fields=["code_hash"])
        log_action(
            "holders.inquiry_started",
            inquiry,
            organisation=org,
            data={"reference": inquiry.reference, "id": inquiry.id_masked, "received_on": received},
        )
    get_sender().send(
        number,
        f"【职业技能证书】证书查询验证码{code}，10分钟内有效。Your inquiry code is {code} (10 minutes).",
    )
    return inquiry


def confirm_inquiry(
    inquiry: CertificateInquiry, code: Any, today: datetime.date | None = None
) -> CertificateInquiry:
    """The SMS code opens the inquiry and starts the answer deadline."""
    with transaction.atomic(), context.acting(actor=None, actor_label="holder"):
        inq = CertificateInquiry.objects.select_for_update().get(pk=inquiry.pk)
        if inq.status != CertificateInquiry.Status.UNCONFIRMED:
            return inq
        if (
            inq.code_attempts >= MAX_ATTEMPTS
            or inq.code_expires_at is None
            or timezone.now() > inq.code_expires_at
        ):
            raise SkillcertError(
                "holders.inquiry.code_expired",
                "验证码已失效，请重新提交查询",
                "The code is no longer valid: submit the inquiry again",
                [],
                400,
            )
        inq.code_attempts += 1
        ok = hmac.compare_digest(_hmac("inquiry-code", f"{inq.pk}:{str(code or '').strip()}"), inq.code_hash)
        if ok:
            inq.status = CertificateInquiry.Status.OPEN
            inq.confirmed_at = timezone.now()
            inq.due_on = (today or timezone.localdate()) + datetime.timedelta(days=answer_days())
            inq.code_hash = ""
        inq.save()
        if ok:
            log_action(
                "holders.inquiry_opened",
                inq,
                organisation=inq.organisation,
                data={"reference": inq.reference, "due_on": inq.due_on},
            )
    if not ok:
        raise SkillcertError("holders.code.wrong", "验证码错误", "The code is wrong", [], 400)
    return inq


def lookup(reference: Any, phone: Any, *, client: str | None = None) -> CertificateInquiry:
    """The holder's view: reference number and the phone given; one answer for any mismatch."""
    _rate(client)
    ref = str(reference or "").strip().upper()[:20]
    inq = (
        CertificateInquiry.objects.filter(reference=ref)
        .exclude(status=CertificateInquiry.Status.UNCONFIRMED)
        .first()
    )
    if inq is None or not hmac.compare_digest(inq.phone_hash, _hmac("inquiry-phone", _phone(phone))):
        raise NotFound(
            "holders.inquiry.not_found",
            "查询编号或手机号码不正确",
            "The reference number or the phone number is wrong",
        )
    return inq


# --- staff --------------------------------------------------------------------------------------


def visible_to(user: Any) -> QuerySet[CertificateInquiry]:
    return (
        CertificateInquiry.objects.filter(org_filter(user, "organisation", PERMISSION))
        .exclude(status=CertificateInquiry.Status.UNCONFIRMED)
        .select_related("organisation", "answered_by", "certificate")
    )


def overdue(user: Any, today: datetime.date | None = None) -> QuerySet[CertificateInquiry]:
    return visible_to(user).filter(
        status=CertificateInquiry.Status.OPEN, due_on__lt=today or timezone.localdate()
    )


def is_overdue(inquiry: CertificateInquiry, today: datetime.date | None = None) -> bool:
    """The same test as `overdue`, for one inquiry."""
    return (
        inquiry.status == CertificateInquiry.Status.OPEN
        and inquiry.due_on is not None
        and inquiry.due_on < (today or timezone.localdate())
    )


def candidates(inquiry: CertificateInquiry, user: Any) -> QuerySet[Certificate]:
    """Certificates in the user's scope whose holder has the inquiry's ID number."""
    return (
        Certificate.objects.visible_to(user)
        .filter(person__document_hash=inquiry.document_hash)
        .select_related("organisation", "occupation", "level")
        .order_by("-issued_on")
    )


def full_id_number(inquiry: CertificateInquiry) -> str:
    return decrypt(inquiry.id_cipher)


def _candidate(inquiry: CertificateInquiry, user: Any, reference: str) -> Certificate:
    """The candidate certificate named by its number or, failing that, by its id."""
    found = candidates(inquiry, user)
    ref = reference.strip()
    cert = found.filter(number=ref).first()
    if cert is None and ref.isascii() and ref.isdigit() and len(ref) < 19:
        cert = found.filter(pk=int(ref)).first()
    if cert is None:
        raise _not_a_candidate()
    return cert


def _not_a_candidate() -> NotFound:
    return NotFound(
        "holders.inquiry.certificate", "证书不在候选范围内", "Not one of the candidate certificates"
    )


def answer_inquiry(
    inquiry: CertificateInquiry,
    *,
    actor: Any,
    answer: str,
    certificate: Certificate | str | None = None,
) -> CertificateInquiry:
    """The centre's answer (holders.answer at the inquiry's centre); optionally naming the certificate
    found, as a record or by its number or id (the REST API), which must be one of the candidates.
    Answered inquiries are final: a further answer is refused."""
    text = (answer or "").strip()
    if not text or len(text) > 2000:
        raise ValidationFailed.of(
            [
                FieldError(
                    "answer",
                    "holders.inquiry.answer",
                    "请填写答复（2000字以内）",
                    "Write the answer (max 2000)",
                )
            ]
        )
    with transaction.atomic():
        inq = CertificateInquiry.objects.select_for_update().get(pk=inquiry.pk)
        if not has_permission(actor, PERMISSION, inq.organisation):
            raise NotPermitted()
        if inq.status != CertificateInquiry.Status.OPEN:
            raise Conflict(
                "holders.inquiry.answered", "该查询已答复", "The inquiry has already been answered"
            )
        if isinstance(certificate, str):
            certificate = _candidate(inq, actor, certificate) if certificate.strip() else None
        elif certificate is not None and not candidates(inq, actor).filter(pk=certificate.pk).exists():
            raise _not_a_candidate()
        inq.status = CertificateInquiry.Status.ANSWERED
        inq.answer = text
        inq.answered_at = timezone.now()
        inq.answered_by = actor
        inq.certificate = certificate
        inq.save()
        log_action(
            "holders.inquiry_answered",
            inq,
            actor=actor,
            organisation=inq.organisation,
            data={
                "reference": inq.reference,
                "certificate": certificate.number if certificate else "",
                "late": bool(inq.due_on and timezone.localdate() > inq.due_on),
            },
        )
    return inq
