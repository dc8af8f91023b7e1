"""XLSX and CSV export of list data (X5). Lists hand over their columns and rows; one code path
serves page exports, API exports and jobs. Every cell goes through `core.cellsafe`, so a text such as
``=HYPERLINK(...)`` is never a formula (issue 13 item 3)."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook

from skillcert.core import cellsafe

Column = tuple[str, str, Callable[[Any], Any]]  # (heading zh, heading en, value getter)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def headings(columns: Sequence[Column]) -> list[str]:
    return [f"{zh} {en}" for zh, en, _ in columns]


def write_xlsx(
    columns: Sequence[Column],
    objects: Iterable[Any],
    sheet: str,
    out: Any,
    on_row: Callable[[], None] | None = None,
) -> int:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(cellsafe.xlsx_row(worksheet, headings(columns)))
    count = 0
    for obj in objects:
        worksheet.append(cellsafe.xlsx_row(worksheet, [_cell(get(obj)) for _, _, get in columns]))
        count += 1
        if on_row:
            on_row()
    cellsafe.save(workbook, out)
    return count


def export_response(
    columns: Sequence[Column], objects: Iterable[Any], fmt: str, basename: str
) -> HttpResponse:
    stamp = datetime.date.today().strftime("%Y%m%d")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(columns, objects, basename, buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{basename}-{stamp}.xlsx"'
        return response
    text = io.StringIO()
    text.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(text)
    writer.writerow(cellsafe.csv_row(headings(columns)))
    for obj in objects:
        writer.writerow(cellsafe.csv_row([_cell(get(obj)) for _, _, get in columns]))
    response = HttpResponse(text.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{basename}-{stamp}.csv"'
    return response
