"""The signed revocation list (issue 5 item 7): R2.3 (revoked certificates and keys published for
verification, with a next-update time), R2.1 (signed by an issuing authority, SM2-with-SM3), X7 (no
personal data in the list)."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path
from typing import Any

import gmalg
import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from skillcert.esign import revocation
from skillcert.esign.models import IssuerKey
from skillcert.esign.services import keys

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 1, 10, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def key(demo: dict[str, Any]) -> IssuerKey:
    IssuerKey.objects.all().delete()
    return keys.create_key(demo["orgs"]["JS-HRSS"])


def _public(*ks: IssuerKey) -> dict[str, bytes]:
    return {k.key_id: k.public_key_bytes for k in ks}


def test_r2_3_list_signed_fresh_then_stale(key: IssuerKey) -> None:
    doc = revocation.build_revocation_list(now=NOW)
    body = doc["list"]
    assert body["publisher"] == "JS-HRSS" and doc["key_id"] == key.key_id and doc["alg"] == "SM2-SM3"
    assert body["issued_at"] == "2026-01-10T08:00:00Z" and body["next_update"] == "2026-01-11T08:00:00Z"
    assert revocation.verify_revocation_list(doc, _public(key), now=NOW) == (True, None)
    late = NOW + datetime.timedelta(hours=24, seconds=1)
    assert revocation.verify_revocation_list(doc, _public(key), now=late) == (False, revocation.STALE)
    # an independent SM2 implementation (gmalg) checks the signature over prefix || canonical JSON
    message = b"SKILLCERT:REVOCATIONS:V1\x00" + json.dumps(
        body, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")
    sig = bytes.fromhex(doc["signature"])
    assert gmalg.SM2(pk=key.public_key_bytes, uid=b"1234567812345678").verify(message, sig[:32], sig[32:])


def test_r2_3_broken_or_unknown_signature_refused(key: IssuerKey) -> None:
    doc = revocation.build_revocation_list(now=NOW)
    tampered = json.loads(json.dumps(doc))
    tampered["list"]["certificates"] = []
    tampered["list"]["sequence"] += 1
    assert revocation.verify_revocation_list(tampered, _public(key), now=NOW) == (False, revocation.SIGNATURE)
    assert revocation.verify_revocation_list(doc, {}, now=NOW) == (False, revocation.UNKNOWN_KEY)
    assert revocation.verify_revocation_list({"list": 1}, _public(key), now=NOW)[1] == revocation.MALFORMED


def test_r2_3_revoked_key_listed_sequence_grows(demo: dict[str, Any], key: IssuerKey) -> None:
    first = revocation.build_revocation_list(now=NOW)["list"]
    other = keys.create_key(demo["orgs"]["IND-49"])
    keys.revoke_key(other, reason="compromised")
    second = revocation.build_revocation_list(now=NOW)["list"]
    assert second["sequence"] == first["sequence"] + 1
    assert [k["key_id"] for k in second["keys"]] == [other.key_id]


def test_publisher_setting_and_missing_publisher(demo: dict[str, Any], key: IssuerKey) -> None:
    industry = keys.create_key(demo["orgs"]["IND-49"])
    with override_settings(SKILLCERT_REVOCATION_PUBLISHER="IND-49"):
        assert revocation.build_revocation_list(now=NOW)["key_id"] == industry.key_id
    IssuerKey.objects.all().delete()
    with pytest.raises(revocation.PublisherMissing):
        revocation.build_revocation_list()


def test_public_endpoint_and_command(key: IssuerKey, tmp_path: Path) -> None:
    response = Client().get("/api/v1/revocations/")
    assert response.status_code == 200
    doc = response.json()
    ok = revocation.verify_revocation_list(doc, _public(key), now=timezone.now())
    assert ok == (True, None)
    out = tmp_path / "rev.json"
    call_command("revocation_list", "--out", str(out), stdout=StringIO())
    written = json.loads(out.read_text(encoding="utf-8"))
    assert revocation.verify_revocation_list(written, _public(key), now=timezone.now()) == (True, None)
