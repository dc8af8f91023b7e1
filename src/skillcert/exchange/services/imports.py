"""Import of certificate records from other exam systems and of historical certificates (R3.2, R3.3,
X5, X6).

- **Natural key**: the certificate number (unique nationally). A row whose number is already in the
  register with the same facts is *unchanged* (importing the same file again changes nothing and writes
  no audit row); with different facts it is the conflict ``exchange.number.conflict`` naming the fields —
  issued data is immutable, a change goes through correction (R3.5), never through an import.
- **All or nothing** by default: one transaction; any row error and nothing is written. With
  ``partial=True`` the valid rows are written (still one transaction) and the others reported.
- **Errors** per row and column with stable codes and Chinese + English messages (`rules.py`).
- **Volume**: rows are checked in a tight loop without queries (`RowChecker`), then per chunk two
  indexed look-ups (existing numbers, existing holders) and the writes: COPY on PostgreSQL,
  bulk inserts elsewhere (design.md: COPY ≈ 200k rows/s, bulk_create ≈ 5k).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import transaction

from skillcert.audit.services import log_action
from skillcert.certificates.models import Certificate
from skillcert.core.errors import FieldError, NotPermitted
from skillcert.core.tabular import Row, column_name
from skillcert.exchange.format import FORMAT_VERSION, map_header, read_rows
from skillcert.exchange.rules import CleanRow, RowChecker
from skillcert.exchange.services.writers import resolve_people, write_chunk
from skillcert.orgs.models import Organisation
from skillcert.orgs.scoping import has_permission

CHUNK = 10_000
MAX_KEPT_ERRORS = 100_000
# The facts of a row compared with an existing certificate of the same number: (report field, data key).
_COMPARED = (
    ("name", "name"),
    ("gender", "gender"),
    ("birth_date", "birth_date"),
    ("education", "education"),
    ("work_type", "work_type"),
    ("theory", "theory"),
    ("practical", "practical"),
    ("comprehensive", "comprehensive"),
    ("evaluation", "evaluation"),
    ("issued_on", "issued_on"),
)


class _Rollback(Exception):
    pass


@dataclass
class ImportReport:
    filename: str
    sha256: str
    partial: bool
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: int = 0
    error_count: int = 0
    errors: list[FieldError] = field(default_factory=list)
    status: str = "committed"  # committed | unchanged | rejected
    numbers: list[str] = field(default_factory=list)  # the first created numbers, for the audit row

    def add(self, errors: Iterable[FieldError]) -> None:
        for e in errors:
            self.error_count += 1
            if len(self.errors) < MAX_KEPT_ERRORS:
                self.errors.append(e)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "filename": self.filename,
            "sha256": self.sha256,
            "partial": self.partial,
            "status": self.status,
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "error_count": self.error_count,
            "errors": [e.as_dict() for e in self.errors],
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def estimate_rows(path: Path) -> int:
    """Lines in a CSV file less the header (quoted line breaks make it an over-estimate)."""
    count = 0
    with path.open("rb") as f:
        if f.read(4) == b"PK\x03\x04":
            return 0
        f.seek(0)
        for block in iter(lambda: f.read(1 << 20), b""):
            count += block.count(b"\n")
    return max(count - 1, 0)


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while True:
        chunk = list(islice(rows, size))
        if not chunk:
            return
        yield chunk


def _keyed(error: FieldError, keys: dict[str, str]) -> FieldError:
    """A reader's row error with the column key for the column letter it names."""
    field_name = keys.get(error.field, error.field)
    return FieldError(field_name, error.code, error.message_zh, error.message_en, error.record)


def _error(row: int, field_name: str, code: str, zh: str, en: str) -> FieldError:
    return FieldError(field_name, code, f"第{row}行：{zh}", f"Row {row}: {en}", str(row))


