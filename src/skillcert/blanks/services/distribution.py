"""R2.8: paper distribution — collection notices, mailing, collection — and the recall of certificates
still uncollected five years after the exam (their serials then await destruction in the ledger)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.blanks import errors
from skillcert.blanks.choices import DistributionMethod, DistributionStatus
from skillcert.blanks.models import CollectionNotice, Distribution
from skillcert.blanks.services import ledger
from skillcert.blanks.services.common import require, user_or_none
from skillcert.core.errors import Conflict

RECALL_YEARS = 5


def exam_date_of(certificate: Any) -> datetime.date:
    enrolment = getattr(certificate, "enrolment", None)
    if enrolment is not None:
        return enrolment.session.exam_end
    return certificate.issued_on


def publish_notice(
    *,
    organisation: Any,
    title: str,
    place: str,
    collect_from: datetime.datetime,
    collect_until: datetime.datetime,
    certificates: list[Any],
    actor: Any,
    note: str = "",
) -> CollectionNotice:
    """Publish when and where a batch of printed certificates can be collected; each certificate gets a
    distribution record (held until collected or mailed)."""
    require(actor, "blanks.manage", organisation)
    record = title or str(organisation)
    if collect_until <= collect_from:
        raise errors.invalid(
            record,
            "collect_until",
            "notice.period",
            "领取截止时间须晚于开始时间",
            "The collection period must end after it starts",
        )
    if not place.strip():
        raise errors.invalid(record, "place", "notice.place", "请填写领取地点", "The place is required")
    with transaction.atomic():
        notice = CollectionNotice.objects.create(
            organisation=organisation,
            title=title,
            place=place,
            collect_from=collect_from,
            collect_until=collect_until,
            note=note,
            created_by=user_or_none(actor),
        )
        for cert in certificates:
            if not cert.organisation.path.startswith(organisation.path):
                raise errors.invalid(
                    record,
                    "certificates",
                    "notice.scope",
                    f"证书{cert.number}不属于{organisation}",
                    f"{cert.number} is outside {organisation}",
                )
            dist, created = Distribution.objects.get_or_create(
                certificate=cert,
                defaults={"organisation": organisation, "notice": notice, "exam_date": exam_date_of(cert)},
            )
            if not created and dist.status == DistributionStatus.HELD:
                dist.notice = notice
                dist.save(update_fields=["notice"])
        log_action(
            "blanks.notice_published",
            notice,
            actor=actor,
            organisation=organisation,
            data={"certificates": [c.number for c in certificates], "place": place},
        )
    return notice


def _held(distribution: Distribution) -> Distribution:
    locked = Distribution.objects.select_for_update().get(pk=distribution.pk)
    if locked.status != DistributionStatus.HELD:
        raise Conflict(
            "blanks.distribution.not_held",
            f"证书{locked.certificate.number}已{locked.get_status_display()}",
            f"Certificate {locked.certificate.number} is already {locked.status}",
        )
    return locked


def record_collection(
    distribution: Distribution,
    *,
    collected_on: datetime.date,
    recipient: str,
    actor: Any,
    id_checked: bool,
) -> None:
    """The holder (or an agent) collected the certificate in person; staff confirm they checked the
    collector's ID document (recorded in the audit row, never the ID number itself)."""
    require(actor, "blanks.manage", distribution.organisation)
    record = distribution.certificate.number
    if not recipient.strip():
        raise errors.invalid(record, "recipient", "collection.recipient", "请填写领取人", "Who collected it?")
    if not id_checked:
        raise errors.invalid(
            record,
            "id_checked",
            "collection.id_unchecked",
            "须核验领取人身份证件后方可登记领取",
            "The collector's ID document must be checked before the collection is recorded",
        )
    with transaction.atomic():
        d = _held(distribution)
        d.status, d.collected_on, d.recipient = DistributionStatus.COLLECTED, collected_on, recipient
        d.method = DistributionMethod.COLLECT
        d.save(update_fields=["status", "collected_on", "recipient", "method"])
        log_action(
            "blanks.collected",
            d,
            actor=actor,
            organisation=d.organisation,
            data={
                "certificate": d.certificate.number,
                "collected_on": collected_on,
                "recipient": recipient,
                "id_checked": bool(id_checked),
            },
        )


def record_mailing(
    distribution: Distribution,
    *,
    recipient: str,
    address: str,
    tracking_number: str,
    mailed_on: datetime.date,
    actor: Any,
) -> None:
    require(actor, "blanks.manage", distribution.organisation)
    if not tracking_number.strip() or not address.strip():
        raise errors.invalid(
            distribution.certificate.number,
            "tracking_number",
            "mailing.incomplete",
            "请填写邮寄地址和运单号",
            "Address and tracking number are required",
        )
    with transaction.atomic():
        d = _held(distribution)
        d.status, d.method, d.mailed_on = DistributionStatus.MAILED, DistributionMethod.MAIL, mailed_on
        d.recipient, d.mail_address, d.tracking_number = recipient, address, tracking_number.strip()
        d.save()
        # the address stays out of the audit row (only masked)
        log_action(
            "blanks.mailed",
            d,
            actor=actor,
            organisation=d.organisation,
            data={
                "certificate": d.certificate.number,
                "tracking_number": d.tracking_number,
                "address": d.masked_address,
            },
        )


def awaiting_notice(organisations: Any) -> Any:
    """Printed certificates (a blank serial bound to them) of these organisations' subtrees that are in
    no collection notice yet and not already mailed, collected or recalled."""
    from django.db.models import Q

    from skillcert.blanks.choices import BlankState
    from skillcert.certificates.models import Certificate

    subtree = Q()
    for org in organisations:
        subtree |= Q(organisation__path__startswith=org.path)
    if not subtree:
        return Certificate.objects.none()
    return (
        Certificate.objects.filter(subtree, blank_serials__state=BlankState.BOUND)
        .exclude(distribution__notice__isnull=False)
        .exclude(distribution__status__in=[s for s in DistributionStatus if s != DistributionStatus.HELD])
        .distinct()
        .order_by("number")
    )


def recall_due(today: datetime.date) -> datetime.date:
    """Certificates whose exam was on or before this date are due for recall on `today`."""
    try:
        return today.replace(year=today.year - RECALL_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - RECALL_YEARS, day=28)


def recall_uncollected(
    *, today: datetime.date | None = None, actor: Any = None, org: Any = None
) -> list[Distribution]:
    """R2.8: certificates still held five years after the exam are recalled; the serial moves to
    RECALLED in the ledger (awaiting destruction by the city). Idempotent: recalled ones are skipped.
    With `org`, only distributions of that organisation's subtree."""
    today = today or timezone.localdate()
    done = []
    due = Distribution.objects.filter(status=DistributionStatus.HELD, exam_date__lte=recall_due(today))
    if org is not None:
        due = due.filter(organisation__path__startswith=org.path)
    for dist in due.select_related("certificate").order_by("id"):
        with transaction.atomic():
            d = _held(dist)
            serial = ledger.current_serial_for(d.certificate)
            if serial is not None:
                ledger.recall_serial(
                    serial, reason=f"逾期五年未领取 uncollected since {d.exam_date}", actor=actor
                )
            d.status, d.recalled_on = DistributionStatus.RECALLED, today
            d.save(update_fields=["status", "recalled_on"])
            log_action(
                "blanks.distribution_recalled",
                d,
                actor=actor,
                organisation=d.organisation,
                data={"certificate": d.certificate.number, "serial": serial.serial if serial else None},
            )
        done.append(d)
    return done
