"""Writing checked import rows: holders (people) found or registered, certificates, their issued events.

Inside the caller's transaction. On PostgreSQL primary keys are taken from the tables' sequences first
and the rows go in with COPY (as certificates/services/issue.py does); elsewhere with bulk inserts.
The ID number is encrypted once per row (AES-GCM, X7) and the same ciphertext serves the new holder and
the certificate; only the masked number is in the frozen data.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.utils import timezone

from skillcert.certificates.choices import CertificateState, EventKind
from skillcert.certificates.models import Certificate, CertificateEvent, new_id_salt
from skillcert.core.errors import FieldError
from skillcert.exchange.rules import CleanRow
from skillcert.people.models import Person
from skillcert.people.protect import bulk_encryptor

# Named, not taken from the model: the COPY lines below are positional, and a later column (such as
# published_at, which only the publication chain sets) must stay out of them.
_PERSON_COLUMNS = (
    "id",
    "organisation_id",
    "name",
    "document_type",
    "document_cipher",
    "document_hash",
    "document_masked",
    "gender",
    "birth_date",
    "nation",
    "education_id",
    "phone",
    "address",
    "source",
    "photo_id",
    "created_at",
    "updated_at",
)
_CERTIFICATE_COLUMNS = (
    "id",
    "number",
    "scheme",
    "kind",
    "licence_id",
    "enrolment_id",
    "person_id",
    "organisation_id",
    "issuing_authority_id",
    "occupation_id",
    "level_id",
    "issued_on",
    "data",
    "id_cipher",
    "state",
    "created_at",
    "source",
    "id_salt",
)
_EVENT_COLUMNS = ("certificate_id", "kind", "at", "actor_id", "reason", "data", "blank_serial")

PersonKey = tuple[int, str]


def _text(value: str) -> str:
    """A value in PostgreSQL COPY text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def resolve_people(clean: list[CleanRow], report: Any) -> tuple[list[CleanRow], dict[PersonKey, int | None]]:
    """The registered holder of each row (same organisation and document), None where a holder is to
    be registered. A holder registered under another name is the row error ``people.name.mismatch``
    (never a silent merge)."""
    found: dict[PersonKey, tuple[int | None, str]] = {}
    hashes = list({c.document_hash for c in clean})
    orgs = {c.organisation_id for c in clean}
    for org_id, digest, pk, name in Person.objects.filter(document_hash__any=hashes).values_list(
        "organisation_id", "document_hash", "id", "name"
    ):
        if org_id in orgs:
            found[(org_id, digest)] = (pk, name)
    people: dict[PersonKey, int | None] = {}
    kept: list[CleanRow] = []
    for c in clean:
        key = (c.organisation_id, c.document_hash)
        hit = found.get(key)
        if hit is None:
            found[key] = (None, c.name)  # a holder this chunk registers: later rows must agree with it
        elif hit[1] != c.name:
            report.rejected += 1
            report.add(
                [
                    FieldError(
                        "name",
                        "people.name.mismatch",
                        f"第{c.row}行：证件号码已登记为“{hit[1]}”，与填写的姓名不一致",
                        f"Row {c.row}: the document number is registered under another name ({hit[1]})",
                        str(c.row),
                    )
                ]
            )
            continue
        people[key] = hit[0] if hit is not None else None
        kept.append(c)
    return kept, people


def _person_values(c: CleanRow, cipher: str, now: Any) -> dict[str, Any]:
    return {
        "id": None,
        "organisation_id": c.organisation_id,
        "name": c.name,
        "document_type": c.document_type,
        "document_cipher": cipher,
        "document_hash": c.document_hash,
        "document_masked": c.data["id_number_masked"],
        "gender": c.gender,
        "birth_date": c.birth_date,
        "nation": "",
        "education_id": c.education_id,
        "phone": "",
        "address": "",
        "source": "import",
        "photo_id": None,
        "created_at": now,
        "updated_at": now,
    }


def _certificate_values(c: CleanRow, person_id: int, cipher: str, now: Any) -> dict[str, Any]:
    return {
        "id": None,
        "number": c.number,
        "scheme": c.scheme,
        "kind": c.kind,
        "licence_id": c.licence_id,
        "enrolment_id": None,
        "person_id": person_id,
        "organisation_id": c.organisation_id,
        "issuing_authority_id": c.authority_id,
        "occupation_id": c.occupation_id,
        "level_id": c.level,
        "issued_on": c.issued_on,
        "data": c.data,
        "id_cipher": cipher,
        "state": CertificateState.VALID.value,
        "created_at": now,
        "source": c.source,
        "id_salt": new_id_salt(),  # the ID commitment's, drawn at import (certificate-data.md §3)
    }


def _take_ids(cursor: Any, table: str, n: int) -> list[int]:
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
    return [pk for (pk,) in cursor.fetchall()]


