"""The published import format, version 1 (R3.3, X5): columns, headings and the CSV / XLSX readers.

Specified in ``docs/formats/import-v1.md`` and ``docs/formats/import-v1.schema.json``; this module is
the reference for the column list. A file is a header row and one certificate per row. Headings may be
the column key (``certificate_number``), the Chinese heading (``证书编号``) or both as the back office
exports them (``证书编号 certificate_number``); order does not matter; unknown headings are refused,
so a misspelt optional column is not silently dropped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from skillcert.core.errors import FieldError, ValidationFailed
from skillcert.core.tabular import Limits, Row, open_table

FORMAT_VERSION: Final = "import-v1"
FILE_RECORD: Final = "file"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool


COLUMNS: Final = (
    Column("certificate_number", "证书编号", "certificate number (16 or 22 characters)", True),
    Column("name", "姓名", "holder's name", True),
    Column("document_type", "证件类型", "identity document type (default resident_id)", False),
    Column("document_number", "证件号码", "identity document number", True),
    Column("gender", "性别", "男/女 or M/F; required unless resident ID", False),
    Column("birth_date", "出生日期", "birth date; required unless resident ID", False),
    Column("education", "文化程度", "education level code or Chinese name", False),
    Column("occupation_code", "职业编码", "occupation code of the 大典 (e.g. 6-18-01-01)", True),
    Column("occupation_edition", "大典版本", "edition of the occupation catalogue (2015, 2022)", True),
    Column("work_type", "工种", "work type as printed", False),
    Column("level", "等级", "level 1-5 (1 高级技师 … 5 初级)", True),
    Column("theory", "理论知识考核成绩", "theory score 0-100", False),
    Column("practical", "操作技能考核成绩", "practical score 0-100", False),
    Column("comprehensive", "综合评审成绩", "comprehensive score 0-100", False),
    Column("evaluation", "评定成绩", "evaluation result (default 合格)", False),
    Column("issued_on", "发证日期", "issue date", True),
    Column("organisation", "发证单位代码", "code of the organisation that issued it", True),
    Column("source", "数据来源", "imported (default) or historical", False),
)
COLUMN_KEYS: Final = tuple(c.key for c in COLUMNS)
REQUIRED_KEYS: Final = tuple(c.key for c in COLUMNS if c.required)
_BY_HEADING: Final = {
    **{c.key: c.key for c in COLUMNS},
    **{c.zh: c.key for c in COLUMNS},
    **{f"{c.zh} {c.key}": c.key for c in COLUMNS},
}


def _heading(raw: Any) -> str:
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).replace("\ufeff", "")
    text = " ".join(text.split())
    return text.lower() if text.isascii() else text


def map_header(header: list[Any]) -> list[str | None]:
    """The column key of each heading position (None for an empty trailing cell); raises
    ValidationFailed naming every unknown, repeated and missing column."""
    keys: list[str | None] = []
    errors: list[FieldError] = []
    seen: set[str] = set()
    for position, raw in enumerate(header, start=1):
        heading = _heading(raw)
        if not heading:
            keys.append(None)
            continue
        key = _BY_HEADING.get(heading)
        if key is None:
            errors.append(
                FieldError(
                    heading,
                    "exchange.file.unknown_column",
                    f"第{position}列的列名“{heading}”不属于导入格式 {FORMAT_VERSION}",
                    f"Column {position}, '{heading}', is not part of the {FORMAT_VERSION} format",
                    FILE_RECORD,
                )
            )
        elif key in seen:
            errors.append(
                FieldError(
                    key,
                    "exchange.file.repeated_column",
                    f"列“{heading}”出现了不止一次",
                    f"Column '{heading}' appears more than once",
                    FILE_RECORD,
                )
            )
        seen.add(key or heading)
        keys.append(key)
    for column in COLUMNS:
        if column.required and column.key not in seen:
            errors.append(
                FieldError(
                    column.key,
                    "exchange.file.missing_column",
                    f"缺少必填列“{column.zh}”（{column.key}）",
                    f"The required column '{column.key}' ({column.zh}) is missing",
                    FILE_RECORD,
                )
            )
    if errors:
        raise ValidationFailed.of(errors)
    return keys


def read_rows(path: Path | str, name: str | None = None) -> Iterator[Row]:
    """`core.tabular.Row` (number as a spreadsheet shows it, cells, the reader's own errors for the row)
    for every non-empty row; the first is the header. Read within the import limits
    (SKILLCERT_IMPORT_*; issue 13 items 4, 10); raises ValidationFailed for a file that is not CSV or
    XLSX, unreadable, or past a limit, UploadTooLarge (413) for one over the byte limit."""
    path = Path(path)
    limits = Limits.for_imports()
    with open_table(path, name or path.name, limits, record=FILE_RECORD, sheet="first") as table:
        yield from table.rows()
