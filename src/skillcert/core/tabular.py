"""Reading uploaded tables — XLSX and CSV — within limits (issue 13 items 4 and 10; X5, X6).

Every table a user uploads (rosters, scores, certificate imports) is read here, so every door has the
same limits and the same errors:

- **type from the bytes**: an XLSX is a ZIP holding ``[Content_Types].xml``; anything that is not a
  ZIP (or an old OLE ``.xls``) is read as CSV text. A file named ``.csv`` holding a workbook, or named
  ``.xlsx`` holding text, is refused with a clear error instead of being misread;
- **bytes** (``max_bytes``) before anything is read: 413 ``core.upload.too_large``;
- **XLSX unpacked size** (``max_unpacked``, ``max_members``) from the ZIP directory before openpyxl
  opens it: a "ZIP bomb" of a few kilobytes that unpacks to gigabytes is refused without unpacking
  (the directory's sizes are binding: Python's zipfile stops at the declared size, and a member that
  unpacks to more fails its CRC);
- **rows** (``max_rows``) counted while reading: rows are streamed (openpyxl read-only, csv.reader over
  a text stream), never held in a list here, and reading stops at the first row past the limit, so a
  sheet of two million rows is refused after reading ten thousand. Blank rows are skipped but not
  free: the reader gives up after ``2 × max_rows + 1`` rows of any kind, so a file of a million blank
  rows cannot keep a thread busy either;
- **columns** (``max_columns``) and **field length** (``max_field``; Excel's own cell limit is 32,767
  characters): a longer field is a *row* error (`Row.errors`), the other rows are read on;
- **CSV text**: UTF-8 with or without BOM, UTF-16/UTF-32 with BOM, else GB18030 (what Excel on Chinese
  Windows saves); a file that is none of them, or holds NUL characters (UTF-16 without a BOM), is a
  clear error. A header line with tabs and no commas is read as tab-separated (Excel's "Unicode text").
  A cell that our exports quoted against formula injection (``'=…``, see ``core/cellsafe.py``) is read
  without the apostrophe.

Errors are `ValidationFailed` (400) naming the file, the row and the column, in Chinese and English.

    with open_table(upload_bytes, "roster.xlsx", Limits.for_tables()) as table:
        for row in table.rows():       # Row(number, cells, errors)
            ...
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import operator
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.conf import settings

from skillcert.core.cellsafe import unquote_csv
from skillcert.core.errors import FieldError, ValidationFailed
from skillcert.core.uploads import UploadTooLarge, size_text

XLSX_MAX_SHEET_ROWS = 1_048_576  # the format's own limit
# csv's own field limit (131,072 characters by default) raises _csv.Error, which leaves the reader in
# the middle of a record. Above our own `max_field`, so a long field is measured and named by us; a
# field longer even than this is a row error all the same (see `_csv_rows`).
CSV_FIELD_CEILING = 1 << 20
if csv.field_size_limit() < CSV_FIELD_CEILING:
    csv.field_size_limit(CSV_FIELD_CEILING)

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SNIFF = 1 << 16
_COLUMN = operator.itemgetter("column")


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_columns: int
    max_field: int
    max_unpacked: int
    max_members: int = 1000

    @classmethod
    def for_tables(cls) -> Limits:
        """Rosters and score tables uploaded on pages and the API."""
        return cls(
            max_bytes=int(settings.SKILLCERT_UPLOAD_MAX_BYTES),
            max_rows=int(settings.SKILLCERT_UPLOAD_MAX_ROWS),
            max_columns=int(settings.SKILLCERT_UPLOAD_MAX_COLUMNS),
            max_field=int(settings.SKILLCERT_UPLOAD_MAX_FIELD),
            max_unpacked=int(settings.SKILLCERT_UPLOAD_MAX_UNPACKED),
        )

    @classmethod
    def for_imports(cls) -> Limits:
        """Certificate import files (format import-v1), read by a job."""
        return cls(
            max_bytes=int(settings.SKILLCERT_IMPORT_MAX_BYTES),
            max_rows=int(settings.SKILLCERT_IMPORT_MAX_ROWS),
            max_columns=int(settings.SKILLCERT_UPLOAD_MAX_COLUMNS),
            max_field=int(settings.SKILLCERT_UPLOAD_MAX_FIELD),
            max_unpacked=int(settings.SKILLCERT_IMPORT_MAX_UNPACKED),
        )


class Row(NamedTuple):
    """A non-empty row: its number as the sheet shows it (CSV: the record's number), its cells (XLSX:
    typed values, CSV: text; trailing empty cells dropped) and the reader's own errors for it (a field
    too long: that cell is read as "")."""

    number: int
    cells: list[Any]
    errors: tuple[FieldError, ...] = ()


def column_name(index: int) -> str:
    """1 → "A", 27 → "AA" (how a spreadsheet names the column)."""
    name = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


class Table:
    """An opened upload; iterate `rows()` once. Use as a context manager (or call `close`)."""

    def __init__(
        self, kind: str, name: str, record: str, limits: Limits, source: Any, owned: IO[bytes] | None = None
    ) -> None:
        self.sheet = "active"  # or "first" (format import-v1 names the first worksheet)
        self.kind = kind
        self.name = name
        self.record = record
        self.limits = limits
        self._source = source  # the read-only workbook, or the text stream of a CSV
        self._owned = owned  # the byte stream opened here (closed with the table), else None

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if isinstance(self._source, io.TextIOWrapper):
            self._source.detach()  # never close the caller's file through the wrapper
        elif self._source is not None:
            self._source.close()
        self._source = None
        if self._owned is not None:
            self._owned.close()

    def error(self, code: str, zh: str, en: str, field: str = "file") -> ValidationFailed:
        return ValidationFailed.of([FieldError(field, code, zh, en, self.record)])

    def _too_many_rows(self) -> ValidationFailed:
        n = self.limits.max_rows
        return self.error(
            "core.upload.too_many_rows",
            f"文件“{self.name}”超过{n}行（不含表头），请分批上传",
            f"The file '{self.name}' has more than {n} rows under its header; split it",
        )

    def _too_many_columns(self, number: int) -> ValidationFailed:
        n = self.limits.max_columns
        return self.error(
            "core.upload.too_many_columns",
            f"文件“{self.name}”第{number}行超过{n}列",
            f"Row {number} of the file '{self.name}' has more than {n} columns",
        )

    def _field_error(self, number: int, column: int) -> FieldError:
        n = self.limits.max_field
        where = f"{column_name(column)}列" if column else "某列"
        where_en = f"column {column_name(column)}" if column else "a column"
        return FieldError(
            f"column {column_name(column)}" if column else "row",
            "core.upload.field_too_long",
            f"第{number}行{where}的内容超过{n}个字符",
            f"Row {number}: {where_en} holds more than {n} characters",
            str(number),
        )

    def _checked(self, number: int, cells: list[Any], texts: bool) -> Row:
        """Trailing empty cells dropped; fields over the limit blanked and named."""
        while cells and (cells[-1] is None or cells[-1] == ""):
            cells.pop()
        if len(cells) > self.limits.max_columns:
            raise self._too_many_columns(number)
        errors: tuple[FieldError, ...] = ()
        limit = self.limits.max_field
        if texts:
            if cells and max(map(len, cells)) > limit:
                errors = tuple(self._field_error(number, i) for i, c in enumerate(cells, 1) if len(c) > limit)
                cells = ["" if len(c) > limit else c for c in cells]
        else:
            long = [i for i, c in enumerate(cells, 1) if isinstance(c, str) and len(c) > limit]
            if long:
                errors = tuple(self._field_error(number, i) for i in long)
                cells = ["" if i + 1 in long else c for i, c in enumerate(cells)]
        return Row(number, cells, errors)

    def rows(self) -> Iterator[Row]:
        """The non-empty rows in order; raises ValidationFailed past a limit or for unreadable content."""
        if self.kind == "xlsx":
            return self._xlsx_rows()
        return self._csv_rows()

    # --- XLSX -------------------------------------------------------------------------------------

    def _xlsx_rows(self) -> Iterator[Row]:
        workbook = self._source
        scan = min(2 * self.limits.max_rows + 1, XLSX_MAX_SHEET_ROWS)
        data_rows = 0
        try:
            # The sheet that was open when the file was saved, as Excel shows it (or, asked so, the
            # first); a chart sheet or a missing one: the first worksheet.
            sheet = workbook.active if self.sheet == "active" else None
            if not hasattr(sheet, "iter_rows"):
                sheet = workbook.worksheets[0] if workbook.worksheets else None
            if sheet is None:
                return
            # max_row bounds openpyxl's filling of missing rows; the sheet's declared dimension (say
            # A1:XFD1048576) is never read (see `_load_workbook`), so each row is as wide as its own
            # cells, and no wider than the column limit.
            sheet.column_limit = self.limits.max_columns  # see _load_workbook's Sheet._get_row
            for number, values in enumerate(sheet.iter_rows(values_only=True, max_row=scan + 1), start=1):
                if number > scan:
                    raise self._too_many_rows()
                if values.count(None) + values.count("") == len(values):  # blank (C-level counts)
                    continue
                data_rows += 1
                if data_rows > self.limits.max_rows + 1:  # the first is the header
                    raise self._too_many_rows()
                yield self._checked(number, list(values), texts=False)
        except ValidationFailed:
            raise
        except _TooWide as wide:
            raise self._too_many_columns(wide.row) from None
        except Exception as exc:  # openpyxl and zipfile raise many kinds for a damaged sheet
            raise self._unreadable_xlsx(exc) from exc

    def _unreadable_xlsx(self, exc: BaseException) -> ValidationFailed:
        return self.error(
            "core.upload.unreadable",
            f"文件“{self.name}”不是有效的XLSX工作簿",
            f"The file '{self.name}' is not a valid XLSX workbook ({exc.__class__.__name__})",
        )

    # --- CSV --------------------------------------------------------------------------------------

    def _csv_rows(self) -> Iterator[Row]:
        text: io.TextIOWrapper = self._source
        try:
            first = text.readline()
        except UnicodeDecodeError as exc:
            raise self._encoding_error(text.encoding, 1) from exc
        delimiter = "\t" if "\t" in first and "," not in first else ","
        reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
        scan = 2 * self.limits.max_rows + 1
        max_rows = self.limits.max_rows + 1  # the first is the header
        max_field = self.limits.max_field
        max_columns = self.limits.max_columns
        data_rows = 0
        number = 0
        new_row = tuple.__new__  # Row(...) without the NamedTuple constructor: this loop runs per row
        # One pass per row in C where it can be: millions of rows go through here (format import-v1).
        while True:
            try:
                for row in reader:
                    number += 1
                    if number > scan:
                        raise self._too_many_rows()
                    if not any(row):
                        continue
                    data_rows += 1
                    if data_rows > max_rows:
                        raise self._too_many_rows()
                    joined = "".join(row)
                    if "\x00" in joined:
                        raise self._nul()
                    if "'" in joined:
                        row = [unquote_csv(cell) if cell[:1] == "'" else cell for cell in row]
                    if not row[-1] or len(row) > max_columns or len(joined) > max_field:
                        yield self._checked(number, row, texts=True)  # the rare rows: trim and measure
                    else:
                        yield new_row(Row, (number, row, ()))
                return
            except csv.Error:
                # A field longer than CSV_FIELD_CEILING: csv drops the rest of that line and goes on
                # with the next one, so this is the row's error and the other rows are read on.
                number += 1
                if number > scan:
                    raise self._too_many_rows() from None
                data_rows += 1
                yield Row(number, [], (self._field_error(number, 0),))
            except UnicodeDecodeError as exc:
                raise self._encoding_error(text.encoding, number + 1) from exc

    def _encoding_error(self, encoding: str, number: int) -> ValidationFailed:
        tried = "UTF-8" if encoding.startswith("utf-8") else encoding.upper()
        return self.error(
            "core.upload.encoding",
            f"文件“{self.name}”第{number}行附近不是{tried}编码的文本（CSV应为UTF-8、GB18030或带BOM的UTF-16）",
            f"The file '{self.name}' is not {tried} text near row {number} "
            "(a CSV must be UTF-8, GB18030, or UTF-16 with a BOM)",
        )

    def _nul(self) -> ValidationFailed:
        # No database can store NUL; a UTF-16 file without a BOM is full of them.
        return self.error(
            "core.upload.encoding",
            f"文件“{self.name}”含有NUL字符，不是文本CSV（UTF-16文件须带BOM）",
            f"The file '{self.name}' holds NUL characters: not a text CSV (UTF-16 needs a BOM)",
        )


# --- opening ----------------------------------------------------------------------------------------


def _size(source: Any) -> int:
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    size = getattr(source, "size", None)
    if isinstance(size, int):
        return size
    position = source.tell()
    end = source.seek(0, io.SEEK_END)
    source.seek(position)
    return int(end - position)


def sniff(head: bytes) -> str:
    """ "zip", "ole" (an old .xls or an encrypted workbook) or "text", from the first bytes."""
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    return "text"


def _encoding(head: bytes) -> str:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    try:
        # A sniffed block may end inside a character: the incremental decoder waits for the rest.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < _SNIFF)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _stream(source: bytes | Path | IO[bytes], name: str, limits: Limits) -> IO[bytes]:
    """A seekable byte stream of the source, after the byte limit (UploadTooLarge, 413)."""
    if isinstance(source, Path):
        if source.stat().st_size > limits.max_bytes:
            raise UploadTooLarge(name, limits.max_bytes)
        return source.open("rb")
    if isinstance(source, bytes | bytearray | memoryview):
        if len(source) > limits.max_bytes:
            raise UploadTooLarge(name, limits.max_bytes)
        return io.BytesIO(bytes(source))
    if _size(source) > limits.max_bytes:
        raise UploadTooLarge(name, limits.max_bytes)
    return source


def open_table(
    source: bytes | Path | IO[bytes],
    name: str,
    limits: Limits,
    *,
    record: str | None = None,
    sheet: str = "active",
) -> Table:
    """Open an uploaded table (bytes, a path, or a seekable binary file such as an UploadedFile) for
    reading within `limits`. Raises UploadTooLarge (413) or ValidationFailed (400); `record` names the
    file in errors (default: its name); `sheet` is "active" (the one open when the file was saved) or
    "first"."""
    stream = _stream(source, name, limits)
    owned = stream if stream is not source else None
    try:
        probe = Table("", name, record or name, limits, None)
        kind, encoding = _kind(stream, probe)
        if kind == "xlsx":
            try:
                opened: Any = _load_workbook(stream)
            except Exception as exc:  # openpyxl raises many kinds for a broken or foreign file
                raise probe._unreadable_xlsx(exc) from exc
        else:
            opened = io.TextIOWrapper(stream, encoding=encoding, newline="")
    except BaseException:
        if owned is not None:
            owned.close()
        raise
    table = Table(kind, name, record or name, limits, opened, owned)
    table.sheet = sheet
    return table


def precheck(
    source: bytes | Path | IO[bytes], name: str, limits: Limits, *, record: str | None = None
) -> str:
    """The checks `open_table` makes before reading a row — bytes, type against name, encoding, the ZIP
    directory's unpacked size — without opening the workbook; returns "xlsx" or "csv". For an upload
    that a job reads later: refused at once, not when the job runs."""
    stream = _stream(source, name, limits)
    try:
        position = stream.tell()
        kind, _encoding_name = _kind(stream, Table("", name, record or name, limits, None))
        stream.seek(position)
        return kind
    finally:
        if stream is not source:
            stream.close()


def _kind(stream: IO[bytes], probe: Table) -> tuple[str, str]:
    """("xlsx", "") or ("csv", encoding) from the bytes, checked against the name's suffix; the stream
    is left at its start."""
    name = probe.name
    stream.seek(0)
    head = stream.read(_SNIFF)
    stream.seek(0)
    kind = sniff(head)
    suffix = Path(name).suffix.lower()
    if kind == "ole":
        raise probe.error(
            "core.upload.legacy_xls",
            f"文件“{name}”是旧版XLS或加密的工作簿，请另存为XLSX（不加密）或CSV",
            f"The file '{name}' is an old XLS or an encrypted workbook; save it as XLSX (unencrypted) or CSV",
        )
    if kind == "zip":
        if suffix == ".csv":
            raise probe.error(
                "core.upload.type_mismatch",
                f"文件“{name}”名为CSV，内容却是XLSX工作簿（或其他压缩文件）：请把文件名改为.xlsx或另存为CSV",
                f"The file '{name}' is named .csv but holds an XLSX workbook (or another ZIP); "
                "rename it .xlsx or save it as CSV",
            )
        _check_archive(stream, probe)
        stream.seek(0)
        return "xlsx", ""
    if suffix == ".xlsx":
        raise probe.error(
            "core.upload.type_mismatch",
            f"文件“{name}”名为XLSX，内容却不是XLSX工作簿",
            f"The file '{name}' is named .xlsx but is not an XLSX workbook",
        )
    encoding = _encoding(head)
    if encoding in ("utf-8", "utf-8-sig", "gb18030") and b"\x00" in head:
        raise probe._nul()
    return "csv", encoding


def _check_archive(stream: IO[bytes], probe: Table) -> None:
    """The ZIP directory, read before anything is unpacked: parts, unpacked size, a workbook's manifest."""
    limits, name = probe.limits, probe.name
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise probe._unreadable_xlsx(exc) from exc
    if len(members) > limits.max_members:
        raise probe.error(
            "core.upload.unpacked_too_large",
            f"文件“{name}”包含超过{limits.max_members}个部件，不是正常的工作簿",
            f"The file '{name}' holds more than {limits.max_members} parts; not a normal workbook",
        )
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_unpacked:
        raise probe.error(
            "core.upload.unpacked_too_large",
            f"文件“{name}”解压后为{size_text(unpacked)}，超过{size_text(limits.max_unpacked)}的上限",
            f"The file '{name}' unpacks to {size_text(unpacked)}, more than the limit of "
            f"{size_text(limits.max_unpacked)}",
        )
    if "[Content_Types].xml" not in {m.filename for m in members}:
        raise probe.error(
            "core.upload.not_workbook",
            f"文件“{name}”是压缩文件，但不是XLSX工作簿",
            f"The file '{name}' is a ZIP archive but not an XLSX workbook",
        )


