"""Small template helpers for report tables."""

from __future__ import annotations

from typing import Any

from django import template

from skillcert.reports.services.build import level_label as _level_label
from skillcert.reports.services.build import rate_text

register = template.Library()


@register.filter
def rate(value: float | None) -> str:
    return rate_text(value)


@register.simple_tag
def level_label(content: dict[str, Any], number: Any) -> str:
    return _level_label(content, int(number))


@register.simple_tag
def destroyed_count(content: dict[str, Any], level: Any) -> str:
    destroyed = content["destroyed"]
    if not destroyed["available"]:
        return "—"
    if level is None:
        return str(destroyed["total"])
    return str(destroyed["by_level"].get(str(level), 0))
