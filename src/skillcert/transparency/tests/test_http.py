"""The log over HTTP: checkpoint, tiles, proofs, cosignatures; tampering with a tile, a leaf or the
checkpoint fails verification (issue 19 items 2-4 and "how it is checked"; X2, X4)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from skillcert.certificates.models import Certificate
from skillcert.publication.testing import publish
from skillcert.transparency import client, merkle, note, proofs, tiles
from skillcert.transparency import services as tlog
from skillcert.transparency.models import Cosignature, Tile
from skillcert.transparency.tests.test_log import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(demo: dict[str, Any]) -> list[Certificate]:
    return publish(*issue(demo))


class DjangoSource(client.Source):
    """The client's Source over the Django test client (same paths, no network)."""

    def __init__(self) -> None:
        super().__init__("http://testserver/tlog")
        self.http = Client()

    def get(self, path: str) -> bytes:
        response = self.http.get(f"/tlog/{path}")
        if response.status_code != 200:
            raise client.FetchError(path, response.status_code, "not found")
        return bytes(response.content)


def test_checkpoint_and_tiles_are_served_as_the_spec_says(published: list[Certificate]) -> None:
    http = Client()
    response = http.get("/tlog/checkpoint")
    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    assert "max-age=5" in response["Cache-Control"]
    checkpoint, _n, _g = note.open_checkpoint(response.content, "127.0.0.1/tlog", tlog.log_verifiers())
    assert checkpoint.size == 3
    tile = http.get("/tlog/tile/0/000.p/3")
    assert tile.status_code == 200 and len(tile.content) == 96
    assert tile["Cache-Control"] == "public, max-age=31536000, immutable"
    assert tile["Content-Type"] == "application/octet-stream"
    bundle = http.get("/tlog/tile/entries/000.p/3")
    entries = tiles.decode_bundle(bundle.content)
    assert [merkle.leaf_hash(e) for e in entries] == tiles.split_hashes(tile.content)
    assert merkle.tree_hash(merkle.MemoryHashReader(tiles.split_hashes(tile.content)), 3) == checkpoint.root
    for missing in ("/tlog/tile/0/000", "/tlog/tile/0/000.p/4", "/tlog/tile/0/x000/000", "/tlog/tile/9"):
        assert http.get(missing).status_code == 404
    vkeys = http.get("/tlog/vkeys").content.decode().split()
    assert len(vkeys) == 3 and all(note.parse_vkey(v) for v in vkeys)


def test_proof_api_and_the_proof_file(published: list[Certificate]) -> None:
    api = APIClient()
    number = published[1].number
    body = api.get(f"/api/v1/tlog/proof/{number}").json()
    assert body["tree_size"] == 3 and body["entry"]["certificate"] == number
    raw = base64.b64decode(body["entry_base64"])
    hashes = [base64.b64decode(h) for h in body["inclusion"]]
    root = base64.b64decode(body["root_hash"])
    assert merkle.verify_inclusion(body["index"], 3, merkle.leaf_hash(raw), hashes, root)
    download = api.get(f"/api/v1/tlog/proof/{number}/?download=1")
    assert download["Content-Type"].startswith("text/plain") and download.content.decode() == body["proof"]
    parsed = proofs.parse_proof(body["proof"])
    assert parsed.index == body["index"] and parsed.extra == raw
    proven = tlog.check_proof(body["proof"], "127.0.0.1/tlog", tlog.log_verifiers())
    assert proven.entry.certificate == number and proven.by == "log" and proven.at is not None
    missing = api.get("/api/v1/tlog/proof/NOSUCH")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    assert missing.json()["code"] == "transparency.certificate.not_logged"


def test_consistency_api(published: list[Certificate]) -> None:
    api = APIClient()
    body = api.get("/api/v1/tlog/consistency/?from=1&to=3").json()
    assert body["root1"] is None and len(body["proof"]) >= 1
    bad = api.get("/api/v1/tlog/consistency/?from=4&to=3")
    assert bad.status_code == 400 and bad.json()["code"] == "transparency.size.range"
    assert api.get("/api/v1/tlog/consistency/?from=x").status_code == 400
    same = api.get("/api/v1/tlog/consistency/?from=3").json()
    assert same["proof"] == [] and same["size2"] == 3 and same["size1"] == 3


