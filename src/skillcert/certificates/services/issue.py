"""Issuance (R0.1, R2.2, R4.3): from an approved session, certificates for every eligible candidate in
one transaction — number, frozen issued data and the GB/T 36904 e-licence identifier."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillcert.appraisal.choices import Result, ReviewStatus
from skillcert.appraisal.models import AppraisalSession, Enrolment, SessionReport
from skillcert.audit.services import log_action
from skillcert.certificates.choices import CertificateState, EventKind
from skillcert.certificates.elicence import make_licence_id
from skillcert.certificates.models import Certificate, CertificateEvent, NumberingConfig
from skillcert.certificates.numbering import National16, Scheme, Skill22, next_sequence_capacity
from skillcert.certificates.services.sequences import allocate
from skillcert.core.errors import Conflict, NotPermitted
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission
from skillcert.people.protect import encrypt

_GENDER_ZH: dict[str, str] = {"M": "男", "F": "女"}
_RESULT_ZH: dict[str, str] = {Result.PASS.value: "合格"}


def numbering_config(station: Organisation, occupation: Any) -> NumberingConfig:
    """The nearest numbering configuration above the station. R4.3: an industry-specific occupation is
    numbered only by its industry centre, under the industry code."""
    ids = [int(p) for p in station.path.strip("/").split("/") if p]
    configs = {
        c.organisation_id: c
        for c in NumberingConfig.objects.filter(organisation_id__in=ids).select_related(
            "organisation", "issuing_authority"
        )
    }
    config = next((configs[i] for i in reversed(ids) if i in configs), None)
    if config is None:
        raise Conflict(
            "certificates.numbering.missing",
            f"{station.name}的上级机构没有配置证书编号规则",
            "No numbering configuration above this station",
        )
    if occupation.industry_specific and (
        config.organisation.kind != OrgKind.INDUSTRY or config.area_code != occupation.industry_code
    ):
        raise Conflict(
            "certificates.numbering.industry_only",
            f"{occupation.name}为行业特有工种，只能由行业鉴定中心（代码{occupation.industry_code}）核发",
            f"{occupation.name} is industry-specific: only the industry centre "
            f"({occupation.industry_code}) may certify it",
        )
    return config


def _series(config: NumberingConfig, station: Organisation, level: int, year: int) -> tuple[str, int]:
    if config.scheme == Scheme.NATIONAL16:
        return (
            f"national16:{year % 100:02d}:{config.area_code}{station.institution_code[2:]}:{level}",
            next_sequence_capacity(Scheme.NATIONAL16),
        )
    return (
        f"skill22:{config.evaluator_kind}:{config.province_code}:{config.site_code}:{year % 100:02d}:{level}",
        next_sequence_capacity(Scheme.SKILL22),
    )


def _number(config: NumberingConfig, station: Organisation, level: int, year: int, sequence: int) -> str:
    if config.scheme == Scheme.NATIONAL16:
        code = station.institution_code
        return National16(
            year=year,
            area=config.area_code,
            city=code[2:4],
            institution_type=code[4],
            institution=code[5:8],
            level=level,
            sequence=sequence,
        ).format()
    return Skill22(
        evaluator_kind=config.evaluator_kind,
        institution="0000",
        province=config.province_code,
        site=config.site_code,
        year=year,
        level=level,
        sequence=sequence,
    ).format()


def frozen_data(e: Enrolment, config: NumberingConfig, issued_on: datetime.date) -> dict[str, Any]:
    """Every R0.1 field as issued; the ID number only masked here (the cipher is kept apart)."""
    person, subject = e.person, e.subject
    work_types = [w.name for w in subject.occupation.work_types.all()[:1]]
    return {
        "name": person.name,
        "gender": _GENDER_ZH.get(person.gender, ""),
        "birth_date": person.birth_date.isoformat(),
        "education": person.education.name_zh if person.education else "",
        "id_number_masked": person.document_masked,
        "document_type": person.document_type,
        "occupation_code": subject.occupation.code,
        "occupation": subject.occupation.name,
        "occupation_edition": subject.occupation.edition,
        "work_type": work_types[0] if work_types else "",
        "level": subject.level_id,
        "level_name": f"{subject.level.name_zh}/{subject.level.title_zh}",
        "level_name_en": subject.level.name_en,
        "theory": str(e.theory) if e.theory is not None else None,
        "practical": str(e.practical) if e.practical is not None else None,
        "comprehensive": str(e.comprehensive) if e.comprehensive is not None else None,
        "evaluation": _RESULT_ZH.get(e.result, ""),
        "issued_on": issued_on.isoformat(),
        "issuing_authority": config.issuing_authority.name,
        "issuing_authority_en": config.issuing_authority.name_en,
        "photo": e.photo_id or person.photo_id or "",
        "session": e.session.code,
    }


@transaction.atomic
def issue_certificates(
    session: AppraisalSession, *, actor: Any, issued_on: datetime.date | None = None
) -> list[Certificate]:
    """Certificates for all eligible candidates of an approved session not yet certified."""
    station = session.organisation
    if actor is not None and not has_permission(actor, "certificates.issue", station):
        raise NotPermitted()
    if not SessionReport.objects.filter(session=session, status=ReviewStatus.APPROVED).exists():
        raise Conflict(
            "certificates.issue.not_approved",
            "鉴定结果尚未批准，不能发证",
            "The session's results are not approved; no certificate can be issued",
        )
    issued_on = issued_on or timezone.localdate()
    enrolments = list(
        Enrolment.objects.select_for_update(of=("self",))
        .filter(session=session, eligible=True, certificate__isnull=True)
        .select_related("person", "person__education", "subject__occupation", "subject__level", "session")
        .order_by("id")
    )
    if not enrolments:
        return []
    by_series: dict[tuple[str, int], list[tuple[Enrolment, NumberingConfig]]] = defaultdict(list)
    for e in enrolments:
        config = numbering_config(station, e.subject.occupation)
        by_series[_series(config, station, e.subject.level_id, issued_on.year)].append((e, config))
    certificates: list[Certificate] = []
    for (key, capacity), members in sorted(by_series.items()):  # locks in a fixed order
        for sequence, (e, config) in zip(allocate(key, len(members), capacity), members, strict=True):
            number = _number(config, station, e.subject.level_id, issued_on.year, sequence)
            certificates.append(
                Certificate(
                    number=number,
                    scheme=config.scheme,
                    licence_id=make_licence_id(config.licence_type_code, config.issuer_uscc, number),
                    enrolment=e,
                    person=e.person,
                    organisation=station,
                    issuing_authority=config.issuing_authority,
                    occupation=e.subject.occupation,
                    level=e.subject.level,
                    issued_on=issued_on,
                    data=frozen_data(e, config, issued_on),
                    id_cipher=encrypt(e.person.document_number()),
                    state=CertificateState.VALID,
                )
            )
    Certificate.objects.bulk_create(certificates, batch_size=1000)
    if not all(c.pk for c in certificates):  # SQLite < 3.35 returns no ids
        by_number = dict(
            Certificate.objects.filter(number__in=[c.number for c in certificates]).values_list(
                "number", "pk"
            )
        )
        for c in certificates:
            c.pk = by_number[c.number]
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    CertificateEvent.objects.bulk_create(
        [
            CertificateEvent(
                certificate=c, kind=EventKind.ISSUED, actor=actor_user, data={"number": c.number}
            )
            for c in certificates
        ],
        batch_size=1000,
    )
    log_action(
        "certificates.issued",
        session,
        actor=actor,
        organisation=station,
        data={"count": len(certificates), "numbers": [c.number for c in certificates][:1000]},
    )
    return certificates
