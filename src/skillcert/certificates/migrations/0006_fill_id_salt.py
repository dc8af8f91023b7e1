"""Existing certificates keep the ID-commitment salt they effectively had (issue 13 item 11).

Until this migration the salt was not stored: it was derived on every rendering as
HMAC-SHA256(SHA-256("skillcert/id-salt:" + SECRET_KEY), licence_id)[:16]. Their signed records
(e-certificates already downloaded, certificate-data.md §3) commit with that salt, so it is computed once
more here, with the SECRET_KEY in force, and stored: from now on nothing derives from SECRET_KEY, and
rotating it changes no commitment. This is the one place the old derivation survives; it must run before
the key is rotated (docs/operations.md).
"""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations

CHUNK = 5000


def legacy_salt(key: bytes, licence_id: str) -> bytes:
    return hmac.new(key, licence_id.encode(), hashlib.sha256).digest()[:16]


def fill(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    key = hashlib.sha256(b"skillcert/id-salt:" + settings.SECRET_KEY.encode()).digest()
    connection = schema_editor.connection
    table = connection.ops.quote_name(Certificate._meta.db_table)
    column = connection.ops.quote_name("id_salt")
    pending = Certificate.objects.filter(id_salt__isnull=True).order_by("id").values_list("id", "licence_id")
    last = 0
    with connection.cursor() as cursor:
        while True:
            rows = list(pending.filter(id__gt=last)[:CHUNK])
            if not rows:
                break
            cursor.executemany(
                f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608 - names quoted above
                [(legacy_salt(key, licence_id), pk) for pk, licence_id in rows],
            )
            last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0005_certificate_id_salt"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
