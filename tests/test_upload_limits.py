"""Uploads cannot tie up the server, and malformed tables answer a clear 400, never 500 (issue 13 items 4
and 10; X5, X6): every table upload — roster and scores on the session page and the API, certificate
imports on the exchange page and the API — goes through the bounded reader (core/tabular.py) behind the
byte limits of core/uploads.py. Each test goes through the real HTTP endpoints."""

from __future__ import annotations

import codecs
import io
import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from skillcert.appraisal.tests.test_views import ROSTER_HEADER, TURNER, approved_session, resident_id
from tests import crafted

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet: Any = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


def _roster_rows(n: int, start: int = 10) -> list[list[str]]:
    names = "甲乙丙丁戊己庚辛壬癸"
    return [[f"学员{names[i]}", resident_id(start + i), "高中", "", TURNER, "四级", "工厂"] for i in range(n)]


def _problem(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/problem+json"), response.content[:300]
    return response.json()


def _api_roster(api: Any, session: Any, name: str, content: bytes, **extra: Any) -> Any:
    return api("nj003").post(
        f"/api/v1/sessions/{session.pk}/import-roster/",
        {"file": SimpleUploadedFile(name, content), **extra},
        format="multipart",
    )


def _page_roster(login: Any, session: Any, name: str, content: bytes) -> Any:
    return login("nj003").post(
        reverse("appraisal:enrol_import", args=[session.pk]), {"file": SimpleUploadedFile(name, content)}
    )


def _timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


# --- item 4: rows, bytes, unpacked size ----------------------------------------------------------------


def test_x6_two_million_row_xlsx_roster_is_refused_within_a_second_on_page_and_api(
    api: Any, login: Any, demo: dict[str, Any]
) -> None:
    """The reviewer's 2M-row XLSX kept a thread busy for 158 s and grew memory to 567 MB; now reading
    stops at the first row past SKILLCERT_UPLOAD_MAX_ROWS (10,000)."""
    session = approved_session(demo)
    content = crafted.many_rows_xlsx(ROSTER_HEADER, 2_000_000)
    assert len(content) < 10 * MB  # small on disk: only the row limit can stop it
    response, seconds = _timed(lambda: _api_roster(api, session, "roster.xlsx", content))
    print(f"API: 2,000,000-row XLSX ({len(content) / MB:.1f} MB) refused in {seconds:.2f} s")
    assert response.status_code == 400
    problem = _problem(response)
    assert problem["code"] == "core.upload.too_many_rows"
    assert "超过10000行" in problem["message"]["zh"] and "more than 10000 rows" in problem["message"]["en"]
    assert seconds < 3

    page, seconds = _timed(lambda: _page_roster(login, session, "roster.xlsx", content))
    print(f"page: 2,000,000-row XLSX refused in {seconds:.2f} s")
    assert page.status_code == 400 and "超过10000行" in page.content.decode()
    assert seconds < 3
    assert session.enrolments.count() == 0


def test_x6_a_million_blank_rows_do_not_keep_the_reader_busy(api: Any, demo: dict[str, Any]) -> None:
    """Blank <row> elements cost openpyxl a parse each (~7 µs): a file of a million of them is refused
    after 2 × max_rows + 1 rows instead of being read to its end."""
    session = approved_session(demo)
    content = crafted.blank_rows_xlsx(ROSTER_HEADER, 1_000_000)
    response, seconds = _timed(lambda: _api_roster(api, session, "roster.xlsx", content))
    print(f"1,000,000 blank rows refused in {seconds:.2f} s")
    assert response.status_code == 400 and _problem(response)["code"] == "core.upload.too_many_rows"
    assert seconds < 3


def test_x6_fifty_megabyte_csv_roster_is_refused_413_before_it_is_read(
    api: Any, login: Any, demo: dict[str, Any]
) -> None:
    """The API roster upload had no size limit (a 50 MB CSV was accepted). The API answers 413 from the
    Content-Length, before the body is read; the page throws the file's bytes away as they arrive and
    names the file and the limit on the form."""
    session = approved_session(demo)
    content = _csv(ROSTER_HEADER, _roster_rows(2)).encode() + b"#" * (50 * MB)
    response, seconds = _timed(lambda: _api_roster(api, session, "roster.csv", content))
    print(f"API: 50 MB CSV refused in {seconds:.2f} s")
    assert response.status_code == 413
    problem = _problem(response)
    assert problem["code"] == "core.upload.too_large"
    assert "10 MB" in problem["message"]["zh"] and "limit of 10 MB" in problem["message"]["en"]

    page = _page_roster(login, session, "big-roster.csv", content)
    assert page.status_code == 413
    text = page.content.decode()
    assert "big-roster.csv" in text and "10 MB" in text
    assert session.enrolments.count() == 0


def test_x6_score_table_api_has_the_same_byte_limit(api: Any, demo: dict[str, Any]) -> None:
    session = approved_session(demo)
    response = api("nj003").post(
        f"/api/v1/sessions/{session.pk}/import-scores/",
        {"file": SimpleUploadedFile("scores.csv", b"x" * (11 * MB))},
        format="multipart",
    )
    assert response.status_code == 413 and _problem(response)["code"] == "core.upload.too_large"


def test_x6_zip_bomb_xlsx_is_refused_from_its_directory(api: Any, login: Any, demo: dict[str, Any]) -> None:
    """A few hundred kilobytes that unpack to 150 MB (over SKILLCERT_UPLOAD_MAX_UNPACKED, 100 MB) are
    refused from the ZIP directory, before openpyxl unpacks anything."""
    session = approved_session(demo)
    content = crafted.zip_bomb_xlsx(ROSTER_HEADER, 150 * MB)
    assert len(content) < MB
    response, seconds = _timed(lambda: _api_roster(api, session, "roster.xlsx", content))
    print(f"zip bomb ({len(content) // 1024} KB → 150 MB) refused in {seconds:.2f} s")
    assert response.status_code == 400
    problem = _problem(response)
    assert problem["code"] == "core.upload.unpacked_too_large"
    assert "unpacks to 150" in problem["message"]["en"] and "limit of 100 MB" in problem["message"]["en"]
    assert seconds < 1
    page = _page_roster(login, session, "roster.xlsx", content)
    assert page.status_code == 400 and "解压后为150" in page.content.decode()


# --- item 10: inputs that answered 500 ------------------------------------------------------------------


def test_x6_utf16_csv_roster_is_read_and_utf16_without_bom_is_a_clear_error(
    api: Any, demo: dict[str, Any]
) -> None:
    """A UTF-16 CSV raised UnicodeDecodeError (500). With its BOM (what Excel writes) it is read — as
    Excel's "Unicode text" it may be tab-separated; without one it is a clear 400."""
    session = approved_session(demo)
    text = _csv(ROSTER_HEADER, _roster_rows(2))
    response = _api_roster(api, session, "roster.csv", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert response.status_code == 200, response.content[:400]
    assert response.json()["imported"] == 2
    tabbed = text.replace(",", "\t")
    response = _api_roster(api, session, "roster.csv", tabbed.replace("学员", "员工").encode("utf-16"))
    assert response.status_code == 400  # read, so the rows are checked: the same people again
    assert {e["code"] for e in response.json()["errors"]} == {"appraisal.enrolment.duplicate"}

    response = _api_roster(api, session, "roster.csv", text.encode("utf-16-le"))
    assert response.status_code == 400
    problem = _problem(response)
    assert problem["code"] == "core.upload.encoding"
    assert "NUL" in problem["message"]["en"] and "BOM" in problem["message"]["en"]


def test_x6_csv_field_over_131072_characters_is_a_row_error(api: Any, demo: dict[str, Any]) -> None:
    """csv's field limit raised _csv.Error (500). A field longer than SKILLCERT_UPLOAD_MAX_FIELD (32,767,
    Excel's cell limit) is the error of its row, naming row and column; the other rows are read on and,
    when asked, imported."""
    session = approved_session(demo)
    rows = _roster_rows(3)
    rows[1][6] = "厂" * 200_000  # 工作单位, column G
    content = _csv(ROSTER_HEADER, rows).encode()
    response = _api_roster(api, session, "roster.csv", content)
    assert response.status_code == 400
    problem = _problem(response)
    errors = [e for e in problem["errors"] if e["code"] == "core.upload.field_too_long"]
    assert len(errors) == 1 and errors[0]["record"] == "第3行 row 3"
    assert "G列" in errors[0]["message_zh"] and "32767" in errors[0]["message_en"]
    partial = _api_roster(api, session, "roster.csv", content, accept_valid_rows=True)
    assert partial.status_code == 200 and partial.json()["imported"] == 2


def test_x6_xlsx_bytes_named_csv_and_csv_named_xlsx_are_named_as_such(
    api: Any, login: Any, demo: dict[str, Any]
) -> None:
    session = approved_session(demo)
    workbook = _xlsx(ROSTER_HEADER, _roster_rows(1))
    response = _api_roster(api, session, "roster.csv", workbook)
    assert response.status_code == 400
    problem = _problem(response)
    assert problem["code"] == "core.upload.type_mismatch"
    assert "XLSX" in problem["message"]["zh"] and "named .csv" in problem["message"]["en"]
    response = _api_roster(api, session, "roster.xlsx", _csv(ROSTER_HEADER, _roster_rows(1)).encode())
    assert response.status_code == 400 and _problem(response)["code"] == "core.upload.type_mismatch"
    page = _page_roster(login, session, "roster.csv", workbook)
    assert page.status_code == 400 and "内容却是XLSX工作簿" in page.content.decode()
    legacy = _api_roster(api, session, "roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert legacy.status_code == 400
    assert _problem(legacy)["code"] in {"appraisal.import.type", "core.upload.legacy_xls"}
    assert session.enrolments.count() == 0


def test_x6_damaged_xlsx_and_binary_junk_answer_400(api: Any, demo: dict[str, Any]) -> None:
    session = approved_session(demo)
    workbook = _xlsx(ROSTER_HEADER, _roster_rows(2))
    for content in (workbook[: len(workbook) // 2], b"PK\x03\x04" + b"\xff" * 300, bytes(range(256)) * 40):
        response = _api_roster(api, session, "roster.xlsx", content)
        assert response.status_code == 400, content[:8]
        assert _problem(response)["code"] in {"core.upload.unreadable", "core.upload.type_mismatch"}
    junk = _api_roster(api, session, "roster.csv", bytes(range(128, 256)) * 40)
    assert junk.status_code == 400, junk.content[:300]


# --- certificate imports (exchange): page and API -------------------------------------------------------


def test_x6_certificate_import_refuses_oversize_mismatched_and_bomb_files_at_upload(
    api: Any, login: Any, demo: dict[str, Any], settings: Any
) -> None:
    """The import job reads up to SKILLCERT_IMPORT_MAX_BYTES (512 MB by default; 1 MB here); the upload
    is refused at once, before a job starts: 413 for its size, 400 for a workbook named .csv or a ZIP
    bomb."""
    from skillcert.jobs.models import Job

    settings.SKILLCERT_IMPORT_MAX_BYTES = MB
    client = api("nj_admin")
    big = client.post(
        "/api/v1/exchange/imports/",
        {"file": SimpleUploadedFile("certs.csv", b"a," * MB)},
        format="multipart",
    )
    assert big.status_code == 413 and _problem(big)["code"] == "core.upload.too_large"
    mismatch = client.post(
        "/api/v1/exchange/imports/",
        {"file": SimpleUploadedFile("certs.csv", _xlsx(["certificate_number"], [["1"]]))},
        format="multipart",
    )
    assert mismatch.status_code == 400 and _problem(mismatch)["code"] == "core.upload.type_mismatch"
    settings.SKILLCERT_IMPORT_MAX_UNPACKED = 10 * MB
    bomb = client.post(
        "/api/v1/exchange/imports/",
        {"file": SimpleUploadedFile("certs.xlsx", crafted.zip_bomb_xlsx(["certificate_number"], 20 * MB))},
        format="multipart",
    )
    assert bomb.status_code == 400 and _problem(bomb)["code"] == "core.upload.unpacked_too_large"
    page = login("nj_admin").post(
        reverse("exchange:import"),
        {"organisation": "JS-NJ", "file": SimpleUploadedFile("big.csv", b"a," * MB)},
    )
    assert page.status_code == 413 and "big.csv" in page.content.decode()
    assert not Job.objects.filter(kind="exchange.import_certificates").exists()
