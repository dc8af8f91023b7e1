"""Hashed, expiring API tokens replace DRF's plain-text authtoken (issue 13 item 8, R3.9).

Live integrations keep working: every key in DRF's `authtoken_token` table (where an installation has
it) becomes an ApiToken holding the key's SHA-256 — the same hash the authentication computes — and
expiring SKILLCERT_API_TOKEN_DAYS after this migration. Then the plain-text table is dropped and DRF's
migration records removed (the app is no longer installed). Stale content types of the old app can be
removed with `skillcert remove_stale_contenttypes`."""

import datetime
import hashlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

DRF_TABLE = "authtoken_token"


def _aware(value):
    """Raw SQL gives SQLite's datetimes naive (UTC) or as text."""
    from django.utils.dateparse import parse_datetime

    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.timezone.utc)
    return value


def import_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if DRF_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    expires = now + datetime.timedelta(days=int(getattr(settings, "SKILLCERT_API_TOKEN_DAYS", 30)))
    table = schema_editor.quote_name(DRF_TABLE)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {schema_editor.quote_name('key')}, user_id, created FROM {table}")  # noqa: S608
        rows = cur.fetchall()
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user_id=user_id,
                prefix=key[:8],
                digest=hashlib.sha256(key.encode()).hexdigest(),
                label="migrated from DRF authtoken",
                created=_aware(created) or now,
                expires_at=expires,
            )
            for key, user_id, created in rows
        ]
    )
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE {table}")
        cur.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_incidents_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('prefix', models.CharField(db_index=True, help_text='first characters of the key', max_length=12)),
                ('digest', models.CharField(help_text='SHA-256 of the key, hex', max_length=64, unique=True)),
                ('label', models.CharField(blank=True, max_length=100)),
                ('created', models.DateTimeField(db_index=True)),
                ('expires_at', models.DateTimeField()),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('revoke_reason', models.CharField(blank=True, max_length=40)),
                ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created', '-id'],
                'indexes': [models.Index(fields=['user', 'revoked_at'], name='apitoken_user_active')],
            },
        ),
        migrations.RunPython(import_drf_tokens, migrations.RunPython.noop),
    ]
