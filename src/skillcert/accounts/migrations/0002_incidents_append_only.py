"""Security incidents and their evidence cannot be rewritten (R3.9 preserved evidence, X2): the
database refuses UPDATE (and on PostgreSQL DELETE), as for the audit log (decision 0002)."""

from django.db import migrations

TABLES = ["accounts_securityincident", "accounts_incidentevidence"]

PG_UP = """
CREATE OR REPLACE FUNCTION accounts_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'security incident records are append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
    "FOR EACH ROW EXECUTE FUNCTION accounts_append_only();\n"
    for t in TABLES
)
PG_DOWN = "".join(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};\n" for t in TABLES) + (
    "DROP FUNCTION IF EXISTS accounts_append_only();"
)
SQLITE_UP = [
    f"CREATE TRIGGER {t}_append_only BEFORE UPDATE ON {t} "
    f"BEGIN SELECT RAISE(ABORT, 'security incident records are append-only (UPDATE refused)'); END;"
    for t in TABLES
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {t}_append_only;" for t in TABLES]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_account_security")]
    operations = [migrations.RunPython(forwards, backwards)]