def _against_existing(clean: list[CleanRow], importer: Organisation, report: ImportReport) -> list[CleanRow]:
    """Drop rows whose number is already registered: unchanged when the facts agree, else an error."""
    existing = {
        r["number"]: r
        for r in Certificate.objects.filter(number__any=[c.number for c in clean]).values(
            "number",
            "organisation_id",
            "organisation__path",
            "occupation_id",
            "level_id",
            "data",
            "person__document_hash",
        )
    }
    if not existing:
        return clean
    fresh: list[CleanRow] = []
    for c in clean:
        old = existing.get(c.number)
        if old is None:
            fresh.append(c)
            continue
        if not old["organisation__path"].startswith(importer.path):
            report.rejected += 1
            report.add(
                [
                    _error(
                        c.row,
                        "certificate_number",
                        "exchange.number.taken",
                        f"证书编号{c.number}已由其他机构登记",
                        f"certificate number {c.number} is registered by another organisation",
                    )
                ]
            )
            continue
        differs = [name for name, key in _COMPARED if old["data"].get(key) != c.data.get(key)]
        if old["person__document_hash"] != c.document_hash:
            differs.append("document_number")
        if old["organisation_id"] != c.organisation_id:
            differs.append("organisation")
        if old["occupation_id"] != c.occupation_id:
            differs.append("occupation_code")
        if old["level_id"] != c.level:
            differs.append("level")
        if differs:
            report.rejected += 1
            report.add(
                [
                    _error(
                        c.row,
                        name,
                        "exchange.number.conflict",
                        f"证书编号{c.number}已登记，本行的“{name}”与登记数据不同；已发证数据不可覆盖，请走更正程序",
                        f"certificate number {c.number} is registered with a different {name}; issued "
                        "data is never overwritten by an import — request a correction instead",
                    )
                    for name in differs
                ]
            )
        else:
            report.unchanged += 1
    return fresh


def import_certificates(
    path: Path | str,
    *,
    actor: Any,
    organisation: Organisation,
    partial: bool = False,
    filename: str | None = None,
    progress: Any = None,
    chunk_size: int = CHUNK,
) -> ImportReport:
    """Import a file in format import-v1 on behalf of `organisation` (the importer: every row's issuing
    organisation must be it or below it, X1). Returns the report; raises ValidationFailed only for a file
    that cannot be read at all (wrong columns, not CSV/XLSX) and NotPermitted without exchange.import."""
    if actor is not None and not has_permission(actor, "exchange.import", organisation):
        raise NotPermitted()
    path = Path(path)
    report = ImportReport(filename=filename or path.name, sha256=_sha256(path), partial=partial)
    rows = read_rows(path, filename)
    first = next(rows, None)
    checker = RowChecker(organisation)
    if first is None:
        checker.set_header(map_header([]))  # raises: every required column missing
    else:
        checker.set_header(map_header(first.cells))
    # The reader names a cell by its column letter; the report names the column key.
    keys = {f"column {column_name(i + 1)}": key for key, i in checker.index.items()}
    if progress is not None:
        progress.total(estimate_rows(path))
    seen: set[str] = set()
    check = checker.check
    try:
        with transaction.atomic():
            for chunk in _chunks(rows, chunk_size):
                clean: list[CleanRow] = []
                for number, cells, too_long in chunk:
                    if too_long:  # a field longer than the limit: this row's error (core.tabular)
                        report.rejected += 1
                        report.add([_keyed(e, keys) for e in too_long])
                        continue
                    result = check(number, cells)
                    if isinstance(result, list):
                        report.rejected += 1
                        report.add(result)
                    elif result.number in seen:
                        report.rejected += 1
                        report.add(
                            [
                                _error(
                                    number,
                                    "certificate_number",
                                    "exchange.number.duplicate",
                                    f"证书编号{result.number}在文件中重复出现",
                                    f"certificate number {result.number} appears more than once in the file",
                                )
                            ]
                        )
                    else:
                        seen.add(result.number)
                        clean.append(result)
                report.rows += len(chunk)
                if clean:
                    clean = _against_existing(clean, organisation, report)
                if clean and (partial or not report.error_count):
                    clean, people = resolve_people(clean, report)
                if clean and (partial or not report.error_count):
                    created = write_chunk(clean, people, actor=actor)
                    report.created += created
                    if len(report.numbers) < 1000:
                        report.numbers += [c.number for c in clean[: 1000 - len(report.numbers)]]
                if progress is not None:
                    progress.advance(len(chunk))
            if report.error_count and not partial:
                raise _Rollback
            if report.created:
                log_action(
                    "exchange.certificates.imported",
                    organisation,
                    actor=actor,
                    organisation=organisation,
                    data={
                        "format": FORMAT_VERSION,
                        "filename": report.filename,
                        "sha256": report.sha256,
                        "partial": partial,
                        "rows": report.rows,
                        "created": report.created,
                        "unchanged": report.unchanged,
                        "rejected": report.rejected,
                        "numbers": report.numbers,
                    },
                )
    except _Rollback:
        report.status = "rejected"
        report.created = 0
        return report
    report.status = "committed" if report.created else ("rejected" if report.error_count else "unchanged")
    return report
