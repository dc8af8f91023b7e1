"""Hostile upload files for the limit tests (issue 13 items 4 and 10), written directly as ZIP and XML so
that even a sheet of two million rows takes a second or two to make and a few megabytes to hold."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from itertools import chain

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Target="xl/workbook.xml" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    b"</Relationships>"
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="roster" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    b"</Relationships>"
)
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)


def _text_cell(ref: bytes, text: str) -> bytes:
    return b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, text.encode())


def header_row(headings: list[str]) -> bytes:
    cells = b"".join(_text_cell(bytes([65 + i]) + b"1", h) for i, h in enumerate(headings))
    return b'<row r="1">' + cells + b"</row>"


def workbook(
    sheet_rows: Iterable[bytes], *, sheet_tail: bytes = b"", extra: dict[str, bytes] | None = None
) -> bytes:
    """An XLSX file: one sheet whose <sheetData> holds `sheet_rows` (XML of <row> elements)."""
    out = io.BytesIO()
    content_types = _CONTENT_TYPES
    if extra and "xl/sharedStrings.xml" in extra:  # openpyxl finds the part through its content type
        content_types = content_types.replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            b"</Types>",
        )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_SHEET_HEAD)
            for chunk in sheet_rows:
                sheet.write(chunk)
            sheet.write(b"</sheetData>" + sheet_tail + b"</worksheet>")
    return out.getvalue()


def _batched(rows: int, first: int, make: Callable[[int], bytes]) -> Iterator[bytes]:  # 20,000 at a time
    for start in range(first, first + rows, 20_000):
        yield b"".join(make(i) for i in range(start, min(start + 20_000, first + rows)))


def many_rows_xlsx(headings: list[str], rows: int) -> bytes:
    """A header and `rows` rows of one number each, numbered by their order (the format allows rows and
    cells without an "r"): 2,000,000 rows are 52 MB of sheet XML in a file of a few hundred kilobytes —
    under the unpacked-size limit, so only the row limit can stop it."""
    row = b"<row><c><v>1</v></c></row>"
    return workbook(chain([header_row(headings)], (row * 20_000 for _ in range(rows // 20_000))))


def zip_bomb_xlsx(headings: list[str], unpacked: int) -> bytes:
    """A valid little roster whose sheet is padded with `unpacked` bytes of XML whitespace: a few hundred
    kilobytes on disk, any size unpacked."""

    def padding() -> Iterator[bytes]:
        block = b" " * (1 << 20)
        for _ in range(unpacked >> 20):
            yield block

    return workbook(chain([header_row(headings)], padding()))


def blank_rows_xlsx(headings: list[str], rows: int) -> bytes:
    """A header and `rows` empty <row> elements (each costs openpyxl a parse) — then one row of data."""
    last = rows + 2
    return workbook(
        chain(
            [header_row(headings)],
            _batched(rows, 2, lambda i: b'<row r="%d"/>' % i),
            [b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (last, last)],
        )
    )
