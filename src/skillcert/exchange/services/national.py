"""National data exchange export, format national-exchange-v1 (R2.6; docs/formats/national-exchange-v1.md).

Per period (issue dates from … to, inclusive) and exporting organisation: every certificate of the
exporter's subtree with its issued data, state, provenance and e-certificate metadata — number, GB/T 36904
e-licence identifier, the issuing authority's USCC, and the id of the authority's active SM2 signing key
(esign.IssuerKey) that signs its e-certificates. Only the masked ID number leaves (X7). Written as a
stream, so a period of a million certificates never sits in memory.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import IO, Any, Final

from django.utils import timezone

from skillcert.audit.services import log_action
from skillcert.certificates.choices import EventKind
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.core.errors import NotPermitted, field_error
from skillcert.esign.models import IssuerKey, KeyStatus
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission

FORMAT: Final = "skillcert-national-exchange"
VERSION: Final = 1
MAX_DAYS: Final = 3660
_HOLDER_KEYS: Final = ("name", "gender", "birth_date", "document_type", "id_number_masked", "education")


def _check_period(date_from: datetime.date, date_to: datetime.date) -> None:
    if date_to < date_from:
        raise field_error(
            "period",
            "to",
            "exchange.period.order",
            "结束日期早于开始日期",
            "The end date is before the start date",
        )
    if (date_to - date_from).days > MAX_DAYS:
        raise field_error(
            "period",
            "to",
            "exchange.period.too_long",
            "导出期间不能超过10年",
            "The period cannot be longer than 10 years",
        )


def _records(
    exporter: Organisation, date_from: datetime.date, date_to: datetime.date
) -> Iterator[dict[str, Any]]:
    queryset = (
        Certificate.objects.filter(
            organisation__path__startswith=exporter.path, issued_on__gte=date_from, issued_on__lte=date_to
        )
        .order_by("issued_on", "number")
        .values(
            "id",
            "number",
            "scheme",
            "kind",
            "licence_id",
            "state",
            "source",
            "issued_on",
            "data",
            "level_id",
            "organisation__code",
            "organisation__name",
            "issuing_authority_id",
            "issuing_authority__code",
            "issuing_authority__name",
            "issuing_authority__uscc",
        )
    )
    keys = dict(IssuerKey.objects.filter(status=KeyStatus.ACTIVE).values_list("organisation_id", "key_id"))
    chunk: list[dict[str, Any]] = []

    def flush(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        kinds: dict[int, set[str]] = {}
        for cid, kind in CertificateEvent.objects.filter(
            certificate_id__in=[r["id"] for r in rows], kind__in=[EventKind.REISSUED, EventKind.CORRECTED]
        ).values_list("certificate_id", "kind"):
            kinds.setdefault(cid, set()).add(kind)
        for r in rows:
            data = r["data"]
            yield {
                "number": r["number"],
                "scheme": r["scheme"],
                "kind": r["kind"],
                "state": r["state"],
                "source": r["source"],
                "issued_on": r["issued_on"].isoformat(),
                "holder": {k: data.get(k, "") for k in _HOLDER_KEYS},
                "occupation": {
                    "code": data.get("occupation_code", ""),
                    "edition": str(data.get("occupation_edition", "")),
                    "name": data.get("occupation", ""),
                    "work_type": data.get("work_type", ""),
                },
                "level": r["level_id"],
                "scores": {k: data.get(k) for k in ("theory", "practical", "comprehensive")},
                "evaluation": data.get("evaluation", ""),
                "organisation": {"code": r["organisation__code"], "name": r["organisation__name"]},
                "issuing_authority": {
                    "code": r["issuing_authority__code"],
                    "name": r["issuing_authority__name"],
                    "uscc": r["issuing_authority__uscc"] or None,
                },
                "ecertificate": {
                    "licence_id": r["licence_id"],
                    "signature_algorithm": "SM2-with-SM3",
                    "issuer_key_id": keys.get(r["issuing_authority_id"]),
                },
                "reissued": EventKind.REISSUED.value in kinds.get(r["id"], set()),
                "corrected": EventKind.CORRECTED.value in kinds.get(r["id"], set()),
            }

    for row in queryset.iterator(chunk_size=2000):
        chunk.append(dict(row))
        if len(chunk) >= 2000:
            yield from flush(chunk)
            chunk = []
    if chunk:
        yield from flush(chunk)


def write_national_export(
    out: IO[str],
    *,
    actor: Any,
    exporter: Organisation,
    date_from: datetime.date,
    date_to: datetime.date,
) -> int:
    """Write the export document to `out` (text); returns the number of certificates. Audited."""
    if actor is not None and not has_permission(actor, "exchange.export", exporter):
        raise NotPermitted()
    _check_period(date_from, date_to)
    head = {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": timezone.now().replace(microsecond=0).isoformat(),
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "exporter": {"code": exporter.code, "name": exporter.name, "uscc": exporter.uscc or None},
    }
    text = json.dumps(head, ensure_ascii=False)
    out.write(text[:-1] + ', "certificates": [')
    count = 0
    for record in _records(exporter, date_from, date_to):
        out.write(("\n" if count == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
        count += 1
    out.write(f'\n], "count": {count}}}\n')
    log_action(
        "exchange.national.exported",
        exporter,
        actor=actor,
        data={"from": date_from.isoformat(), "to": date_to.isoformat(), "count": count},
    )
    return count
