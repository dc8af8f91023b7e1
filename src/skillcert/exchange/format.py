"""The published import format, version 1 (R3.3, X5): columns, headings and the CSV / XLSX readers.

Specified in ``docs/formats/import-v1.md`` and ``docs/formats/import-v1.schema.json``; this module is
the reference for the column list. A file is a header row and one certificate per row. Headings may be
the column key (``certificate_number``), the Chinese heading (``证书编号``) or both as the back office
exports them (``证书编号 certificate_number``); order does not matter; unknown headings are refused,
so a misspelt optional column is not silently dropped.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from skillcert.core.errors import FieldError, ValidationFailed

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
MAX_ROWS: Final = 5_000_000


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


def _file_error(code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed.of([FieldError("file", code, zh, en, FILE_RECORD)])


def _text_stream(raw: IO[bytes]) -> io.TextIOWrapper:
    """UTF-8 (with or without BOM); GB18030 — what Chinese Excel saves as CSV — when it is not UTF-8."""
    head = raw.read(1 << 16)
    raw.seek(0)
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head[:-4] if len(head) == 1 << 16 else head)
    except UnicodeDecodeError:
        encoding = "gb18030"
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def detect_kind(name: str, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04") or name.lower().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def read_rows(path: Path | str, name: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(row number as a spreadsheet shows it, cells) for every non-empty data row. The first item
    yielded is (1, header). Raises ValidationFailed for a file that is not CSV or XLSX."""
    path = Path(path)
    with path.open("rb") as raw:
        kind = detect_kind(name or path.name, raw.read(4))
        raw.seek(0)
        if kind == "xlsx":
            yield from _xlsx_rows(raw)
        else:
            yield from _csv_rows(raw)


def _csv_rows(raw: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    text = _text_stream(raw)
    try:
        for number, row in enumerate(csv.reader(text), start=1):
            if number > MAX_ROWS:
                raise _file_error(
                    "exchange.file.too_many_rows",
                    f"文件超过{MAX_ROWS}行，请分批导入",
                    f"The file has more than {MAX_ROWS} rows; split it",
                )
            if row and any(row):
                yield number, row
    except (csv.Error, UnicodeDecodeError) as exc:
        raise _file_error(
            "exchange.file.unreadable",
            "文件不是有效的CSV（UTF-8或GB18030编码）",
            f"The file is not a valid CSV in UTF-8 or GB18030 ({exc.__class__.__name__})",
        ) from exc
    finally:
        text.detach()


def _xlsx_rows(raw: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(raw, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or foreign file
        raise _file_error(
            "exchange.file.unreadable",
            "文件不是有效的XLSX工作簿",
            f"The file is not a valid XLSX workbook ({exc.__class__.__name__})",
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(row)
            if any(c is not None and c != "" for c in cells):
                yield number, cells
    finally:
        workbook.close()
