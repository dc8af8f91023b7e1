"""Issuance (R0.1, R2.2, R4.3): from an approved session, certificates for every eligible candidate in
one transaction — number, frozen issued data and the GB/T 36904 e-licence identifier."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from skillcert.appraisal.choices import Result, ReviewStatus
from skillcert.appraisal.models import AppraisalSession, Enrolment, SessionReport
from skillcert.audit.services import log_action
from skillcert.catalog.models import Level, Occupation
from skillcert.certificates.choices import CertificateKind, CertificateState, EventKind
from skillcert.certificates.elicence import ROOT, check_character, make_licence_id
from skillcert.certificates.models import Certificate, CertificateEvent, NumberingConfig, new_id_salt
from skillcert.certificates.numbering import National16, Scheme, Skill22, next_sequence_capacity
from skillcert.certificates.services.sequences import allocate
from skillcert.core.errors import Conflict, NotPermitted
from skillcert.orgs.choices import OrgKind
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission
from skillcert.people.models import GENDER_ZH
from skillcert.people.protect import decrypt, encrypt

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
        "gender": GENDER_ZH.get(person.gender, ""),
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


_ENROLMENT_FIELDS = (
    "id",
    "person_id",
    "photo_id",
    "theory",
    "practical",
    "comprehensive",
    "result",
    "subject__occupation_id",
    "subject__level_id",
    "person__name",
    "person__gender",
    "person__birth_date",
    "person__education__name_zh",
    "person__document_masked",
    "person__document_type",
    "person__document_cipher",
    "person__photo_id",
)
# In field order up to published_at (the positional values below); the salt is written after them.
_CERTIFICATE_COLUMNS = [
    f.attname for f in Certificate._meta.concrete_fields if f.attname not in ("source", "id_salt")
]
_EVENT_COLUMNS = ("certificate_id", "kind", "at", "actor_id", "reason", "data", "blank_serial")


def _score(value: Any) -> str | None:
    return str(value) if value is not None else None


class _Series:
    """What is constant for every certificate of one series: its configuration, the number prefix (the
    first number is formatted and checked in full, the rest differ only in the sequence digits), the
    e-licence parts and the frozen data common to all."""

    def __init__(
        self,
        config: NumberingConfig,
        station: Organisation,
        occupation: Any,
        work_type: str,
        level: Any,
        issued_on: datetime.date,
        session_code: str,
        first: int,
        last: int,
    ) -> None:
        self.config = config
        year = issued_on.year
        first_number = _number(config, station, level.number, year, first)
        _number(config, station, level.number, year, last)  # both ends checked: the rest lie between
        self.width = len(str(next_sequence_capacity(config.scheme)))
        self.prefix = first_number[: -self.width]
        make_licence_id(config.licence_type_code, config.issuer_uscc, first_number)  # checks the parts
        self.licence_head = f"{ROOT}.{config.licence_type_code}.{config.issuer_uscc}."
        self.occupation = {
            "occupation_code": occupation.code,
            "occupation": occupation.name,
            "occupation_edition": occupation.edition,
            "work_type": work_type,
            "level": level.number,
            "level_name": f"{level.name_zh}/{level.title_zh}",
            "level_name_en": level.name_en,
        }
        self.issued = {
            "issued_on": issued_on.isoformat(),
            "issuing_authority": config.issuing_authority.name,
            "issuing_authority_en": config.issuing_authority.name_en,
        }
        self.session_code = session_code

    def number(self, sequence: int) -> str:
        return f"{self.prefix}{sequence:0{self.width}d}"

    def licence_id(self, number: str) -> str:
        config = self.config
        check = check_character(config.licence_type_code, config.issuer_uscc, number, "001")
        return f"{self.licence_head}{number}.001.{check}"

    def data(self, row: dict[str, Any]) -> dict[str, Any]:
        """frozen_data() from an enrolment row of _ENROLMENT_FIELDS: the same keys, in the same order."""
        education = row["person__education__name_zh"]
        return {
            "name": row["person__name"],
            "gender": GENDER_ZH.get(row["person__gender"], ""),
            "birth_date": row["person__birth_date"].isoformat(),
            "education": education if education else "",
            "id_number_masked": row["person__document_masked"],
            "document_type": row["person__document_type"],
            **self.occupation,
            "theory": _score(row["theory"]),
            "practical": _score(row["practical"]),
            "comprehensive": _score(row["comprehensive"]),
            "evaluation": _RESULT_ZH.get(row["result"], ""),
            **self.issued,
            "photo": row["photo_id"] or row["person__photo_id"] or "",
            "session": self.session_code,
        }


def _copy_rows(cursor: Any, table: str, columns: Any, rows: Any) -> None:
    """COPY rows into a PostgreSQL table inside the caller's transaction (JSON columns as JSON text)."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            write(row)


