"""`field__any=[…]`: membership in a list of values passed as ONE array parameter on PostgreSQL.

`field__in` with 10,000 values is a statement with 10,000 placeholders: building and splitting it cost
more CPU than the indexed look-up itself in the import (bench/import.py: ~1.3 s per 50,000 rows in
Django's compiler and psycopg's query splitter). `= ANY(%s)` with a list sends one array and uses the
same index. Elsewhere (SQLite) it is exactly `__in`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field
from django.db.models.lookups import In


@Field.register_lookup
class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in dict.fromkeys(self.rhs)]
        values = [v for v in values if v is not None]
        return f"{lhs} = ANY(%s)", [*lhs_params, values]
