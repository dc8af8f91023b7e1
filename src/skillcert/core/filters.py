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


def visible_rows(model: Any, user: Any) -> Any:
    """The rows of `model` a user may name: `visible_to(user)` for a model owned in the organisation tree,
    every row for reference data (which has no `visible_to`)."""
    manager = model._default_manager
    return manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()


def scope_choices(filterset: django_filters.FilterSet, user: Any) -> django_filters.FilterSet:
    """Restrict the filter set's model-choice filters (django-filter makes one for every foreign key in a
    viewset's `filterset_fields`) to the rows the user may see. An id outside the user's scope is then
    refused as an invalid choice (400), exactly like an id that does not exist, instead of answering
    with an empty list that tells the record exists (X1, decision 0003)."""
    for item in filterset.filters.values():
        if isinstance(item, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
            queryset = item.queryset
            if queryset is not None and not callable(queryset):
                item.queryset = visible_rows(queryset.model, user)
    return filterset
