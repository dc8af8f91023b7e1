"""What the log buys verifiers (issue 19 item 5; R2.1): a signature whose leaf was in a checkpoint before
its key's revocation is valid — online (QR) and offline (verify_file --proof) — where the answer was
invalid / cannot determine before; and holders download the proof beside the e-certificate."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from rest_framework.test import APIClient

from skillcert.esign import qr, revocation
from skillcert.esign.services import documents, keys
from skillcert.publication.testing import publish
from skillcert.transparency import services as tlog
from skillcert.transparency.tests.test_log import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo: dict[str, Any]) -> dict[str, Any]:
    cert = publish(*issue(demo, n=1))[0]
    key = keys.active_key(cert.issuing_authority)
    leaf = tlog.latest_leaf(cert.number)
    assert leaf is not None and leaf.key_id == key.key_id
    return {"demo": demo, "cert": cert, "key": key}


def _qr(world: dict[str, Any]) -> str:
    record, _version, _photo = documents.certificate_record(world["cert"])
    return qr.make_payload(
        record, world["key"].key_id, keys.private_key(world["key"]), documents.qr_base_url()
    )


def _verify(text: str) -> dict[str, Any]:
    cache.clear()
    return dict(APIClient().post("/api/v1/verify/", {"method": "qr", "payload": text}, format="json").json())


def test_r2_1_online_qr_signed_on_the_revocation_day_but_logged_before_is_valid(
    world: dict[str, Any],
) -> None:
    text = _qr(world)
    assert _verify(text)["status"] == "valid"
    keys.revoke_key(world["key"], reason="私钥泄露")
    # issued today, key revoked today: without the log this was "invalid" (esign.key.revoked)
    assert _verify(text)["status"] == "valid"
    # the same QR but the log's only checkpoint is later than the revocation: no evidence → invalid
    from skillcert.transparency.models import Checkpoint

    Checkpoint.objects.filter(size__gt=0).update(
        created_at=world["key"].revoked_at + datetime.timedelta(seconds=1)
    )
    body = _verify(text)
    assert (body["status"], body["reason"]) == ("invalid", "esign.key.revoked")


def test_r2_1_with_witnesses_only_a_cosignature_before_the_revocation_counts(world: dict[str, Any]) -> None:
    from skillcert.transparency import note

    seed = bytes(range(32))
    tlog.add_witness("witness.example/w1", note.ed25519_public(seed).hex())
    text = _qr(world)
    keys.revoke_key(world["key"], reason="私钥泄露")
    assert _verify(text)["status"] == "invalid"  # a witness is configured, none has cosigned
    served = Client().get("/tlog/checkpoint").content.decode()
    earlier = int(world["key"].revoked_at.timestamp()) - 60
    line = note.sign(
        note.parse_note(served).text, "witness.example/w1", note.COSIGNATURE_V1, seed, timestamp=earlier
    )
    assert (
        Client().post("/tlog/cosignatures", served + line.line, content_type="text/plain").status_code == 200
    )
    assert _verify(text)["status"] == "valid"


def _run(*args: str) -> tuple[int, dict[str, Any]]:
    out = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(*args, "--json", stdout=out)
    return int(exc.value.code or 0), json.loads(out.getvalue())


def test_r2_1_offline_verify_file_with_the_holders_proof(world: dict[str, Any], tmp_path: Path) -> None:
    cert, demo = world["cert"], world["demo"]
    docs = documents.ensure_documents(cert)
    pdf = tmp_path / "cert.pdf"
    pdf.write_bytes(documents.read_document(docs["pdf"]))
    # the holder downloads the proof beside the e-certificate
    from skillcert.holders.services import SESSION_KEY

    http = Client()
    assert http.get("/holder/certificate/proof/").status_code == 404  # no holder session, no proof
    session = http.session
    session[SESSION_KEY] = cert.pk  # as after the SMS code (holders tests cover that step)
    session.save()
    page = http.get("/holder/certificate/")
    assert "/holder/certificate/proof/" in page.content.decode()
    proof_response = http.get("/holder/certificate/proof/")
    assert proof_response.status_code == 200
    assert proof_response["Content-Disposition"].endswith('.tlog-proof"')
    proof = tmp_path / "cert.tlog-proof"
    proof.write_bytes(proof_response.content)
    if not keys.IssuerKey.objects.filter(organisation=demo["orgs"]["IND-49"], status="active").exists():
        keys.create_key(demo["orgs"]["IND-49"])  # publishes the revocation list once the key is revoked
    keys.revoke_key(world["key"], reason="私钥泄露")
    # The offline rule compares the signed date with the revocation's UTC date; keep the revocation on
    # a later UTC day than the local issue date whatever the hour the test runs at (after publication).
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    keys.IssuerKey.objects.filter(pk=world["key"].pk).update(revoked_at=later, valid_until=later)
    now = datetime.datetime.now(datetime.UTC)
    (tmp_path / "keys.json").write_text(json.dumps(Client().get("/api/v1/keys/").json()))
    with override_settings(SKILLCERT_REVOCATION_PUBLISHER="IND-49"):
        (tmp_path / "rev.json").write_text(json.dumps(revocation.build_revocation_list(now=now)))
    (tmp_path / "log.json").write_text(json.dumps(Client().get("/api/v1/tlog/keys/").json()))
    base = [
        "verify_file",
        str(pdf),
        "--keys",
        str(tmp_path / "keys.json"),
        "--revocations",
        str(tmp_path / "rev.json"),
    ]
    code, verdict = _run(*base)
    assert (code, verdict["status"], verdict["reason"]) == (
        2,
        "cannot_determine",
        "esign.offline.key_revoked_signing_time_unknown",
    )
    code, verdict = _run(*base, "--proof", str(proof), "--log-keys", str(tmp_path / "log.json"))
    assert (code, verdict["status"]) == (0, "valid"), verdict
    assert verdict["tlog"]["by"] == "log" and verdict["tlog"]["tree_size"] == 1
    # the QR code of the same certificate, offline, with the same proof
    qr_text = _qr(world)
    qr_base = [
        "verify_qr",
        qr_text,
        "--keys",
        str(tmp_path / "keys.json"),
        "--revocations",
        str(tmp_path / "rev.json"),
    ]
    code, verdict = _run(*qr_base)
    assert (code, verdict["status"]) == (2, "cannot_determine")
    code, verdict = _run(*qr_base, "--proof", str(proof), "--log-keys", str(tmp_path / "log.json"))
    assert (code, verdict["status"]) == (0, "valid"), verdict
    # a proof that does not verify, or is for another record, is invalid
    tampered = tmp_path / "bad.tlog-proof"
    tampered.write_text(proof.read_text().replace("index 0", "index 1"))
    code, verdict = _run(*base, "--proof", str(tampered), "--log-keys", str(tmp_path / "log.json"))
    assert (code, verdict["status"]) == (1, "invalid") and verdict["reason"].startswith("transparency.proof.")
