"""The bounded reader of uploaded tables (core/tabular.py; issue 13 items 4 and 10; X5, X6), through
its interface: `open_table(...).rows()` on real files in every encoding and shape it promises to read,
and on the hostile ones it promises to refuse."""

from __future__ import annotations

import codecs
import io
import time
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook
from tests import crafted

from skillcert.core.errors import ValidationFailed
from skillcert.core.tabular import CSV_FIELD_CEILING, Limits, open_table, precheck
from skillcert.core.uploads import UploadTooLarge

LIMITS = Limits(max_bytes=10 << 20, max_rows=100, max_columns=10, max_field=50, max_unpacked=5 << 20)


def rows(content: bytes, name: str, limits: Limits = LIMITS) -> list[tuple[int, list[Any], list[str]]]:
    with open_table(content, name, limits) as table:
        return [(r.number, r.cells, [e.code for e in r.errors]) for r in table.rows()]


def refused(content: bytes, name: str, limits: Limits = LIMITS) -> str:
    with pytest.raises(ValidationFailed) as caught:
        rows(content, name, limits)
    return caught.value.code


def xlsx(table: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet: Any = book.active
    for line in table:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TEXT = "姓名,证件号码\n张三,110101199003070011\n\n李四,'=1+1\n"


@pytest.mark.parametrize(
    "encoded",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("gb18030"),
        TEXT.encode("utf-16"),  # with its BOM
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.replace(",", "\t").encode("utf-16"),  # Excel's "Unicode text"
        TEXT.encode("utf-32"),
    ],
)
def test_csv_in_every_encoding_excel_writes_reads_the_same_rows(encoded: bytes) -> None:
    """Numbers as the sheet shows them (the blank line keeps its number), and our own export's quote
    before a formula-like text is taken off again (core/cellsafe.py)."""
    assert rows(encoded, "roster.csv") == [
        (1, ["姓名", "证件号码"], []),
        (2, ["张三", "110101199003070011"], []),
        (4, ["李四", "=1+1"], []),
    ]


def test_xlsx_rows_keep_their_types_and_sheet_numbers() -> None:
    content = xlsx([["姓名", "分数"], ["张三", -5], [None, None], ["李四", 88.5], [None, None, None]])
    assert rows(content, "scores.xlsx") == [
        (1, ["姓名", "分数"], []),
        (2, ["张三", -5], []),
        (4, ["李四", 88.5], []),
    ]


def test_field_longer_than_the_limit_is_its_rows_error_and_reading_goes_on() -> None:
    long = "长" * 51
    got = rows(f"a,b\n1,{long}\n2,ok\n".encode(), "t.csv")
    assert got[1] == (2, ["1", ""], ["core.upload.field_too_long"])
    assert got[2] == (3, ["2", "ok"], [])
    got = rows(xlsx([["a", "b"], [1, long], [2, "ok"]]), "t.xlsx")
    assert got[1] == (2, [1, ""], ["core.upload.field_too_long"]) and got[2][2] == []


def test_field_past_csvs_own_limit_is_a_row_error_not_csv_error() -> None:
    """csv raises _csv.Error past its field limit (131,072 characters by default); the reader makes it
    the row's error and reads the next line."""
    limits = Limits(max_bytes=10 << 20, max_rows=10, max_columns=10, max_field=50, max_unpacked=1 << 20)
    content = b"a,b\n1," + b"x" * (CSV_FIELD_CEILING + 10) + b"\n2,ok\n"
    got = rows(content, "t.csv", limits)
    assert got[1][0] == 2 and got[1][2] == ["core.upload.field_too_long"]
    assert got[2] == (3, ["2", "ok"], [])


def test_rows_columns_and_bytes_past_their_limits() -> None:
    many = "a\n" + "1\n" * 101
    assert refused(many.encode(), "t.csv") == "core.upload.too_many_rows"
    assert rows(("a\n" + "1\n" * 100).encode(), "t.csv")[-1][0] == 101  # exactly the limit: read
    blank = "a\n" + "\n" * 300 + "1\n"  # blank rows are skipped, but not free: 2 × 100 + 1 at most
    assert refused(blank.encode(), "t.csv") == "core.upload.too_many_rows"
    wide = ",".join(["x"] * 11)
    assert refused(f"{wide}\n".encode(), "t.csv") == "core.upload.too_many_columns"
    assert refused(xlsx([["x"] * 11]), "t.xlsx") == "core.upload.too_many_columns"
    with pytest.raises(UploadTooLarge) as caught:
        rows(b"a" * (LIMITS.max_bytes + 1), "t.csv")
    assert caught.value.status == 413 and "10 MB" in caught.value.message_en


