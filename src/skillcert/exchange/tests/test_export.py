"""National data exchange export and W3C Verifiable Credentials (R2.6, X4, X7)."""

from __future__ import annotations

import copy
import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from skillcert.core.errors import NotFound, NotPermitted, ValidationFailed
from skillcert.esign.models import IssuerKey
from skillcert.exchange import vc
from skillcert.exchange.services.credentials import credential_for, did_document, issuer_key
from skillcert.exchange.services.imports import import_certificates
from skillcert.exchange.services.national import write_national_export
from skillcert.exchange.tests.helpers import resident_id, row, write_csv

pytestmark = pytest.mark.django_db
SCHEMA = Path(__file__).resolve().parents[4] / "docs" / "formats" / "national-exchange-v1.schema.json"


@pytest.fixture
def imported(demo: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    rows = [row(i) for i in range(3)] + [
        row(3, certificate_number="2510012003400001", issued_on="2025-03-01")
    ]
    report = import_certificates(
        write_csv(tmp_path / "a.csv", rows), actor=None, organisation=demo["orgs"]["JS"]
    )
    assert report.created == 4
    return demo


# --- JCS (RFC 8785) -------------------------------------------------------------------------------


def test_jcs_matches_rfc8785_examples() -> None:
    """RFC 8785 §3.2.3 (sorting by UTF-16 code units) and §3.2.2 (string escapes, numbers)."""
    sorting = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    text = vc.jcs(sorting).decode()
    order = sorted(sorting, key=lambda k: text.index(sorting[k]))
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert list(json.loads(text)) == order
    assert vc.jcs({"b": [1, 2.0, True, None], "a": '\u00e9\n"\\\x1f'}) == (
        '{"a":"\u00e9\\n\\"\\\\\\u001f","b":[1,2,true,null]}'.encode()
    )
    assert vc.jcs({"n": 1e20}) == b'{"n":100000000000000000000}'
    with pytest.raises(vc.CanonicalisationError):
        vc.jcs({"x": float("nan")})


def test_base58_round_trip() -> None:
    for data in (b"", b"\0\0abc", bytes(range(64))):
        assert vc.b58decode(vc.b58encode(data)) == data
    assert vc.b58encode(b"hello world") == "StV1DL6CwTryKyV"


# --- Verifiable Credential -----------------------------------------------------------------------


def test_credential_proof_verifies_and_fails_after_any_change(imported: dict[str, Any]) -> None:
    """VC 2.0 JSON-LD, DataIntegrityProof eddsa-jcs-2022; the issuer's DID document publishes the key."""
    user = imported["users"]["nj_admin"]
    credential = credential_for("2410012003400001", actor=user, host="certs.example.cn")
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["type"] == ["VerifiableCredential", "VocationalCertificateCredential"]
    assert credential["issuer"]["id"] == "did:web:certs.example.cn:issuers:JS-HRSS"
    subject = credential["credentialSubject"]
    assert subject["achievement"]["certificateNumber"] == "2410012003400001"
    assert subject["idNumberMasked"].count("*") == 11 and resident_id(0) not in json.dumps(credential)
    proof = credential["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof",
        "eddsa-jcs-2022",
        "assertionMethod",
    )
    document = did_document(imported["orgs"]["JS-HRSS"], "certs.example.cn")
    method = document["verificationMethod"][0]
    assert method["id"] == proof["verificationMethod"] and method["type"] == "Multikey"
    key = vc.public_key_from_multibase(method["publicKeyMultibase"])
    assert vc.verify_proof(credential, key)
    assert vc.verify_proof(json.loads(json.dumps(credential, ensure_ascii=True)), key)  # bytes-independent

    for change in (
        lambda c: c["credentialSubject"].__setitem__("name", "李四"),
        lambda c: c["credentialSubject"]["achievement"].__setitem__("level", 3),
        lambda c: c.__setitem__("validFrom", "2024-06-02T00:00:00+08:00"),
        lambda c: c["proof"].__setitem__("created", "2030-01-01T00:00:00Z"),
        lambda c: c["proof"].__setitem__("proofValue", c["proof"]["proofValue"][:-2] + "11"),
        lambda c: c.pop("proof"),
    ):
        tampered = copy.deepcopy(credential)
        change(tampered)
        assert not vc.verify_proof(tampered, key)
    other_key = issuer_key(imported["orgs"]["IND-49"]).public_key()
    assert not vc.verify_proof(credential, other_key)


def test_credential_is_scoped(imported: dict[str, Any]) -> None:
    with pytest.raises(NotFound):
        credential_for("2410012003400001", actor=imported["users"]["sz001"], host="x")
    with pytest.raises(NotFound):
        credential_for("2410012003499999", actor=imported["users"]["nj_admin"], host="x")


def test_add_proof_with_a_fresh_key() -> None:
    key = Ed25519PrivateKey.generate()
    doc = {
        "@context": [vc.CONTEXT_V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"id": "did:example:2"},
    }
    secured = vc.add_proof(doc, key, verification_method="did:example:1#k", created="2026-01-01T00:00:00Z")
    assert "proof" not in doc and vc.verify_proof(secured, key.public_key())


# --- national exchange -----------------------------------------------------------------------------


def test_national_export_period_masking_and_metadata(imported: dict[str, Any]) -> None:
    """R2.6: the period's certificates with e-certificate metadata; only masked ID numbers (X7)."""
    out = io.StringIO()
    count = write_national_export(
        out,
        actor=imported["users"]["js_leader"],
        exporter=imported["orgs"]["JS"],
        date_from=datetime.date(2024, 1, 1),
        date_to=datetime.date(2024, 12, 31),
    )
    document = json.loads(out.getvalue())
    assert count == 3 == document["count"] == len(document["certificates"])
    assert document["format"] == "skillcert-national-exchange" and document["version"] == 1
    first = document["certificates"][0]
    assert first["number"] == "2410012003400001" and first["source"] == "imported"
    assert first["holder"]["id_number_masked"].count("*") == 11
    assert resident_id(0) not in out.getvalue()
    active = IssuerKey.objects.get(organisation=imported["orgs"]["JS-HRSS"], status="active")
    assert first["ecertificate"]["issuer_key_id"] == active.key_id
    assert first["ecertificate"]["licence_id"].startswith("1.2.156.3005.2.ZYZG.11320000014000240J.")
    assert first["issuing_authority"] == {
        "code": "JS-HRSS",
        "name": "江苏省人力资源和社会保障厅",
        "uscc": imported["orgs"]["JS-HRSS"].uscc or None,
    }

    import jsonschema

    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))

    with pytest.raises(NotPermitted):
        write_national_export(
            io.StringIO(),
            actor=imported["users"]["nj003"],
            exporter=imported["orgs"]["JS"],
            date_from=datetime.date(2024, 1, 1),
            date_to=datetime.date(2024, 12, 31),
        )
    with pytest.raises(ValidationFailed):
        write_national_export(
            io.StringIO(),
            actor=None,
            exporter=imported["orgs"]["JS"],
            date_from=datetime.date(2024, 2, 1),
            date_to=datetime.date(2024, 1, 1),
        )
    sz = io.StringIO()
    assert (
        write_national_export(
            sz,
            actor=None,
            exporter=imported["orgs"]["JS-SZ"],
            date_from=datetime.date(2020, 1, 1),
            date_to=datetime.date(2029, 1, 1),
        )
        == 0
    )
