"""Offline verifier (issue 5 item 7): valid / invalid (reason) / cannot determine (reason), from the
published keys and the signed revocation list only. R2.1 (is this the original?), R2.3 (revoked
certificates are never shown valid; an outage is never shown as a forgery), X7 (only published data)."""

from __future__ import annotations

import datetime
import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from skillcert.certificates.services.lifecycle import revoke
from skillcert.esign import canonical, ecert_pdf, offline, qr, revocation
from skillcert.esign.models import IssuerKey
from skillcert.esign.services import keys
from skillcert.esign.tests.test_ecert_pdf import SOURCE, _photo

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 1, 10, 8, 0, tzinfo=datetime.UTC)
BASE = "https://VERIFY.EXAMPLE.CN/Q/"


@pytest.fixture
def world(demo: dict[str, Any]) -> dict[str, Any]:
    IssuerKey.objects.all().delete()
    key = keys.create_key(demo["orgs"]["JS-HRSS"])
    secret = keys.private_key(key)
    record = canonical.canonical_record(SOURCE)
    text = qr.make_payload(record, key.key_id, secret, BASE)
    pdf = ecert_pdf.render_ecertificate(
        record,
        photo_jpeg=_photo(),
        qr_text=text,
        signature=canonical.sign_record(record, secret),
        key_id=key.key_id,
    )
    keys_doc = Client().get("/api/v1/keys/").json()
    return {"key": key, "record": record, "qr": text, "pdf": pdf, "keys": keys_doc, "demo": demo}


def _rev(now: datetime.datetime = NOW) -> dict[str, Any]:
    return revocation.build_revocation_list(now=now)


def test_r2_1_valid_qr_and_pdf(world: dict[str, Any]) -> None:
    v = offline.verify_qr_offline(world["qr"], world["keys"], _rev(), now=NOW, holder_name="吉𠮷祥")
    assert (v.state, v.reason, v.number) == ("valid", None, SOURCE["number"])
    assert v.details["name_checked"]
    f = offline.verify_file_offline(world["pdf"], world["keys"], _rev(), now=NOW)
    assert (f.state, f.reason) == ("valid", None)
    wrong = offline.verify_qr_offline(world["qr"], world["keys"], _rev(), now=NOW, holder_name="张三")
    assert (wrong.state, wrong.reason) == ("invalid", "esign.qr.name_mismatch")


def test_r2_3_revoked_certificate_is_invalid(world: dict[str, Any]) -> None:
    demo = world["demo"]
    from skillcert.appraisal.tests.test_flow import TURNER
    from skillcert.certificates.services.issue import issue_certificates
    from skillcert.certificates.tests.test_issue import finished_session

    session = finished_session(demo, "ST-10012003", "nj003", "nj_admin", TURNER, passed=1)
    cert = issue_certificates(session, actor=demo["users"]["nj_admin"])[0]
    revoke(cert, actor=demo["users"]["js_leader"], reason="以欺骗手段取得")
    secret = keys.private_key(world["key"])
    fields = {**cert.data, "number": cert.number, "name": "任意", "level": 5, "occupation_code": "6-18-01-01"}
    fields["issued_on"] = cert.issued_on
    text = qr.make_payload(fields, world["key"].key_id, secret, BASE)
    rev = _rev(datetime.datetime.now(datetime.UTC))
    assert any(e["number"] == cert.number for e in rev["list"]["certificates"])
    v = offline.verify_qr_offline(text, world["keys"], rev, now=datetime.datetime.now(datetime.UTC))
    assert (v.state, v.reason) == ("invalid", offline.CERTIFICATE_REVOKED)
    # the revoked certificate with a stale list is never "valid": cannot determine
    stale = offline.verify_qr_offline(text, world["keys"], rev, now=NOW + datetime.timedelta(days=3650))
    assert stale.state == "cannot_determine"


