"""Building import files in format import-v1 for the tests (real CSV and XLSX files on disk)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from skillcert.people.idnumber import check_character

HEADER = [
    "certificate_number",
    "name",
    "document_number",
    "occupation_code",
    "occupation_edition",
    "level",
    "theory",
    "practical",
    "issued_on",
    "organisation",
]
SURNAMES, GIVEN = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def person_name(i: int) -> str:
    return SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[i % 20]


def resident_id(i: int) -> str:
    body = f"320102{1960 + i % 40}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return body + check_character(body)


def row(i: int, **changes: Any) -> dict[str, Any]:
    """A valid row: Nanjing station 003 (institution 10012003), 车工 2022, level 4, issued in 2024."""
    values = {
        "certificate_number": f"24100120034{i + 1:05d}",
        "name": person_name(i),
        "document_number": resident_id(i),
        "occupation_code": "6-18-01-01",
        "occupation_edition": "2022",
        "level": "4",
        "theory": "81",
        "practical": "75.5",
        "issued_on": "2024-06-01",
        "organisation": "ST-10012003",
    }
    values.update(changes)
    return values


def write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    header = header or list(dict.fromkeys([*HEADER, *(k for r in rows for k in r)]))
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for r in rows:
            writer.writerow([r.get(k, "") for k in header])
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    header = header or list(dict.fromkeys([*HEADER, *(k for r in rows for k in r)]))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for r in rows:
        sheet.append([r.get(k) for k in header])
    book.save(path)
    return path
