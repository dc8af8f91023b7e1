"""The same class of hole as issue 13 items 4 and 10, found elsewhere: every other place that parses
uploaded content has a byte limit checked before reading and answers hostile input quickly, never with
500. The public e-certificate file check (`/verify/file/`, anonymous) had two: its PDF object scan was
quadratic (a lazy regex rescanning to the end of the file from every "N 0 obj" without an "endobj":
160 KB took 20 s, the allowed 5 MB hours) and it inflated embedded streams without a bound (5 MB of
deflated zeros is 5 GB)."""

from __future__ import annotations

import time
import tracemalloc
import zlib
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from skillcert.appraisal.tests.test_views import approved_session, resident_id

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
VERIFY_FILE = "/api/v1/verify/file/"


@pytest.fixture(autouse=True)
def _setup(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    settings.VERIFY_RATE_PER_MINUTE = settings.VERIFY_RATE_PER_DAY = 1000
    cache.clear()
    yield
    cache.clear()


def _verify_file(api: Any, content: bytes) -> tuple[Any, float]:
    started = time.perf_counter()
    upload = SimpleUploadedFile("cert.pdf", content)
    response = api(None).post(VERIFY_FILE, {"file": upload}, format="multipart")
    return response, time.perf_counter() - started


def _bomb_pdf(inflated: int) -> bytes:
    """An e-certificate-shaped PDF whose embedded data file inflates to `inflated` bytes."""
    stream = zlib.compress(bytes(inflated), 9)
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Filespec /F (certificate-data.json) /EF << /F 2 0 R >> >> endobj\n"
        + b"2 0 obj << /Length "
        + str(len(stream)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + stream
        + b"\nendstream\nendobj\n%%EOF\n"
    )


def test_r2_1_pdf_object_scan_is_linear_on_the_public_file_check(api: Any) -> None:
    """400 KB of object headers without an end took about two minutes before; 4.8 MB (under the 5 MB
    limit) now takes milliseconds — the verdict is the same: not a valid e-certificate."""
    for repeats in (50_000, 600_000):
        content = b"%PDF-1.4\n" + b"1 0 obj " * repeats
        response, seconds = _verify_file(api, content)
        print(f"{len(content) / MB:.1f} MB of object headers checked in {seconds:.2f} s")
        assert response.status_code == 200
        assert response.json()["status"] == "invalid"
        assert seconds < 3


def test_r2_1_deflate_bomb_in_a_pdf_is_not_inflated(api: Any) -> None:
    """A 200 KB PDF whose embedded file inflates to 200 MB: the check inflates at most 1 MB of it."""
    from skillcert.esign.services import filecheck

    content = _bomb_pdf(200 * MB)
    assert len(content) < 300_000
    tracemalloc.start()
    try:
        result = filecheck.check_file(content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"deflate bomb checked with a peak of {peak / MB:.1f} MB")
    assert result.status == "invalid"
    assert peak < 30 * MB
    response, seconds = _verify_file(api, content)
    assert response.status_code == 200 and response.json()["status"] == "invalid" and seconds < 3


def test_r2_1_oversized_file_check_is_413_on_page_and_api(api: Any, client: Any) -> None:
    response, _ = _verify_file(api, b"%PDF-" + b"0" * (6 * MB))
    assert response.status_code == 413 and response.json()["code"] == "core.upload.too_large"
    assert "5 MB" in response.json()["message"]["en"]
    page = client.post("/verify/file/", {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (6 * MB))})
    assert page.status_code == 413 and "big.pdf" in page.content.decode()


def test_r4_4_paper_upload_api_refuses_oversize_before_reading(api: Any, demo: dict[str, Any]) -> None:
    response = api("nj003").post(
        "/api/v1/paper-sets/",
        {
            "organisation": demo["orgs"]["ST-10012003"].pk,
            "occupation": "6-18-01-01",
            "level": 4,
            "label": "A卷",
            "file": SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * (21 * MB)),
        },
        format="multipart",
    )
    assert response.status_code == 413 and response.json()["code"] == "core.upload.too_large"


def test_r0_3_oversized_photo_on_the_manual_enrolment_page_is_413_with_the_form_error(
    login: Any, demo: dict[str, Any]
) -> None:
    session = approved_session(demo)
    response = login("nj003").post(
        reverse("appraisal:enrol_manual", args=[session.pk]),
        {
            "subject": session.subjects.get(level_id=4).pk,
            "name": "王五",
            "document_type": "resident_id",
            "document_number": resident_id(77),
            "photo": SimpleUploadedFile("big-photo.jpg", b"\xff\xd8\xff" + b"0" * (3 * MB)),
        },
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "big-photo.jpg" in page and "2 MB" in page
    assert session.enrolments.count() == 0


def test_x6_views_that_expect_no_file_refuse_a_large_one_unread(api: Any, login: Any) -> None:
    """A view that declares no upload limit takes files of SKILLCERT_UPLOAD_DEFAULT_MAX_BYTES (20 MB) in
    a body of SKILLCERT_REQUEST_MAX_BYTES (64 MB): the API answers 413 before reading; a page drops the
    file's bytes and answers as without the file."""
    big = SimpleUploadedFile("junk.bin", b"0" * (25 * MB))
    response = api("nj003").post("/api/v1/people/", {"name": "王五", "junk": big}, format="multipart")
    assert response.status_code == 413 and response.json()["code"] == "core.upload.too_large"
    assert "20 MB" in response.json()["message"]["en"]
    junk = SimpleUploadedFile("j", b"0" * (25 * MB))
    page = login("nj003").post("/manage/people/new/", {"name": "王五", "junk": junk})
    assert page.status_code in (200, 400)  # the form again, never a 500