def test_keys_and_register(published: list[Certificate]) -> None:
    api = APIClient()
    keys = api.get("/api/v1/tlog/keys/").json()
    assert keys["origin"] == "127.0.0.1/tlog"
    assert {k["algorithm"] for k in keys["keys"]} == {"ed25519", "sm2-sm3", "ed25519-cosignature-v1"}
    register = api.get(f"/api/v1/tlog/register/{published[0].number}/").json()
    leaf = tlog.latest_leaf(published[0].number)
    assert leaf is not None
    assert register["entries"] == [
        {"index": leaf.index, "event": "issued", "version": 1, "record_sm3": leaf.record_sm3}
    ]
    assert api.get("/api/v1/tlog/register/NOSUCH/").status_code == 404


def _witness_line(text: str, name: str, seed: bytes, ts: int = 1_700_000_000) -> str:
    return note.sign(text, name, note.COSIGNATURE_V1, seed, timestamp=ts).line


def test_cosignatures_only_from_configured_witnesses(published: list[Certificate]) -> None:
    http = Client()
    served = http.get("/tlog/checkpoint").content.decode()
    seed = bytes(range(32))
    text = note.parse_note(served).text
    body = served + _witness_line(text, "witness.example/w1", seed)
    refused = http.post("/tlog/cosignatures", body, content_type="text/plain")
    assert refused.status_code == 403 and refused.json()["code"] == "transparency.cosignature.unknown_witness"
    tlog.add_witness("witness.example/w1", note.ed25519_public(seed).hex())
    accepted = http.post("/tlog/cosignatures", body, content_type="text/plain")
    assert accepted.status_code == 200 and Cosignature.objects.count() == 1
    now_served = http.get("/tlog/checkpoint").content.decode()
    assert now_served.endswith(_witness_line(text, "witness.example/w1", seed))
    # a forged line from the configured key, a checkpoint the log never signed
    forged = served + _witness_line(text.replace("\n3\n", "\n3\n"), "witness.example/w1", bytes(32))
    assert http.post("/tlog/cosignatures", forged, content_type="text/plain").status_code == 403
    other = note.Checkpoint("127.0.0.1/tlog", 3, bytes(32)).text
    fake = other + "\n" + _witness_line(other, "witness.example/w1", seed)
    assert http.post("/tlog/cosignatures", fake, content_type="text/plain").status_code == 409
    assert http.post("/tlog/cosignatures", "junk", content_type="text/plain").status_code == 400


def test_tampering_with_a_tile_a_leaf_or_the_checkpoint_fails(
    published: list[Certificate], tmp_path: Path
) -> None:
    source = DjangoSource()
    report = client.monitor("unused", state_path=tmp_path / "m.json", register_url="")
    assert report.problems  # "unused" is no log at all: named as a bad checkpoint
    ok = _monitor(source, tmp_path / "ok.json")
    assert ok.ok, ok.problems
    # a leaf (entry) rewritten in its bundle
    bundle = Tile.objects.get(level=tiles.ENTRIES, index=0, width=3)
    entries = tiles.decode_bundle(bytes(bundle.data))
    entries[1] = entries[1].replace(b'"version":1', b'"version":2')
    Tile.objects.filter(pk=bundle.pk).update(data=tiles.encode_bundle(entries))
    changed = _monitor(source, tmp_path / "a.json")
    assert (client.CHANGED, "index 1: the entry does not hash to the tile's leaf hash") in changed.problems
    Tile.objects.filter(pk=bundle.pk).update(data=bundle.data)
    # a tile rewritten
    tile = Tile.objects.get(level=0, index=0, width=3)
    Tile.objects.filter(pk=tile.pk).update(data=bytes(32) + bytes(tile.data)[32:])
    assert any(kind == client.CHANGED for kind, _ in _monitor(source, tmp_path / "b.json").problems)
    Tile.objects.filter(pk=tile.pk).update(data=tile.data)
    # the checkpoint changed: its signature no longer verifies
    served = Client().get("/tlog/checkpoint").content.decode()
    with pytest.raises(note.NoteError):
        note.open_checkpoint(served.replace("\n3\n", "\n4\n"), "127.0.0.1/tlog", tlog.log_verifiers())
    proof = APIClient().get(f"/api/v1/tlog/proof/{published[0].number}").json()["proof"]
    for bad in (proof.replace("index ", "index 1"), proof.replace("\n3\n", "\n2\n")):
        with pytest.raises(tlog.ProofInvalid):
            tlog.check_proof(bad, "127.0.0.1/tlog", tlog.log_verifiers())