# --- openpyxl without its whole-sheet scan and its padding -------------------------------------------
# A read-only worksheet looks for its <dimension> when the workbook is loaded, by parsing the sheet until
# the end of <sheetData> — that is, the whole sheet — when the element is missing (it is optional): two
# million rows cost 13 s before the first row was read. The rows are read here with an explicit max_row,
# so the dimension is never needed; the loader below is openpyxl's, with worksheets that skip that scan.
# Those worksheets also build each row only as wide as the column limit: openpyxl pads a row to its last
# cell, so one empty cell in column XFD costs a 16,384-cell row (20,000 such rows, a 1 MB sheet, took
# 6 s). A cell past the limit that holds something is `_TooWide` (the reader's too_many_columns).


class _TooWide(Exception):
    def __init__(self, row: int) -> None:
        super().__init__(row)
        self.row = row


def _load_workbook(stream: IO[bytes]) -> Any:
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class Sheet(ReadOnlyWorksheet):
        column_limit: int | None = None

        def _get_size(self) -> None:
            return None  # min/max stay at the class defaults (1, 1, None, None)

        def _get_row(
            self, row: Any, min_col: int = 1, max_col: int | None = None, values_only: bool = False
        ) -> Any:
            limit = self.column_limit
            if limit is not None and row:
                last = max(map(_COLUMN, row))  # cells may come in any order
                if last > limit:
                    if any(c["value"] not in (None, "") for c in row if c["column"] > limit):
                        raise _TooWide(int(row[0]["row"]))
                    last = limit
                max_col = last if max_col is None else min(max_col, last)
            return super()._get_row(row, min_col, max_col, values_only)  # type: ignore[misc]

    class Reader(ExcelReader):
        def read_worksheets(self) -> None:
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    self.read_chartsheet(sheet, rel)  # type: ignore[arg-type]  # as openpyxl calls it
                    continue
                workbook: Any = self.wb
                worksheet = Sheet(workbook, sheet.name, rel.target, self.shared_strings)
                worksheet.sheet_state = sheet.state or "visible"
                workbook._sheets.append(worksheet)

    reader = Reader(stream, read_only=True, data_only=True)
    reader.read()
    return reader.wb
