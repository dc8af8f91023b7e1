"""Filter building blocks shared by the apps' filter sets (design.md rule 7)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

# Primary keys are BigAutoFields: 1 .. 2**63 - 1.
ID_MIN = 1
ID_MAX = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", ID_MIN)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": ID_MIN, "maximum": ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """A record id. Anything that cannot be one (a fraction, text, a number outside the key range) is
    rejected as invalid input (400) instead of reaching the database, where an out-of-range foreign-key
    value crashes the query."""

    field_class = IdField
