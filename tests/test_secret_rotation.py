"""Rotating SECRET_KEY — the standard answer to a leak — breaks nothing that was issued (issue 13 item 11;
R2.1, R2.3, R3.4, X7; docs/operations.md "Rotating SECRET_KEY").

Before the fix the ID-commitment salt of every certificate, the holder-code HMAC and the inquiry keys were
derived from SECRET_KEY. Now the salt is stored per certificate (drawn at issuance and import; existing
rows got the salt they had, migration certificates 0006) and the HMAC keys come from the data key by
HKDF with one label per purpose. After a rotation: the e-certificate still verifies offline and a new
rendering commits the same way; a holder code and an inquiry code sent before are still accepted; an
inquiry is still found by reference and phone. What the rotation is for still happens: sessions and
password-reset tokens signed with the old key stop working, unless it is kept in SECRET_KEY_FALLBACKS.
The two data migrations are run for real (back, then forward): certificates 0006 gives an old row the
salt it was signed with, holders 0003 re-hashes an old inquiry's phone.
"""

from __future__ import annotations

import datetime
import secrets
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils import timezone

import skillcert
from skillcert.certificates.models import Certificate
from skillcert.core.errors import NotFound
from skillcert.esign import canonical, offline, revocation
from skillcert.esign.services import documents, keys
from skillcert.holders import inquiry
from skillcert.holders import services as holder_services
from skillcert.holders.models import CertificateInquiry
from skillcert.holders.tests.fixtures import PHONE, id_of, issued_fixture, last_code  # noqa: F401
from skillcert.people.protect import decrypt

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogs(transactional_db: None) -> None:
    """A transactional test empties the database after it: the next one loads the catalogs again."""
    from skillcert.catalog.seed import load_catalogs

    load_catalogs()


def _verify_offline(data: bytes) -> offline.Verdict:
    keys_doc = Client().get("/api/v1/keys/").json()
    now = datetime.datetime.now(datetime.UTC)
    return offline.verify_file_offline(data, keys_doc, revocation.build_revocation_list(now=now), now=now)


def test_x7_certificates_get_a_random_stored_salt(issued: list[Certificate]) -> None:
    salts = [bytes(Certificate.objects.get(pk=c.pk).id_salt) for c in issued]
    assert all(len(s) == 16 for s in salts) and len(set(salts)) == len(salts)
    record, _, _ = documents.certificate_source(issued[0])
    number = decrypt(issued[0].id_cipher)
    expected = canonical.canonical_record({**record, "id_number": number, "id_salt": salts[0]})
    assert record["id_commitment"] == expected["id_commitment"]


def test_x7_r3_3_imported_certificates_get_a_random_stored_salt(demo: dict[str, Any], tmp_path: Path) -> None:
    """The import writes its rows itself (COPY text on PostgreSQL, bulk_create elsewhere): each row gets
    its own 16-byte salt, and the record of an imported certificate commits with it."""
    from skillcert.exchange.services.imports import import_certificates
    from skillcert.exchange.tests.helpers import row, write_csv

    path = write_csv(tmp_path / "a.csv", [row(0), row(1), row(2)])
    report = import_certificates(path, actor=demo["users"]["nj_admin"], organisation=demo["orgs"]["JS-NJ"])
    assert report.created == 3
    imported = list(Certificate.objects.filter(source="imported"))
    salts = {bytes(c.id_salt) for c in imported}
    assert len(imported) == 3 and len(salts) == 3 and {len(s) for s in salts} == {16}
    record, _, _ = documents.certificate_source(imported[0])
    expected = canonical.canonical_record(
        {**record, "id_number": decrypt(imported[0].id_cipher), "id_salt": bytes(imported[0].id_salt)}
    )
    assert record["id_commitment"] == expected["id_commitment"]


