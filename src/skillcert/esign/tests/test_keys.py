"""Issuer keys (issue 5 item 1): encrypted at rest, rotation, revocation, audit, CLI and public API.

R2.1 (electronic certificates are signed by the issuing authority and checkable as originals),
R2.3 (public verification needs the published keys, their validity and revocation),
X2 (every change audited; secrets never in the log).
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets
from io import StringIO
from typing import Any

import gmalg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from skillcert.audit.models import AuditEntry
from skillcert.core.errors import NotFound, SkillcertError, ValidationFailed
from skillcert.esign import sm2
from skillcert.esign.models import IssuerKey, KeyStatus
from skillcert.esign.services import keys

pytestmark = pytest.mark.django_db

MESSAGE = b"certificate 1032000000000001"


@pytest.fixture(autouse=True)
def _no_demo_keys(demo: dict[str, Any]) -> None:
    """The demo may create one key per issuing authority; these tests start without keys."""
    IssuerKey.objects.all().delete()


@pytest.fixture
def authority(demo: dict[str, Any]) -> Any:
    return demo["orgs"]["JS-HRSS"]


def _audit_text(key: IssuerKey) -> str:
    rows = AuditEntry.objects.filter(object_type="esign.IssuerKey", object_id=str(key.pk))
    return json.dumps(
        [[r.action, r.before, r.after, r.data, r.object_repr] for r in rows], ensure_ascii=False
    )


def test_private_key_encrypted_at_rest(authority: Any) -> None:
    """R2.1/X2: the row holds only AES-GCM ciphertext; decrypting gives the key of the published half."""
    key = keys.create_key(authority, actor=None)
    secret = keys.private_key(key)
    assert len(secret) == 32 and sm2.public_key_of(secret) == key.public_key_bytes
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM esign_issuerkey WHERE id = %s", [key.pk])
        row = " ".join(str(v) for v in cur.fetchone())
    for encoding in (secret.hex(), secret.hex().upper(), base64.b64encode(secret).decode()):
        assert encoding not in row
    assert key.private_key_cipher.startswith("v1:")
    assert secret.hex() not in repr(key) and secret.hex() not in str(key)


def test_wrong_data_key_cannot_decrypt(authority: Any, settings: Any) -> None:
    key = keys.create_key(authority, actor=None)
    settings.DATA_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    with pytest.raises(SkillcertError) as err:
        keys.private_key(key)
    assert err.value.code == "esign.key.undecryptable"


def test_cipher_bound_to_key_id(authority: Any, demo: dict[str, Any]) -> None:
    a = keys.create_key(authority, actor=None)
    b = keys.create_key(demo["orgs"]["IND-49"], actor=None)
    b.private_key_cipher = a.private_key_cipher  # a ciphertext moved to another row does not decrypt
    with pytest.raises(SkillcertError):
        keys.private_key(b)


def test_sign_with_active_key_verifies_independently(authority: Any) -> None:
    key = keys.create_key(authority, actor=None)
    kid, sig = keys.sign_with(authority, MESSAGE)
    assert kid == key.key_id == sm2.key_id(key.public_key_bytes)
    assert gmalg.SM2(pk=key.public_key_bytes, uid=sm2.SM2_USER_ID).verify(MESSAGE, sig[:32], sig[32:])


def test_missing_key_is_a_bilingual_error(authority: Any) -> None:
    with pytest.raises(NotFound) as err:
        keys.active_key(authority)
    assert err.value.code == "esign.key.missing"
    assert err.value.message_zh and err.value.message_en


def test_only_issuers_hold_keys(demo: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as err:
        keys.create_key(demo["orgs"]["JS"], actor=None)
    assert err.value.code == "esign.key.not_issuer"


def test_second_create_conflicts(authority: Any) -> None:
    keys.create_key(authority, actor=None)
    with pytest.raises(SkillcertError) as err:
        keys.create_key(authority, actor=None)
    assert err.value.code == "esign.key.exists"


def test_rotation_keeps_old_keys_verifying(authority: Any) -> None:
    """R2.3: what the retired key signed still verifies; new signatures come from the new key."""
    old = keys.create_key(authority, actor=None, valid_from=timezone.now() - datetime.timedelta(days=1))
    kid_old, sig_old = keys.sign_with(authority, MESSAGE)
    signed_at = timezone.now()
    new = keys.rotate_key(authority, actor=None)
    old.refresh_from_db()
    assert old.status == KeyStatus.RETIRED and old.valid_until is not None
    assert keys.active_key(authority) == new and new.key_id != old.key_id
    assert keys.verify_with(old, MESSAGE, sig_old, signed_at)
    kid_new, sig_new = keys.sign_with(authority, MESSAGE)
    assert kid_old == old.key_id and kid_new == new.key_id
    assert keys.verify_with(new, MESSAGE, sig_new, timezone.now())
    assert not sm2.verify(old.public_key_bytes, MESSAGE, sig_new)
    # The retired key no longer signs: a signature claimed after its retirement is not accepted.
    assert not keys.key_valid_for(old, timezone.now() + datetime.timedelta(seconds=1))
    assert IssuerKey.objects.filter(organisation=authority, status=KeyStatus.ACTIVE).count() == 1


def test_revocation_requires_reason_and_cuts_off_later_signatures(authority: Any) -> None:
    key = keys.create_key(authority, actor=None, valid_from=timezone.now() - datetime.timedelta(days=2))
    _, sig = keys.sign_with(authority, MESSAGE)
    before = timezone.now() - datetime.timedelta(hours=1)
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed) as err:
            keys.revoke_key(key, actor=None, reason=reason)
        assert err.value.code == "esign.key.reason_required"
    keys.revoke_key(key, actor=None, reason="私钥泄露 / private key leaked")
    key.refresh_from_db()
    assert key.status == KeyStatus.REVOKED and key.revoked_at is not None
    assert key.revocation_reason == "私钥泄露 / private key leaked"
    assert keys.verify_with(key, MESSAGE, sig, before)
    assert not keys.verify_with(key, MESSAGE, sig, key.revoked_at)
    assert not keys.verify_with(key, MESSAGE, sig, key.revoked_at + datetime.timedelta(minutes=1))
    with pytest.raises(NotFound):
        keys.active_key(authority)
    with pytest.raises(SkillcertError) as err2:
        keys.revoke_key(key, actor=None, reason="again")
    assert err2.value.code == "esign.key.already_revoked"
    # A new key can be created after the revocation.
    assert keys.create_key(authority, actor=None).status == KeyStatus.ACTIVE


def test_audit_rows_carry_no_key_material(authority: Any, demo: dict[str, Any]) -> None:
    """X2: create, rotate (retire) and revoke each leave an audit row; none holds private key data."""
    leader = demo["users"]["jx_leader"]
    since = (
        AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    )  # after the demo's keys
    key = keys.create_key(authority, actor=leader)
    secret = keys.private_key(key)
    new = keys.rotate_key(authority, actor=leader)
    keys.revoke_key(new, actor=leader, reason="compromised")
    actions = list(
        AuditEntry.objects.filter(object_type="esign.IssuerKey", id__gt=since)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["esign.key.create", "esign.key.retire", "esign.key.rotate", "esign.key.revoke"]
    assert AuditEntry.objects.filter(action="esign.key.create", object_id=str(key.pk), organisation=authority)
    for k in (key, new):
        text = _audit_text(k)
        assert "private_key" not in text
        assert k.private_key_cipher not in text
        secret_k = keys.private_key(k)
        assert secret_k.hex() not in text and secret_k.hex().upper() not in text
    assert secret.hex() not in json.dumps(
        list(AuditEntry.objects.values("before", "after", "data")), default=str
    )
    revoke = AuditEntry.objects.get(action="esign.key.revoke")
    assert revoke.after is not None and revoke.after["revocation_reason"] == "compromised"
    assert revoke.actor == leader


def test_command_creates_key_with_cli_audit_row(authority: Any) -> None:
    out = StringIO()
    call_command("keys", "create", "--organisation", "JS-HRSS", stdout=out)
    key = IssuerKey.objects.get(organisation=authority)
    assert key.key_id in out.getvalue()
    entry = AuditEntry.objects.get(action="esign.key.create", object_id=str(key.pk))
    assert entry.channel == "cli" and entry.actor_label.startswith("cli:")
    call_command("keys", "rotate", "--organisation", "JS-HRSS", stdout=StringIO())
    new = keys.active_key(authority)
    call_command("keys", "revoke", key.key_id, "--reason", "lost backup", stdout=StringIO())
    listing = StringIO()
    call_command("keys", "list", "--json", stdout=listing)
    rows = {r["key_id"]: r for r in json.loads(listing.getvalue())}
    assert rows[key.key_id]["status"] == "revoked" and rows[new.key_id]["status"] == "active"
    assert "private" not in listing.getvalue()
    ours = [str(key.pk), str(new.pk)]
    assert (
        AuditEntry.objects.filter(action__startswith="esign.key.", channel="cli", object_id__in=ours).count()
        == 4
    )
    with pytest.raises(CommandError):
        call_command("keys", "revoke", "0000000000000000", "--reason", "x", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("keys", "create", "--organisation", "NOPE", stdout=StringIO())


def test_public_key_list_without_login(authority: Any, demo: dict[str, Any], client: Any) -> None:
    """R2.3: `/api/v1/keys/` answers anonymous callers with public data only."""
    old = keys.create_key(authority, actor=None)
    keys.rotate_key(authority, actor=None)
    keys.create_key(demo["orgs"]["IND-49"], actor=None)
    response = client.get("/api/v1/keys/")
    assert response.status_code == 200
    body = response.json()
    results = body["results"] if isinstance(body, dict) and "results" in body else body
    assert len(results) == 3
    assert set(results[0]) == {
        "key_id",
        "organisation_code",
        "organisation_name",
        "algorithm",
        "public_key",
        "valid_from",
        "valid_until",
        "status",
        "revoked_at",
    }
    by_id = {r["key_id"]: r for r in results}
    assert by_id[old.key_id]["status"] == "retired"
    assert by_id[old.key_id]["organisation_code"] == "JS-HRSS"
    assert by_id[old.key_id]["public_key"] == old.public_key and by_id[old.key_id]["algorithm"] == "SM2"
    assert sm2.key_id(bytes.fromhex(by_id[old.key_id]["public_key"])) == old.key_id
    text = response.content.decode()
    assert "cipher" not in text and old.private_key_cipher not in text
    detail = client.get(f"/api/v1/keys/{old.key_id}/")
    assert detail.status_code == 200 and detail.json()["key_id"] == old.key_id
    assert client.get("/api/v1/keys/0000000000000000/").status_code == 404
    assert client.post("/api/v1/keys/", {}).status_code in (403, 405)


def test_visible_to_scopes_by_organisation(demo: dict[str, Any]) -> None:
    keys.create_key(demo["orgs"]["JS-HRSS"], actor=None)
    keys.create_key(demo["orgs"]["IND-49"], actor=None)
    visible = {k.organisation.code for k in IssuerKey.objects.visible_to(demo["users"]["jx_leader"])}
    assert visible == {"IND-49"}
    assert not IssuerKey.objects.visible_to(None).exists()
