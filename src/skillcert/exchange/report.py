"""The import error report as an XLSX file (X5, X6): one line per error — row, column, code, Chinese and
English message — after a summary of the import. The messages quote the uploaded file (a heading, a
value), so every cell goes through `core.cellsafe` (issue 13 item 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from skillcert.core import cellsafe


def write_report(report: Any, target: Path | Any) -> None:
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet("汇总 summary")
    summary.append(cellsafe.xlsx_row(summary, ["项目 item", "值 value"]))
    data = report.as_dict()
    for key in (
        "format",
        "filename",
        "sha256",
        "partial",
        "status",
        "rows",
        "created",
        "unchanged",
        "rejected",
        "error_count",
    ):
        value = data[key]
        value = "是" if value is True else "否" if value is False else value
        summary.append(cellsafe.xlsx_row(summary, [key, value]))
    errors = workbook.create_sheet("错误 errors")
    errors.append(["行 row", "列 column", "代码 code", "说明", "message"])
    for e in report.errors:
        row: Any = int(e.record) if e.record and e.record.isdigit() else (e.record or "")
        errors.append(cellsafe.xlsx_row(errors, [row, e.field, e.code, e.message_zh, e.message_en]))
    if isinstance(target, Path):
        target.parent.mkdir(parents=True, exist_ok=True)
    cellsafe.save(workbook, target)