@transaction.atomic
def issue_certificates(
    session: AppraisalSession, *, actor: Any, issued_on: datetime.date | None = None
) -> list[Certificate]:
    """Certificates for all eligible candidates of an approved session not yet certified.

    At volume (issue 4, bench/issue.py): enrolments are read as rows, not model instances; the
    numbering configuration, work type and common frozen data are computed once per occupation and
    series; on PostgreSQL certificates and their events are written with COPY in this transaction
    (primary keys taken from the table's sequence first, so events can refer to them), elsewhere with
    bulk_create."""
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
    rows = list(
        Enrolment.objects.select_for_update(of=("self",))
        .filter(session=session, eligible=True, certificate__isnull=True)
        .order_by("id")
        .values(*_ENROLMENT_FIELDS)
    )
    if not rows:
        return []
    occupations = Occupation.objects.in_bulk({r["subject__occupation_id"] for r in rows})
    levels = Level.objects.in_bulk({r["subject__level_id"] for r in rows})
    configs = {pk: numbering_config(station, occupation) for pk, occupation in occupations.items()}
    by_series: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        config = configs[r["subject__occupation_id"]]
        by_series[_series(config, station, r["subject__level_id"], issued_on.year)].append(r)
    work_types: dict[int, str] = {}
    now = timezone.now()
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    state = CertificateState.VALID.value
    kind = CertificateKind.QUALIFICATION.value
    values: list[list[Any]] = []  # in _CERTIFICATE_COLUMNS order, id first (set below)
    for (key, capacity), members in sorted(by_series.items()):  # locks in a fixed order
        sequences = allocate(key, len(members), capacity)
        by_template: dict[tuple[int, int], _Series] = {}
        for sequence, r in zip(sequences, members, strict=True):
            occupation_id, level_id = r["subject__occupation_id"], r["subject__level_id"]
            series = by_template.get((occupation_id, level_id))
            if series is None:
                occupation = occupations[occupation_id]
                if occupation_id not in work_types:
                    names = [w.name for w in occupation.work_types.all()[:1]]
                    work_types[occupation_id] = names[0] if names else ""
                series = by_template[(occupation_id, level_id)] = _Series(
                    configs[occupation_id],
                    station,
                    occupation,
                    work_types[occupation_id],
                    levels[level_id],
                    issued_on,
                    session.code,
                    sequences[0],
                    sequences[-1],
                )
            config = series.config
            number = series.number(sequence)
            values.append(
                [
                    None,
                    number,
                    config.scheme,
                    kind,
                    series.licence_id(number),
                    r["id"],
                    r["person_id"],
                    station.pk,
                    config.issuing_authority_id,
                    occupation_id,
                    level_id,
                    issued_on,
                    series.data(r),
                    encrypt(decrypt(r["person__document_cipher"])),
                    state,
                    now,
                    None,  # published_at: set only by publication.publish_release (R3.8)
                ]
            )
    actor_id = actor_user.pk if actor_user is not None else None
    salts = [new_id_salt() for _ in values]  # the ID commitment's, kept with each certificate
    if connection.vendor == "postgresql":
        certificate_table, event_table = Certificate._meta.db_table, CertificateEvent._meta.db_table
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own cursor, for COPY
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [certificate_table, len(values)],
            )
            for v, (pk,) in zip(values, cursor.fetchall(), strict=True):
                v[0] = pk
            dumps = json.dumps
            _copy_rows(
                cursor,
                certificate_table,
                [*_CERTIFICATE_COLUMNS, "id_salt"],
                ([*v[:12], dumps(v[12]), *v[13:], salt] for v, salt in zip(values, salts, strict=True)),
            )
            _copy_rows(
                cursor,
                event_table,
                _EVENT_COLUMNS,
                (
                    (v[0], EventKind.ISSUED.value, now, actor_id, "", dumps({"number": v[1]}), "")
                    for v in values
                ),
            )
        certificates = []
        for v, salt in zip(values, salts, strict=True):
            c = Certificate(*v, id_salt=salt)
            c._state.adding, c._state.db = False, connection.alias
            certificates.append(c)
    else:
        certificates = [Certificate(*v, id_salt=salt) for v, salt in zip(values, salts, strict=True)]
        Certificate.objects.bulk_create(certificates, batch_size=1000)
        if not all(c.pk for c in certificates):  # SQLite < 3.35 returns no ids
            by_number = dict(
                Certificate.objects.filter(number__in=[c.number for c in certificates]).values_list(
                    "number", "pk"
                )
            )
            for c in certificates:
                c.pk = by_number[c.number]
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
    from skillcert.esign.services.documents import queue_documents  # signed PDF/OFD (R2.1, R2.6)

    queue_documents(c.pk for c in certificates)
    return certificates