def _monitor(source: client.Source, state: Path) -> client.Report:
    original = client.Source

    def make(prefix: str, timeout: float = 20) -> client.Source:
        return source if prefix == "http://testserver/tlog" else original(prefix, timeout)

    client.Source = make  # type: ignore[assignment,misc]
    try:
        return client.monitor("http://testserver/tlog", state_path=state, register_url="")
    finally:
        client.Source = original  # type: ignore[misc]


def test_export_writes_a_mirror_the_monitor_accepts(published: list[Certificate], tmp_path: Path) -> None:
    call_command("tlog", "export", str(tmp_path / "mirror"))
    assert (tmp_path / "mirror" / "checkpoint").read_bytes() == Client().get("/tlog/checkpoint").content
    assert (tmp_path / "mirror" / "tile" / "0" / "000.p" / "3").read_bytes() == Client().get(
        "/tlog/tile/0/000.p/3"
    ).content
    report = client.monitor(str(tmp_path / "mirror"), state_path=tmp_path / "s.json", register_url="")
    assert report.ok and report.size == 3


def test_the_public_verification_page_shows_the_entry_and_checkpoint(published: list[Certificate]) -> None:
    from django.core.cache import cache

    cache.clear()
    cert = published[2]
    leaf = tlog.latest_leaf(cert.number)
    assert leaf is not None
    page = Client().post("/verify/", {"method": "number", "number": cert.number, "name": cert.data["name"]})
    html = page.content.decode()
    assert f"entry {leaf.index} in the checkpoint of size 3" in html
    assert f"/api/v1/tlog/proof/{cert.number}?download=1" in html
    cache.clear()
    wrong = Client().post("/verify/", {"method": "number", "number": cert.number, "name": "不是本人"})
    assert "Transparency log" not in wrong.content.decode()


def test_witnesses_are_configured_in_the_admin_and_audited(
    published: list[Certificate], demo: dict[str, Any]
) -> None:
    from skillcert.audit.models import AuditEntry
    from skillcert.transparency.models import Witness

    http = Client()
    http.force_login(demo["users"]["sysadmin"])
    public = note.ed25519_public(bytes(range(32))).hex()
    bad = http.post(
        "/admin/transparency/witness/add/", {"name": "w.example/1", "public_key": "zz", "active": "on"}
    )
    assert bad.status_code == 200 and not Witness.objects.exists()
    response = http.post(
        "/admin/transparency/witness/add/",
        {"name": "w.example/1", "public_key": public, "operator": "部中心", "active": "on"},
    )
    assert response.status_code == 302, response.content[:500]
    witness = Witness.objects.get()
    assert witness.key_id == note.key_id("w.example/1", note.COSIGNATURE_V1, bytes.fromhex(public)).hex()
    assert AuditEntry.objects.filter(action="transparency.witness.add").exists()
    keys = APIClient().get("/api/v1/tlog/keys/").json()
    assert [w["name"] for w in keys["witnesses"]] == ["w.example/1"]


def test_r2_1_the_earliest_cosigned_checkpoint_proves_when(
    published: list[Certificate], demo: dict[str, Any]
) -> None:
    """The holder's proof is made against the first checkpoint a witness cosigned that holds the leaf
    (the partial tiles of that size are kept), so it proves the earliest time, whatever the log did since."""
    seed = bytes(range(32))
    tlog.add_witness("witness.example/w1", note.ed25519_public(seed).hex())
    witness = note.Verifier("witness.example/w1", note.COSIGNATURE_V1, note.ed25519_public(seed))
    served = Client().get("/tlog/checkpoint").content.decode()
    line = note.sign(
        note.parse_note(served).text, witness.name, note.COSIGNATURE_V1, seed, timestamp=1_700_000_000
    )
    assert (
        Client().post("/tlog/cosignatures", served + line.line, content_type="text/plain").status_code == 200
    )
    publish(*issue(demo, "ST-49003018", n=2, first_id=50))
    number = published[0].number
    head = APIClient().get(f"/api/v1/tlog/proof/{number}").json()
    early = APIClient().get(f"/api/v1/tlog/proof/{number}?evidence=earliest").json()
    assert (head["tree_size"], early["tree_size"]) == (5, 3)
    for body, when in ((head, None), (early, 1_700_000_000)):
        proven = tlog.check_proof(body["proof"], "127.0.0.1/tlog", tlog.log_verifiers(), [witness])
        assert proven.entry.certificate == number
        assert (proven.at.timestamp() if proven.at else None) == when
