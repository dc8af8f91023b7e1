"""The writer-side rule against formula injection (core/cellsafe.py; issue 13 item 3), through the list
export every page and job uses (`core.exports`)."""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from typing import Any

from openpyxl import Workbook, load_workbook

from skillcert.core import cellsafe
from skillcert.core.exports import export_response, write_xlsx

ROWS = [
    "=1+1",
    "+1",
    "-1",
    "@A1",
    "\t=1",
    "\r=1",
    "  =1",
    "\n=1",
    "＝1",
    "－1",
    "a=1",
    "张三",
    "",
    -5,
    decimal.Decimal("-2.5"),
    datetime.date(2026, 1, 2),
    True,
]
COLUMNS: list[Any] = [("值", "value", lambda v: v)]
QUOTED = {"=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "  =1", "\n=1", "＝1", "－1"}


def test_csv_export_quotes_risky_text_and_leaves_numbers_alone() -> None:
    response = export_response(COLUMNS, ROWS, "csv", "t")
    cells = [row[0] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))][1:]
    expected = [f"'{v}" if v in QUOTED else v for v in ROWS]
    assert cells[:13] == expected[:13]
    assert cells[13:] == ["-5", "-2.5", "2026-01-02", "是"]


def test_xlsx_export_has_no_formula_and_keeps_numbers() -> None:
    out = io.BytesIO()
    write_xlsx(COLUMNS, ROWS, "t", out)
    sheet: Any = load_workbook(io.BytesIO(out.getvalue())).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type != "f" for c in cells)
    assert [c.value for c in cells[:3]] == ["=1+1", "+1", "-1"]  # the text exactly, not with a quote
    assert all(c.quotePrefix for c in cells if c.value in QUOTED)
    assert cells[13].value == -5 and cells[13].data_type == "n"


def test_normal_workbook_is_checked_at_save() -> None:
    book = Workbook()
    sheet: Any = book.active
    sheet["A1"] = '=HYPERLINK("http://evil.example/x","点击查看")'
    sheet["A2"] = -3
    again: Any = load_workbook(io.BytesIO(cellsafe.workbook_bytes(book))).active
    assert again["A1"].data_type == "s" and again["A1"].value.startswith("=HYPERLINK")
    assert again["A2"].value == -3


def test_import_reader_takes_the_quote_off_again() -> None:
    assert cellsafe.unquote_csv("'=1+1") == "=1+1"
    assert cellsafe.unquote_csv("'abc") == "'abc"  # an apostrophe the exports did not add stays
