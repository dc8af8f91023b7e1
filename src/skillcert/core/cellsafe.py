"""Spreadsheet cells that cannot run (issue 13 item 3; OWASP "CSV injection"; X5).

A text a user typed — a session's site, a work unit, a name — can start with ``=``; written as it is, a
spreadsheet program takes ``=HYPERLINK("http://evil.example/x","点击查看")`` for a formula and runs it
when the export is opened. Every XLSX and CSV the project writes goes through this module, so no text
cell can be a formula:

- a text is *risky* when it starts with ``=`` ``+`` ``-`` ``@``, TAB or CR (the OWASP list), also
  after leading spaces or line breaks, and also with the full-width ``＝ ＋ － ＠`` that Chinese input
  methods type (spreadsheet programs in East Asian locales take those for the ASCII ones);
- in **CSV**, where a cell has no type, a risky text gets a leading apostrophe ``'`` (the OWASP rule;
  spreadsheet programs show the text, not the apostrophe);
- in **XLSX**, a risky text is stored as a string cell (never ``data_type="f"``: openpyxl makes any
  text starting with "=" a formula) with Excel's "quote prefix" flag, so the workbook shows exactly the
  text and editing the cell does not turn it into a formula either.

Numbers, dates and booleans are never changed: a negative score stays the number -5. Our own import
reader (``core/tabular.py``) drops the apostrophe again when it reads a CSV cell of the form
``'`` + risky text, so an export imports back as it was.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

TRIGGERS = frozenset("=+-@＝＋－＠")
_LEADING = " \t\r\n\u00a0\u3000"  # what a spreadsheet program may skip before it sees "="


def risky(text: str) -> bool:
    """Whether a spreadsheet program could read `text` as a formula."""
    if not text:
        return False
    if text[0] in "\t\r":
        return True
    return text.lstrip(_LEADING)[:1] in TRIGGERS


def csv_value(value: Any) -> Any:
    """A value for a CSV cell: risky text with a leading apostrophe, everything else unchanged."""
    if isinstance(value, str) and risky(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_value(v) for v in values]


def unquote_csv(text: str) -> str:
    """The inverse of `csv_value` for the import reader: "'=1+1" → "=1+1"."""
    if text.startswith("'") and risky(text[1:]):
        return text[1:]
    return text


def xlsx_value(sheet: Any, value: Any) -> Any:
    """A value for `sheet.append` on a write-only sheet: a risky text becomes a string cell."""
    if isinstance(value, str) and risky(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for `sheet.append` on a write-only sheet (``Workbook(write_only=True)``)."""
    return [xlsx_value(sheet, v) for v in values]


def neutralise(workbook: Workbook) -> int:
    """Make every risky text cell of a (normal, not write-only) workbook a quoted string cell; returns
    how many were changed. `save` calls it, so a cell written by any route is covered."""
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and (cell.data_type == "f" or risky(value)):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    changed += 1
    return changed


def save(workbook: Workbook, target: Path | str | IO[bytes]) -> None:
    """Save a workbook after `neutralise` (a write-only workbook cannot be walked: its rows went through
    `xlsx_row`)."""
    if not workbook.write_only:
        neutralise(workbook)
    workbook.save(target)


def workbook_bytes(workbook: Workbook) -> bytes:
    """The XLSX file of a workbook, saved through `save`."""
    buffer = io.BytesIO()
    save(workbook, buffer)
    return buffer.getvalue()
