"""Inquiry phone hashes under the data key's HKDF key instead of one derived from SECRET_KEY (issue 13
item 11), so that rotating SECRET_KEY leaves every inquiry reachable by its reference and phone (R3.4).

The phone is kept encrypted beside its hash, so each hash is recomputed from it. Codes still waiting to
be entered (ten minutes, holder sign-in and inquiry confirmation) cannot be recomputed: the few in flight
while this runs are refused once and the holder asks for a new one.
"""

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import migrations


def _keys() -> tuple[bytes, bytes]:
    """(the phone-hash key, the encryption key), as skillcert.people.protect derives them."""
    master = base64.urlsafe_b64decode(settings.DATA_KEY)
    phone = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"skillcert/inquiry-phone").derive(master)
    return phone, hmac.new(master, b"skillcert/document-encryption", hashlib.sha256).digest()


def _decrypt(key: bytes, token: str) -> str:
    version, _, body = token.partition(":")
    raw = base64.urlsafe_b64decode(body)
    return AESGCM(key).decrypt(raw[:12], raw[12:], version.encode()).decode()


def rekey(apps, schema_editor):
    CertificateInquiry = apps.get_model("holders", "CertificateInquiry")
    phone_key, encryption_key = _keys()
    changed = []
    for inquiry in CertificateInquiry.objects.only("id", "phone_cipher", "phone_hash").iterator(chunk_size=1000):
        phone = _decrypt(encryption_key, inquiry.phone_cipher)
        inquiry.phone_hash = hmac.new(phone_key, phone.encode(), hashlib.sha256).hexdigest()
        changed.append(inquiry)
    CertificateInquiry.objects.bulk_update(changed, ["phone_hash"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("holders", "0002_inquiries_and_corrections"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop, elidable=False),
    ]