def _data_stream_offset(pdf: bytes) -> int:
    """Offset of the first byte of the embedded certificate-data.json stream."""
    for m in re.finditer(rb"(\d+) 0 obj\b(.*?)\bendobj", pdf, re.DOTALL):
        body = m.group(2)
        if b"/Type /Filespec" in body and ecert_pdf.DATA_FILE.encode() in body:
            ref = re.search(rb"/EF\s*<<\s*/F\s+(\d+)\s+0\s+R", body)
            assert ref is not None
            start = pdf.index(b"%s 0 obj" % ref.group(1))
            return pdf.index(b"stream", start) + len(b"stream") + 1 + 10
    raise AssertionError("no data stream")


def test_r2_1_tampered_pdf_and_qr_are_invalid(world: dict[str, Any]) -> None:
    pdf = bytearray(world["pdf"])
    pos = _data_stream_offset(world["pdf"])
    pdf[pos] ^= 0x01
    f = offline.verify_file_offline(bytes(pdf), world["keys"], _rev(), now=NOW)
    assert f.state == "invalid" and f.reason in (offline.TAMPERED, offline.BAD_SIGNATURE)
    # a different record carrying the original signature
    secret = keys.private_key(world["key"])
    forged = ecert_pdf.render_ecertificate(
        {**world["record"], "level": "3"},
        photo_jpeg=None,
        qr_text=world["qr"],
        signature=canonical.sign_record(world["record"], secret),
        key_id=world["key"].key_id,
    )
    g = offline.verify_file_offline(forged, world["keys"], _rev(), now=NOW)
    assert (g.state, g.reason) == ("invalid", offline.BAD_SIGNATURE)
    text = world["qr"]
    last = "A" if text[-20] != "A" else "B"
    q = offline.verify_qr_offline(text[:-20] + last + text[-19:], world["keys"], _rev(), now=NOW)
    assert q.state == "invalid"
    # a forgery stays a forgery when the revocation list is unavailable (signature checked first)
    assert offline.verify_file_offline(forged, world["keys"], None, now=NOW).state == "invalid"


def test_r2_3_missing_stale_or_broken_list_cannot_determine(world: dict[str, Any]) -> None:
    rev = _rev()
    cases = {
        offline.REVOCATIONS_MISSING: (None, NOW),
        offline.REVOCATIONS_STALE: (rev, NOW + datetime.timedelta(hours=25)),
    }
    broken = json.loads(json.dumps(rev))
    broken["signature"] = broken["signature"][:-2] + ("00" if broken["signature"][-2:] != "00" else "01")
    cases[offline.REVOCATIONS_UNVERIFIABLE] = (broken, NOW)
    for reason, (doc, now) in cases.items():
        for v in (
            offline.verify_qr_offline(world["qr"], world["keys"], doc, now=now),
            offline.verify_file_offline(world["pdf"], world["keys"], doc, now=now),
        ):
            assert (v.state, v.reason) == ("cannot_determine", reason)


def test_unknown_key_cannot_determine(world: dict[str, Any]) -> None:
    others = [k for k in world["keys"]["results"] if k["key_id"] != world["key"].key_id]
    v = offline.verify_qr_offline(world["qr"], {"results": others}, _rev(), now=NOW)
    assert v.state == "cannot_determine"
    some = {"results": [{"key_id": "0" * 16, "public_key": "04" + "11" * 64}]}
    assert offline.verify_file_offline(world["pdf"], some, _rev(), now=NOW).state == "cannot_determine"