def test_x7_rotating_secret_key_keeps_certificates_codes_and_inquiries(
    settings: Any, tmp_path: Path, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    settings.MEDIA_ROOT = tmp_path
    cert = issued[0]
    _ensure_key(cert)
    stored = documents.ensure_documents(cert)
    pdf, ofd = (documents.read_document(stored[k]) for k in ("pdf", "ofd"))
    before, _, _ = documents.certificate_source(cert)

    challenge = holder_services.start_challenge(cert.number, cert.data["name"], id_of(0), client=None)
    holder_code = last_code()
    today = timezone.localdate()
    form = {
        "organisation_id": demo["orgs"]["JS"].pk,
        "name": issued[1].data["name"],
        "id_number": id_of(1),
        "phone": PHONE,
        "received_on": today - datetime.timedelta(days=45),
        "client": None,
    }
    opened = inquiry.confirm_inquiry(inquiry.start_inquiry(**form), last_code())
    pending = inquiry.start_inquiry(**form)
    pending_code = last_code()

    staff, idle = Client(), Client()
    for c in (staff, idle):
        c.force_login(demo["users"]["nj_admin"])
        assert c.get("/manage/").status_code == 200
    user = demo["users"]["nj003"]
    reset_token = default_token_generator.make_token(user)

    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-" + secrets.token_urlsafe(50)

    # The signed e-certificate files, as downloaded before, still verify offline (R2.1) ...
    assert _verify_offline(pdf).state == "valid" and _verify_offline(ofd).state == "valid"
    # ... and the record rendered now commits to the ID number exactly as the signed one does.
    after, _, _ = documents.certificate_source(Certificate.objects.get(pk=cert.pk))
    assert after["id_commitment"] == before["id_commitment"] and after == before
    # The holder's code sent before the rotation is accepted (R2.3).
    assert holder_services.verify_challenge(challenge, holder_code).verified_at is not None
    # The inquiry confirmed before is found by reference and phone; the one pending is confirmed (R3.4).
    assert inquiry.lookup(opened.reference, PHONE).pk == opened.pk
    assert inquiry.confirm_inquiry(pending, pending_code).status == CertificateInquiry.Status.OPEN

    # What the rotation is for: with the old key kept as a fallback, sessions and reset links last (a
    # session used meanwhile is re-signed with the new key) ...
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert staff.get("/manage/").status_code == 200
    assert default_token_generator.check_token(user, reset_token)
    # ... and once it is taken out, whatever the old key signed is void.
    settings.SECRET_KEY_FALLBACKS = []
    assert staff.get("/manage/").status_code == 200
    assert idle.get("/manage/").status_code == 302  # to the log-in page
    assert not default_token_generator.check_token(user, reset_token)


def _ensure_key(cert: Certificate) -> None:
    from skillcert.esign.models import IssuerKey, KeyStatus

    authority = cert.issuing_authority
    if not IssuerKey.objects.filter(organisation=authority, status=KeyStatus.ACTIVE).exists():
        keys.create_key(authority, actor=None)


def test_nothing_derives_from_secret_key() -> None:
    """Only Django's own signing may use SECRET_KEY. The one exception is the migration that stored the
    salts the old derivation gave (certificates 0006), which must run with the old key."""
    source = Path(skillcert.__file__).parent
    users = sorted(
        str(p.relative_to(source))
        for p in source.rglob("*.py")
        if "/tests/" not in f"/{p.relative_to(source)}"
        and "settings.SECRET_KEY" in p.read_text(encoding="utf-8")
    )
    assert users == ["certificates/migrations/0006_fill_id_salt.py"]


@pytest.mark.django_db(transaction=True)
def test_x7_existing_certificates_keep_the_salt_they_had(
    catalogs: None, settings: Any, tmp_path: Path, issued: list[Certificate]
) -> None:
    """Migration certificates 0006: a certificate from before the stored salt gets exactly the salt the old
    derivation gave it, so the records signed with it (e-certificates already downloaded) still match."""
    import hashlib
    import hmac

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    cert = issued[0]
    legacy_key = hashlib.sha256(b"skillcert/id-salt:" + settings.SECRET_KEY.encode()).digest()
    legacy = hmac.new(legacy_key, cert.licence_id.encode(), hashlib.sha256).digest()[:16]
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("certificates")
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([("certificates", "0005_certificate_id_salt")])
        Certificate.objects.filter(pk=cert.pk).update(id_salt=None)  # as the old code left every row
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)
    assert bytes(Certificate.objects.get(pk=cert.pk).id_salt) == legacy
    assert bytes(Certificate.objects.get(pk=issued[1].pk).id_salt) != legacy  # others keep theirs


@pytest.mark.django_db(transaction=True)
def test_r3_4_existing_inquiries_are_found_after_the_rekey(
    catalogs: None, settings: Any, demo: dict[str, Any], issued: list[Certificate]
) -> None:
    """Migration holders 0003: an inquiry whose phone hash the old code keyed with SECRET_KEY is re-hashed
    from its encrypted phone, and is found by reference and phone afterwards."""
    import hashlib
    import hmac

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    today = timezone.localdate()
    inq = inquiry.start_inquiry(
        organisation_id=demo["orgs"]["JS"].pk,
        name=issued[1].data["name"],
        id_number=id_of(1),
        phone=PHONE,
        received_on=today - datetime.timedelta(days=45),
        client=None,
    )
    inquiry.confirm_inquiry(inq, last_code())
    old_key = hashlib.sha256(b"skillcert/inquiry-phone:" + settings.SECRET_KEY.encode()).digest()
    legacy = hmac.new(old_key, PHONE.encode(), hashlib.sha256).hexdigest()
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("holders")
    try:
        MigrationExecutor(connection).migrate([("holders", "0002_inquiries_and_corrections")])
        CertificateInquiry.objects.filter(pk=inq.pk).update(phone_hash=legacy)  # as the old code wrote it
        with pytest.raises(NotFound):
            inquiry.lookup(inq.reference, PHONE)
        MigrationExecutor(connection).migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)
    assert inquiry.lookup(inq.reference, PHONE).pk == inq.pk
