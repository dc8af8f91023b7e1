"""Public verification: page, JSON API, QR landing, rate limit and lookup log (issue 5 item 5).

R2.3 (open verification service, QR + seal), R3.1 (free public query), X7 (ID numbers masked in public
views; verification cannot be used to enumerate holders); design.md rules 9 (three answers) and 10."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from skillcert.appraisal.tests.test_flow import TURNER
from skillcert.certificates.models import Certificate
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.services.lifecycle import reissue, revoke
from skillcert.certificates.tests.test_issue import finished_session
from skillcert.esign import qr
from skillcert.esign.models import IssuerKey
from skillcert.esign.services.keys import create_key, private_key
from skillcert.publication.testing import publish
from skillcert.verification import services
from skillcert.verification.models import LookupLog
from skillcert.verification.services import public_mask

pytestmark = pytest.mark.django_db

URL = "/api/v1/verify/"


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certs(demo: dict[str, Any]) -> list[Certificate]:
    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=3)
    issued = issue_certificates(session, actor=demo["users"]["nj_admin"])
    publish(*issued)  # R3.8: only published certificates answer the public
    return list(Certificate.objects.filter(pk__in=[c.pk for c in issued]).select_related("person"))


def post(body: dict[str, Any], addr: str = "203.0.113.7") -> Any:
    return APIClient().post(URL, body, format="json", REMOTE_ADDR=addr)


def full_id(cert: Certificate) -> str:
    return str(cert.person.document_number())


# --- number + name, ID + name (R3.1) ---------------------------------------------------------------


def test_r3_1_valid_by_number_and_name(certs: list[Certificate]) -> None:
    cert = certs[0]
    response = post({"method": "number", "number": cert.number, "name": cert.data["name"]})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid" and body["reason"] is None
    assert body["certificate"]["number"] == cert.number
    # the public mask: first 3 and the check character only (issue 13 item 2)
    assert body["certificate"]["id_number_masked"] == public_mask(cert.data["id_number_masked"])
    assert body["certificate"]["id_number_masked"].count("*") == 14
    # normalisation: spaces/hyphens/full-width in the number, spaces around the name
    spaced = " ".join(cert.number[i : i + 4] for i in range(0, len(cert.number), 4))
    again = post({"method": "number", "number": spaced, "name": f"  {cert.data['name']} "}).json()
    assert again["status"] == "valid"


def test_r3_1_valid_by_id_and_name(certs: list[Certificate]) -> None:
    cert = certs[1]
    body = post({"method": "id", "id_number": full_id(cert), "name": cert.data["name"]}).json()
    assert body["status"] == "valid"
    assert body["certificate"]["number"] == cert.number
    assert body["certificate"]["photo"] is None  # no photo without the number (X7)


def test_x7_not_found_answers_are_byte_identical(certs: list[Certificate]) -> None:
    cert = certs[0]
    wrong_name = post({"method": "number", "number": cert.number, "name": "王五"})
    unknown = post({"method": "number", "number": "2610012003499999", "name": cert.data["name"]})
    other_holder = post({"method": "number", "number": cert.number, "name": certs[1].data["name"]})
    assert wrong_name.status_code == unknown.status_code == other_holder.status_code == 200
    assert wrong_name.content == unknown.content == other_holder.content
    assert json.loads(unknown.content)["status"] == "not_found"
    by_id_wrong_name = post({"method": "id", "id_number": full_id(cert), "name": "王五"})
    assert by_id_wrong_name.json() == unknown.json()


def test_x7_partial_numbers_and_names_never_match(certs: list[Certificate]) -> None:
    cert = certs[0]
    name = cert.data["name"]
    for partial in (cert.number[:-1], cert.number[1:], cert.number[:8], cert.number + "0", "%", "_" * 16):
        assert post({"method": "number", "number": partial, "name": name}).json()["status"] == "not_found"
    assert post({"method": "number", "number": cert.number, "name": name[:-1]}).json()["status"] == (
        "not_found"
    )


def test_revoked_and_reissued(client: Any, demo: dict[str, Any], certs: list[Certificate]) -> None:
    admin = demo["users"]["nj_admin"]
    revoke(certs[0], actor=demo["users"]["js_leader"], reason="以欺骗手段取得")
    body = post({"method": "number", "number": certs[0].number, "name": certs[0].data["name"]}).json()
    assert body["status"] == "revoked" and body["reason"] == "verification.revoked"
    assert body["certificate"]["revoked_at"]
    # The page shows the revocation time in Beijing time, as people read it (X3), not a UTC ISO string.
    query = {"method": "number", "number": certs[0].number, "name": certs[0].data["name"]}
    page = client.post("/verify/", query)
    local = timezone.localtime(datetime.datetime.fromisoformat(body["certificate"]["revoked_at"]))
    assert local.strftime("%Y-%m-%d %H:%M") in page.content.decode()
    assert body["certificate"]["revoked_at"] not in page.content.decode()
    assert "actor" not in json.dumps(body["certificate"])

    reissue(certs[1], actor=admin, reason="遗失", blank_serial="B0000009")
    body = post({"method": "number", "number": certs[1].number, "name": certs[1].data["name"]}).json()
    assert body["status"] == "reissued" and body["reason"] == "verification.reissued"
    assert body["certificate"]["number"] == certs[1].number  # same number (R1.7)
    assert body["certificate"]["reissue_mark"] == "补发" and "补发" in body["certificate"]["remark"]


# --- privacy (X7) -------------------------------------------------------------------------------------


def test_x7_full_id_number_never_shown_nor_logged(client: Any, certs: list[Certificate]) -> None:
    cert = certs[0]
    number = full_id(cert)
    api_body = post({"method": "id", "id_number": number, "name": cert.data["name"]}).content.decode()
    page = client.post(
        "/verify/",
        {"method": "id", "id_number": number, "name": cert.data["name"]},
        REMOTE_ADDR="198.51.100.1",
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'data-status="valid"' in html
    assert public_mask(cert.data["id_number_masked"]) in html
    for text in (api_body, html):
        assert cert.data["id_number_masked"] not in text  # nor the staff mask (issue 13 item 2)
        assert number not in text
    rows = list(LookupLog.objects.values())
    assert len(rows) == 2
    dumped = json.dumps(rows, default=str)
    assert number not in dumped and cert.data["name"] not in dumped
    assert all(row["number_prefix"] == "" for row in rows)  # nothing of an ID number, not even 6 digits


def test_x7_photo_only_with_number_and_name(
    settings: Any, tmp_path: Path, client: Any, certs: list[Certificate]
) -> None:
    settings.MEDIA_ROOT = tmp_path
    sha = "ab" * 32
    (tmp_path / "photos" / "ab").mkdir(parents=True)
    (tmp_path / "photos" / "ab" / f"{sha}.jpg").write_bytes(b"\xff\xd8\xff\xe0fakejpeg")
    cert = certs[0]
    Certificate.objects.filter(pk=cert.pk).update(data={**cert.data, "photo": sha})
    by_number = post({"method": "number", "number": cert.number, "name": cert.data["name"]}).json()
    assert by_number["certificate"]["photo"].startswith("data:image/jpeg;base64,")
    by_id = post({"method": "id", "id_number": full_id(cert), "name": cert.data["name"]}).json()
    assert by_id["status"] == "valid" and by_id["certificate"]["photo"] is None
    page = client.post("/verify/", {"method": "number", "number": cert.number, "name": cert.data["name"]})
    assert 'class="holder-photo"' in page.content.decode()
    page = client.post("/verify/", {"method": "id", "id_number": full_id(cert), "name": cert.data["name"]})
    assert 'class="holder-photo"' not in page.content.decode()


def test_lookup_log_rows(certs: list[Certificate]) -> None:
    cert = certs[0]
    post({"method": "number", "number": cert.number, "name": cert.data["name"]}, addr="203.0.113.77")
    post({"method": "number", "number": "X", "name": "王五"}, addr="2001:db8:abcd:12::1")
    first, second = LookupLog.objects.order_by("id")
    assert (first.channel, first.method, first.result) == ("api", "number", "valid")
    assert first.client_network == "203.0.113.0/24" and first.number_prefix == cert.number[:6]
    assert second.result == "not_found" and second.client_network == "2001:db8:abcd::/48"
    first.result = "changed"
    with pytest.raises(ValueError):
        first.save()
    with pytest.raises(ValueError):
        first.delete()


# --- rate limit ---------------------------------------------------------------------------------------


def test_rate_limit_429_after_n(settings: Any, client: Any, certs: list[Certificate]) -> None:
    settings.VERIFY_RATE_PER_MINUTE = 5
    body = {"method": "number", "number": "2610012003499999", "name": "王五"}
    for _ in range(5):
        assert post(body).status_code == 200
    limited = post(body)
    assert limited.status_code == 429
    assert limited["Content-Type"].startswith("application/problem+json")
    assert int(limited["Retry-After"]) >= 1
    problem = limited.json()
    assert (
        problem["code"] == "verification.rate_limited"
        and problem["message"]["zh"]
        and problem["message"]["en"]
    )
    assert post(body, addr="203.0.114.7").status_code == 200  # another client is not affected
    assert LookupLog.objects.filter(result="rate_limited").count() == 1
    page = client.post("/verify/", {"method": "number", **body}, REMOTE_ADDR="203.0.113.7")
    assert page.status_code == 429 and "查询过于频繁" in page.content.decode()


def test_daily_limit(settings: Any) -> None:
    settings.VERIFY_RATE_PER_DAY = 2
    services.count_lookup("192.0.2.1")
    services.count_lookup("192.0.2.1")
    with pytest.raises(services.RateLimited):
        services.count_lookup("192.0.2.1")
    services.count_lookup(None)  # the CLI is not limited


def test_bad_input_is_a_400_problem(certs: list[Certificate]) -> None:
    assert post({"method": "number", "name": "张三"}).status_code == 400
    response = post({"method": "id", "id_number": "12345", "name": "张三"})
    assert response.status_code == 400 and response.json()["code"].startswith("people.id_number")
    assert post({"method": "number", "number": "1", "name": "<script>"}).status_code == 400


# --- QR (R2.3) --------------------------------------------------------------------------------------


def _key(cert: Certificate) -> IssuerKey:
    existing = IssuerKey.objects.filter(organisation=cert.issuing_authority, status="active").first()
    return existing or create_key(cert.issuing_authority)


def _payload(cert: Certificate, base_url: str = "http://testserver/Q/") -> str:
    key = _key(cert)
    return qr.make_payload({**cert.data, "number": cert.number}, key.key_id, private_key(key), base_url)


def test_r2_3_qr_landing_valid(client: Any, certs: list[Certificate]) -> None:
    cert = certs[0]
    text = _payload(cert)
    page = client.get("/Q/" + text.rsplit("/", 1)[1])
    html = page.content.decode()
    assert page.status_code == 200 and 'data-status="valid"' in html and cert.number in html
    assert full_id(cert) not in html and 'class="holder-photo"' not in html
    assert LookupLog.objects.get().channel == "qr"
    body = post({"method": "qr", "payload": text}).json()
    assert body["status"] == "valid" and body["certificate"]["photo"] is None


def test_r2_3_qr_tampered_is_invalid_and_unknown_key_cannot_determine(
    client: Any, certs: list[Certificate]
) -> None:
    cert = certs[0]
    text = _payload(cert)
    body = text.rsplit("/", 1)[1]
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    assert post({"method": "qr", "payload": text[: -len(body)] + flipped}).json()["status"] == "invalid"
    assert post({"method": "qr", "payload": "HTTP://TESTSERVER/Q/!!"}).json()["status"] == "invalid"
    # A payload signed by a key that is not published.
    from skillcert.esign import sm2

    pair = sm2.generate_keypair()
    stranger = qr.make_payload(
        {**cert.data, "number": cert.number},
        sm2.key_id(pair.public_key),
        pair.private_key,
        "http://testserver/Q/",
    )
    verdict = post({"method": "qr", "payload": stranger}).json()
    assert verdict["status"] == "cannot_determine" and verdict["reason"] == "esign.qr.key_unknown"
    page = client.get("/Q/" + stranger.rsplit("/", 1)[1])
    assert 'data-status="cannot_determine"' in page.content.decode()


def test_qr_for_another_holder_is_invalid(certs: list[Certificate]) -> None:
    cert = certs[0]
    key = _key(cert)
    forged = {**cert.data, "number": cert.number, "name": "王五"}
    text = qr.make_payload(forged, key.key_id, private_key(key), "http://testserver/Q/")
    verdict = services.verify_qr(text, channel="cli", client=None)
    assert (verdict.status, verdict.reason) == ("invalid", "verification.qr.mismatch")


def test_public_page_needs_no_login(client: Any, db: Any) -> None:
    page = client.get("/verify/")
    assert page.status_code == 200 and "证书查询验证" in page.content.decode()
    assert client.get("/verify/?method=id").status_code == 200