def _copy_text(cursor: Any, table: str, columns: Any, lines: list[str]) -> None:
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy:
        copy.write("".join(lines))


def write_chunk(clean: list[CleanRow], people: dict[PersonKey, int | None], *, actor: Any) -> int:
    """Register the new holders, then the certificates and one ``issued`` event each (its data says
    the certificate was imported and from which source). Returns the number of certificates."""
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    encrypt = bulk_encryptor()
    ciphers = [encrypt(c.document_number) for c in clean]
    new_people: dict[PersonKey, dict[str, Any]] = {}
    for c, cipher in zip(clean, ciphers, strict=True):
        key = (c.organisation_id, c.document_hash)
        if people[key] is None and key not in new_people:
            new_people[key] = _person_values(c, cipher, now)
    if connection.vendor == "postgresql":
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own cursor, for COPY
            if new_people:
                ids = _take_ids(cursor, Person._meta.db_table, len(new_people))
                for (key, values), pk in zip(new_people.items(), ids, strict=True):
                    values["id"] = pk
                    people[key] = pk
                stamp, null = now.isoformat(), "\\N"
                _copy_text(
                    cursor,
                    Person._meta.db_table,
                    _PERSON_COLUMNS,
                    [
                        f"{v['id']}\t{v['organisation_id']}\t{_text(v['name'])}\t{v['document_type']}\t"
                        f"{v['document_cipher']}\t{v['document_hash']}\t{v['document_masked']}\t{v['gender']}\t"
                        f"{v['birth_date']}\t\t{v['education_id'] or null}\t\t\timport\t{null}\t{stamp}\t"
                        f"{stamp}\n"
                        for v in new_people.values()
                    ],
                )
            cert_ids = _take_ids(cursor, Certificate._meta.db_table, len(clean))
            # Rows as COPY text built here: every value is already a checked string, number or date,
            # so this is several times cheaper than psycopg's per-value adaptation (bench/import.py).
            dumps, stamp, state = json.dumps, now.isoformat(), CertificateState.VALID.value
            actor_text = "\\N" if actor_id is None else str(actor_id)
            lines: list[str] = []
            events: list[str] = []
            for pk, c, cipher in zip(cert_ids, clean, ciphers, strict=True):
                person_id = people[(c.organisation_id, c.document_hash)]
                lines.append(
                    f"{pk}\t{c.number}\t{c.scheme}\t{c.kind}\t{c.licence_id}\t\\N\t{person_id}\t"
                    f"{c.organisation_id}\t{c.authority_id}\t{c.occupation_id}\t{c.level}\t{c.issued_on}\t"
                    f"{_text(dumps(c.data, ensure_ascii=False))}\t{cipher}\t{state}\t{stamp}\t{c.source}\t"
                    f"\\\\x{new_id_salt().hex()}\n"  # bytea in COPY text: \x + hex, the backslash doubled
                )
                data = f'{{"number": "{c.number}", "source": "{c.source}"}}'
                events.append(f"{pk}\tissued\t{stamp}\t{actor_text}\t\t{data}\t\n")
            _copy_text(cursor, Certificate._meta.db_table, _CERTIFICATE_COLUMNS, lines)
            _copy_text(cursor, CertificateEvent._meta.db_table, _EVENT_COLUMNS, events)
        return len(clean)
    if new_people:
        objs = [Person(**{**v, "id": None}) for v in new_people.values()]
        Person.objects.bulk_create(objs, batch_size=1000)
        for key, obj in zip(new_people, objs, strict=True):
            people[key] = obj.pk
        if any(people[k] is None for k in new_people):  # SQLite < 3.35 returns no ids
            for org_id, digest, pk in Person.objects.filter(
                document_hash__in=[k[1] for k in new_people]
            ).values_list("organisation_id", "document_hash", "id"):
                if (org_id, digest) in new_people:
                    people[(org_id, digest)] = pk
    certificates = [
        Certificate(**_certificate_values(c, people[(c.organisation_id, c.document_hash)] or 0, cipher, now))
        for c, cipher in zip(clean, ciphers, strict=True)
    ]
    Certificate.objects.bulk_create(certificates, batch_size=1000)
    if not all(c.pk for c in certificates):
        by_number = dict(
            Certificate.objects.filter(number__in=[c.number for c in certificates]).values_list(
                "number", "pk"
            )
        )
        for cert in certificates:
            cert.pk = by_number[cert.number]
    CertificateEvent.objects.bulk_create(
        [
            CertificateEvent(
                certificate_id=cert.pk,
                kind=EventKind.ISSUED,
                actor_id=actor_id,
                data={"number": cert.number, "source": cert.source},
            )
            for cert in certificates
        ],
        batch_size=1000,
    )
    return len(certificates)