def test_sheet_dimension_is_not_trusted() -> None:
    """A sheet claiming A1:XFD1048576 (and openpyxl would fill every row and cell of it) is read as the
    rows it holds."""
    content = crafted.workbook(
        [crafted.header_row(["a", "b"]), b'<row r="2"><c r="A2"><v>7</v></c></row>'],
    ).replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>')
    started = time.perf_counter()
    assert rows(content, "t.xlsx") == [(1, ["a", "b"], []), (2, [7], [])]
    assert time.perf_counter() - started < 1


def test_type_comes_from_the_bytes_and_must_match_the_name() -> None:
    workbook = xlsx([["a"], [1]])
    assert refused(workbook, "t.csv") == "core.upload.type_mismatch"
    assert refused(b"a,b\n", "t.xlsx") == "core.upload.type_mismatch"
    assert rows(workbook, "upload")[0][1] == ["a"]  # no suffix: by content
    assert refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "t.xls") == "core.upload.legacy_xls"
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert refused(other_zip.getvalue(), "t.xlsx") == "core.upload.not_workbook"
    assert refused(workbook[:300], "t.xlsx") == "core.upload.unreadable"
    assert precheck(workbook, "t.xlsx", LIMITS) == "xlsx" and precheck(b"a\n", "t.csv", LIMITS) == "csv"


def test_text_that_is_not_text_is_refused() -> None:
    assert refused("a,b\n".encode("utf-16-le"), "t.csv") == "core.upload.encoding"  # no BOM: NULs
    assert refused(b"a,b\n\x80\xff\x80\xff\n", "t.csv") == "core.upload.encoding"
    assert refused(b"a,b\n1,x\x00y\n", "t.csv") == "core.upload.encoding"


def test_zip_bomb_and_entity_bomb_are_refused_quickly() -> None:
    bomb = crafted.zip_bomb_xlsx(["a"], 8 << 20)
    assert len(bomb) < 100_000
    assert refused(bomb, "t.xlsx") == "core.upload.unpacked_too_large"
    # "billion laughs": nine levels of entities, each ten of the one below, in the shared strings
    levels = b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10) for i in range(9)
    )
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lololololol">' + levels + b"]>"
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1">'
        b"<si><t>&lol8;</t></si></sst>"
    )
    entities = crafted.workbook([crafted.header_row(["a"])], extra={"xl/sharedStrings.xml": lol})
    started = time.perf_counter()
    assert refused(entities, "t.xlsx") in {"core.upload.unreadable", "core.upload.unpacked_too_large"}
    assert time.perf_counter() - started < 2


def test_caller_file_is_left_open() -> None:
    """An UploadedFile handed in is read, not closed (the request closes it)."""
    stream = io.BytesIO(TEXT.encode())
    with open_table(stream, "t.csv", LIMITS) as table:
        assert len(list(table.rows())) == 3
    assert not stream.closed


def test_rows_as_wide_as_the_format_allows_cost_no_more_than_narrow_ones() -> None:
    """A cell in the last column (XFD, 16,384) made openpyxl build a 16,384-cell row; 20,000 of them (a
    1 MB sheet) took 6 s. Rows are built no wider than the column limit; a filled cell past it is an
    error, never dropped."""
    limits = Limits(max_bytes=10 << 20, max_rows=50_000, max_columns=10, max_field=50, max_unpacked=50 << 20)
    cell = b'<row r="%d"><c r="XFD%d" t="inlineStr"><is><t></t></is></c></row>'
    wide = (cell % (i, i) for i in range(2, 20_002))
    content = crafted.workbook([crafted.header_row(["a", "b"]), *wide])
    started = time.perf_counter()
    assert rows(content, "t.xlsx", limits) == [(1, ["a", "b"], [])]
    seconds = time.perf_counter() - started
    print(f"20,000 rows 16,384 cells wide read in {seconds:.2f} s")
    assert seconds < 3
    filled = crafted.workbook([crafted.header_row(["a"]), b'<row r="2"><c r="XFD2"><v>1</v></c></row>'])
    assert refused(filled, "t.xlsx", limits) == "core.upload.too_many_columns"