def test_r2_3_revoked_key(world: dict[str, Any]) -> None:
    key = world["key"]
    rev_before = _rev(datetime.datetime.now(datetime.UTC))
    keys.create_key(world["demo"]["orgs"]["IND-49"])  # a publisher for the list after the revocation
    keys.revoke_key(key, reason="compromised")
    now = datetime.datetime.now(datetime.UTC)
    keys_doc = Client().get("/api/v1/keys/").json()
    with override_settings(SKILLCERT_REVOCATION_PUBLISHER="IND-49"):
        rev = _rev(now)
    assert rev["list"]["publisher"] == "IND-49"
    # signed data dated 2025-06-30, key revoked today: signing time unknown → cannot determine
    v = offline.verify_qr_offline(world["qr"], keys_doc, rev, now=now)
    assert (v.state, v.reason) == ("cannot_determine", offline.KEY_REVOKED_SIGNING_TIME_UNKNOWN)
    # dated after the revocation day → signed after revocation → invalid
    later = {**world["record"], "issued_on": (now + datetime.timedelta(days=2)).date()}
    text = qr.make_payload(later, key.key_id, keys.private_key(key), BASE)
    w = offline.verify_qr_offline(text, keys_doc, rev, now=now)
    assert (w.state, w.reason) == ("invalid", offline.KEY_REVOKED_BEFORE_SIGNING)
    # a list signed by the (now revoked) key is not trusted once the keys say it was revoked earlier
    stale_signer = offline.verify_qr_offline(world["qr"], keys_doc, rev_before, now=now)
    assert stale_signer.state == "cannot_determine"


def _run(*args: str) -> tuple[int, str]:
    out = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(*args, stdout=out)
    return int(exc.value.code or 0), out.getvalue()


def test_cli_exit_codes(world: dict[str, Any], tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(world["keys"]), encoding="utf-8")
    rev_file = tmp_path / "rev.json"
    call_command("revocation_list", "--out", str(rev_file), stdout=StringIO())
    pdf = tmp_path / "cert.pdf"
    pdf.write_bytes(world["pdf"])
    common = ["--keys", str(keys_file), "--revocations", str(rev_file)]
    code, out = _run("verify_qr", world["qr"], *common, "--name", "吉𠮷祥")
    assert code == 0 and out.startswith("valid")
    code, out = _run("verify_file", str(pdf), *common)
    assert code == 0 and out.startswith("valid")
    code, out = _run("verify_qr", world["qr"], *common, "--name", "张三")
    assert code == 1 and "esign.qr.name_mismatch" in out
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(world["pdf"][:2000])
    assert _run("verify_file", str(bad), *common)[0] == 1
    code, out = _run("verify_qr", world["qr"], "--keys", str(keys_file))
    assert code == 2 and offline.REVOCATIONS_MISSING in out
    code, out = _run("verify_file", str(pdf), "--keys", str(keys_file), "--revocations", str(tmp_path / "x"))
    assert code == 2
    code, out = _run("verify_qr", world["qr"], *common, "--json")
    assert json.loads(out)["status"] == "valid"


def test_r2_1_r2_6_sealed_ofd_valid_offline_and_by_cli(world: dict[str, Any], tmp_path: Path) -> None:
    """R2.1, R2.6: the OFD sealed with the issuer key (key service) verifies offline and by the CLI;
    a changed byte makes it invalid."""
    from skillcert.esign import ecert_ofd

    key = world["key"]
    secret = keys.private_key(key)
    ofd = ecert_ofd.render_ecertificate_ofd(
        world["record"],
        photo_jpeg=_photo(),
        qr_text=world["qr"],
        signature=canonical.sign_record(world["record"], secret),
        key_id=key.key_id,
        signer=keys.signer_for(world["demo"]["orgs"]["JS-HRSS"]),
        signed_at=NOW,
    )
    v = offline.verify_file_offline(ofd, world["keys"], _rev(), now=NOW)
    assert (v.state, v.reason, v.number) == ("valid", None, SOURCE["number"])
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(world["keys"]), encoding="utf-8")
    rev_file = tmp_path / "rev.json"
    call_command("revocation_list", "--out", str(rev_file), stdout=StringIO())
    path = tmp_path / "cert.ofd"
    path.write_bytes(ofd)
    code, out = _run("verify_file", str(path), "--keys", str(keys_file), "--revocations", str(rev_file))
    assert code == 0 and out.startswith("valid")
    bad = bytearray(ofd)
    bad[len(bad) // 2] ^= 0x01
    path.write_bytes(bytes(bad))
    code, out = _run("verify_file", str(path), "--keys", str(keys_file), "--json")
    assert code == 1 and json.loads(out)["status"] == "invalid"
