"""Public upload check of e-certificate files through HTTP with real files (R2.1: a re-saved or
converted copy is not the original and has no effect; R2.6: OFD; R2.9: a reissued certificate's earlier
file is superseded)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from skillcert.certificates.models import Certificate
from skillcert.certificates.services.lifecycle import reissue
from skillcert.esign.services import documents
from skillcert.holders.tests.test_holders import certs as certs  # the fixture

pytestmark = pytest.mark.django_db
API = "/api/v1/verify/file/"


@pytest.fixture(autouse=True)
def _setup(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def originals(certs: list[Certificate]) -> dict[str, bytes]:
    docs = documents.ensure_documents(certs[0])
    return {kind: documents.read_document(doc) for kind, doc in docs.items()}


def _post(client: Any, data: bytes, name: str = "cert.bin") -> Any:
    return client.post(API, {"file": SimpleUploadedFile(name, data)}, format="multipart")


def test_r2_1_originals_are_valid_and_original(client: Any, originals: dict[str, bytes]) -> None:
    for kind, data in originals.items():
        r = _post(client, data, f"x.{kind}")
        body = r.json()
        assert r.status_code == 200, body
        assert (body["status"], body["original"], body["originality"], body["format"]) == (
            "valid",
            True,
            "original",
            kind,
        )


def test_r2_1_resaved_copies_are_not_the_original(client: Any, originals: dict[str, bytes]) -> None:
    """Signed data intact, bytes different: said plainly, never valid."""
    pdf_copy = originals["pdf"] + b"% re-saved by some editor\n"
    src = zipfile.ZipFile(io.BytesIO(originals["ofd"]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:  # the same files, repacked
        for info in src.infolist():
            out.writestr(info.filename, src.read(info))
    for data in (pdf_copy, buf.getvalue()):
        body = _post(client, data).json()
        assert body["signature"]["status"] == "valid"
        assert (body["status"], body["reason"], body["original"]) == (
            "invalid",
            "esign.file.not_original",
            False,
        )
        assert "不是原件" in body["message"]["zh"] and "not the original" in body["message"]["en"]


def test_tampered_unknown_and_oversized(client: Any, originals: dict[str, bytes], settings: Any) -> None:
    bad = bytearray(originals["ofd"])
    bad[len(bad) // 2] ^= 0x01
    body = _post(client, bytes(bad)).json()
    assert (body["status"], body["originality"]) == ("invalid", "not_verified")
    png = io.BytesIO()
    Image.new("RGB", (10, 10)).save(png, format="PNG")
    r = _post(client, png.getvalue(), "cert.pdf")  # the name does not matter, the content does
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "esign.file.unsupported"
    r = _post(client, b"%PDF-" + b"0" * (5 * 1024 * 1024))  # refused unread, as every upload (issue 13)
    assert r.status_code == 413 and r.json()["errors"][0]["code"] == "core.upload.too_large"
    assert client.post(API, {}, format="multipart").status_code == 400


def test_rate_limited_like_the_lookup(client: Any, originals: dict[str, bytes], settings: Any) -> None:
    settings.VERIFY_RATE_PER_MINUTE = 2
    assert _post(client, originals["pdf"]).status_code == 200
    assert _post(client, originals["pdf"]).status_code == 200
    r = _post(client, originals["pdf"])
    assert r.status_code == 429 and int(r["Retry-After"]) >= 1


def test_r2_9_superseded_after_reissue(
    client: Any, certs: list[Certificate], originals: dict[str, bytes], demo: dict[str, Any]
) -> None:
    reissue(certs[0], actor=demo["users"]["nj_admin"], reason="遗失")
    documents.ensure_documents(certs[0])
    body = _post(client, originals["ofd"]).json()
    assert (body["original"], body["originality"]) == (True, "superseded")


def test_html_page(client: Any, originals: dict[str, bytes]) -> None:
    assert "/verify/file/" in client.get("/verify/").content.decode()
    page = client.get("/verify/file/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    r = client.post("/verify/file/", {"file": SimpleUploadedFile("c.ofd", originals["ofd"])})
    html = r.content.decode()
    assert r.status_code == 200 and 'data-status="valid"' in html and 'data-originality="original"' in html
    copy = client.post("/verify/file/", {"file": SimpleUploadedFile("c.pdf", originals["pdf"] + b"\n")})
    assert 'data-originality="not_original"' in copy.content.decode() and "不是原件" in copy.content.decode()
    r = client.post("/verify/file/", {"file": SimpleUploadedFile("c.txt", b"hello")})
    assert r.status_code == 400 and "esign.file.unsupported" in r.content.decode()


def test_x7_every_upload_check_is_logged_like_a_lookup(
    client: Any, certs: list[Certificate], originals: dict[str, bytes], settings: Any
) -> None:
    """One LookupLog row per check, whatever the outcome: method `file`, the result and reason, the
    number's first 6 characters only, the client's network only."""
    from skillcert.verification.models import LookupLog

    settings.VERIFY_RATE_PER_MINUTE = 4
    _post(client, originals["pdf"], "x.pdf")
    _post(client, originals["ofd"] + b"", "x.ofd")
    _post(client, originals["pdf"] + b"% re-saved\n")
    _post(client, b"GIF89a not a certificate")
    client.post("/verify/file/", {"file": SimpleUploadedFile("c.ofd", originals["ofd"])})  # over the limit
    rows = list(LookupLog.objects.order_by("id").values_list("channel", "method", "result", "reason"))
    assert rows == [
        ("api", "file", "valid", ""),
        ("api", "file", "valid", ""),
        ("api", "file", "invalid", "esign.file.not_original"),
        ("api", "file", "rejected", "esign.file.unsupported"),
        ("web", "file", "rate_limited", "verification.rate_limited"),
    ]
    prefixes = list(LookupLog.objects.order_by("id").values_list("number_prefix", flat=True))
    assert prefixes[:3] == [certs[0].number[:6]] * 3 and prefixes[3:] == ["", ""]
    assert set(LookupLog.objects.values_list("client_network", flat=True)) == {"127.0.0.0/24"}
