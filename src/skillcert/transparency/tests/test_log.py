"""The log through publication: leaves appended in the publication's transaction, in event order, with
the record hash of each version; checkpoints signed by the log's keys (issue 19 items 1-2; X2, R3.8)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from skillcert.appraisal.tests.test_flow import TURNER
from skillcert.certificates.models import Certificate, CertificateEvent
from skillcert.certificates.services import lifecycle
from skillcert.certificates.services.issue import issue_certificates
from skillcert.certificates.tests.test_issue import finished_session
from skillcert.esign import canonical, sm2
from skillcert.esign.services.documents import certificate_record
from skillcert.publication.testing import publish
from skillcert.transparency import entry, merkle, note, tiles
from skillcert.transparency import services as tlog
from skillcert.transparency.models import Checkpoint, Leaf, LogState, Tile
from skillcert.transparency.tests.test_merkle import naive_mth

pytestmark = pytest.mark.django_db


def issue(
    demo: dict[str, Any], station: str = "ST-10012003", n: int = 3, first_id: int = 0
) -> list[Certificate]:
    cache.clear()
    if station == "ST-49003018":
        session = finished_session(
            demo, station, "jx_leader", "jx_leader", TURNER, passed=n, first_id=first_id
        )
        return list(issue_certificates(session, actor=demo["users"]["jx_leader"]))
    session = finished_session(demo, station, "nj003", "nj_admin", TURNER, passed=n, first_id=first_id)
    return list(issue_certificates(session, actor=demo["users"]["nj_admin"]))


def all_entries() -> list[bytes]:
    size = LogState.objects.get().size
    out: list[bytes] = []
    for index in range((size + 255) // 256):
        bundle = tiles.tile_for(size, 0, index)
        assert bundle is not None
        out += tiles.decode_bundle(tlog.read_tile(tiles.Tile(tiles.ENTRIES, index, bundle.width)))
    return out


def record_sm3(cert: Certificate) -> str:
    record, _version, _photo = certificate_record(Certificate.objects.get(pk=cert.pk))
    return sm2.sm3(canonical.canonical_bytes(record)).hex()


def test_x2_publication_logs_each_certificate_and_signs_the_checkpoint(demo: dict[str, Any]) -> None:
    certs = publish(*issue(demo))
    entries = [entry.parse_entry(e) for e in all_entries()]
    assert sorted(e.certificate for e in entries) == sorted(c.number for c in certs)
    assert {(e.event, e.version) for e in entries} == {("issued", 1)}
    by_number = {c.number: c for c in certs}
    for e in entries:
        assert e.record_sm3 == record_sm3(by_number[e.certificate])
        assert e.release > 0
    # no name and no ID number in what is published (X7)
    for raw, cert in zip(all_entries(), certs, strict=False):
        assert cert.data["name"].encode() not in raw
    head = tlog.head()
    assert head.size == 3 and head.root_hash == naive_mth(all_entries()).hex()
    signed = tlog.signed_note(head)
    checkpoint, _note, good = note.open_checkpoint(signed, tlog.origin(), tlog.log_verifiers())
    assert checkpoint.size == 3 and {v.algorithm for v, _ in good} == {
        "ed25519",
        "sm2-sm3",
        "ed25519-cosignature-v1",
    }
    assert tlog.origin() == "127.0.0.1/tlog"


def test_x2_later_changes_are_logged_at_the_next_publication_in_event_order(demo: dict[str, Any]) -> None:
    first = publish(*issue(demo))
    lifecycle.revoke(first[0], actor=demo["users"]["js_leader"], reason="伪造")
    lifecycle.reissue(first[1], actor=demo["users"]["nj_admin"], reason="遗失")
    assert Leaf.objects.count() == 3  # the register shows the change at once; the log at publication
    second = publish(*issue(demo, "ST-49003018", n=2, first_id=50))
    entries = [entry.parse_entry(e) for e in all_entries()]
    assert len(entries) == 7
    tail = entries[3:]
    kinds = {(e.certificate, e.event, e.version) for e in tail}
    assert (first[0].number, "revoked", 1) in kinds and (first[1].number, "reissued", 2) in kinds
    assert {e.certificate for e in tail if e.event == "issued"} == {c.number for c in second}
    # in event order: each leaf's event id increases
    ids = [i or 0 for i in Leaf.objects.order_by("index").values_list("event_id", flat=True)]
    assert ids[3:] == sorted(ids[3:])
    reissued = next(e for e in tail if e.event == "reissued")
    assert reissued.record_sm3 == record_sm3(first[1])
    # the same event is never logged twice
    from django.db import transaction

    with transaction.atomic():
        tlog.log_release(999, [])
    assert Leaf.objects.count() == 7
    assert CertificateEvent.objects.filter(kind="revoked").count() == 1
    # every checkpoint verifies and is consistent with the later ones
    sizes = list(Checkpoint.objects.order_by("size").values_list("size", "root_hash"))
    assert [s for s, _ in sizes] == [0, 3, 7]
    head = tlog.head()
    for size, root in sizes[1:]:
        proof = tlog.consistency(size, head.size)
        assert merkle.verify_consistency(
            size, head.size, bytes.fromhex(root), bytes.fromhex(head.root_hash), proof
        )


def test_x2_a_failed_publication_leaves_no_leaf(
    demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillcert.jobs import services as jobs

    certs = issue(demo)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the backup job cannot be queued")

    monkeypatch.setattr(jobs, "start_job", broken)
    with pytest.raises(RuntimeError):
        publish(*certs)
    assert not Leaf.objects.exists()
    assert not Tile.objects.filter(level__gte=0).exists()
    assert not Checkpoint.objects.filter(size__gt=0).exists()
    assert Certificate.objects.filter(published_at__isnull=False).count() == 0
    monkeypatch.undo()
    import datetime

    from skillcert.orgs.choices import Role
    from skillcert.publication import schedule
    from skillcert.publication.models import Release, ReleaseState
    from skillcert.publication.services import publish_release
    from skillcert.publication.testing import member

    release = Release.objects.get(state=ReleaseState.SIGNED)
    publisher = member(release.organisation, Role.NETWORK_ADMIN, exclude=[release.compiled_by])
    day = datetime.datetime.combine(release.publication_date, datetime.time(10), tzinfo=schedule.TZ)
    publish_release(release, actor=publisher, now=day)
    assert Leaf.objects.count() == 3 and LogState.objects.get().size == 3


def test_x2_tiles_of_a_growing_log_match_an_independent_tree(demo: dict[str, Any]) -> None:
    """Appends of many sizes across tile boundaries: every stored tile is the one the spec defines."""
    from django.db import transaction

    from skillcert.transparency.services import log

    cert = publish(*issue(demo, n=1))[0]
    entries = list(all_entries())
    for batch in (250, 7, 300, 1, 65536 - 559 + 3):
        leaves = [
            log.NewLeaf(
                entry.Entry(cert.number, "revoked", 1, f"{len(entries) + i:064x}", "", 1).encode(),
                cert.pk,
                None,
                "revoked",
                1,
                f"{len(entries) + i:064x}",
                "",
                1,
            )
            for i in range(batch)
        ]
        with transaction.atomic():
            log.append(leaves, release_id=1)
        entries += [leaf.entry for leaf in leaves]
        size = len(entries)
        memory = merkle.MemoryHashReader([merkle.leaf_hash(e) for e in entries])
        assert tlog.head().root_hash == memory.root().hex()
        for tile in tiles.tiles_for_size(size):
            data = tlog.read_tile(tile)
            if tile.level == tiles.ENTRIES:
                start = tile.index * 256
                assert tiles.decode_bundle(data) == entries[start : start + tile.width]
            else:
                expected = [
                    memory.subtree_hash(8 * tile.level, tile.index * 256 + j) for j in range(tile.width)
                ]
                assert data == b"".join(expected), tile.path
    assert LogState.objects.get().size == 1 + 250 + 7 + 300 + 1 + 65536 - 559 + 3
