"""`field__any`: the same rows as `field__in`, one array parameter on PostgreSQL (core/lookups.py; the
import's per-chunk look-ups, R3.3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from skillcert.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_any_finds_what_in_finds(demo: dict[str, Any]) -> None:
    codes = list(Organisation.objects.order_by("code").values_list("code", flat=True))
    assert len(codes) >= 4
    for wanted in ([codes[0]], [*codes[1:3], "NO-SUCH", codes[1], None], [f"{c}x" for c in codes], codes):
        in_rows = set(Organisation.objects.filter(code__in=wanted).values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            any_rows = set(Organisation.objects.filter(code__any=wanted).values_list("pk", flat=True))
        assert any_rows == in_rows
        if connection.vendor == "postgresql":
            assert "= ANY(" in queries[0]["sql"] and " IN (" not in queries[0]["sql"]
    pks = list(Organisation.objects.values_list("pk", flat=True))
    assert Organisation.objects.filter(pk__any=pks).count() == len(pks)
    assert not Organisation.objects.filter(code__any=[]).exists()
