"""Scoping by the organisation tree (X1, design.md rule 8).

`org_filter(user, "organisation")` is a Q object restricting any model with an organisation foreign
key to the subtrees where the user holds a role (optionally only roles granting a permission).
Every list, detail, export and API view goes through it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from skillcert.orgs.permissions import ROLE_PERMISSIONS


def _memberships(user: Any) -> list[tuple[str, str]]:
    """(path, role) pairs of the user's memberships, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_skillcert_memberships", None)
    if cached is None:
        cached = list(
            user.memberships.filter(organisation__active=True).values_list("organisation__path", "role")
        )
        user._skillcert_memberships = cached
    return cached


def _well_formed(path: Any) -> bool:
    """A path that scopes something: "/1/4/". The database refuses others (org_path_well_formed); this
    is the second line, because "" is a prefix of every path and would grant the whole tree."""
    return isinstance(path, str) and len(path) > 2 and path.startswith("/") and path.endswith("/")


def scope_paths(user: Any, permission: str | None = None) -> list[str]:
    """The organisation paths whose subtrees the user may act on (with `permission`, if given)."""
    paths = sorted(
        {
            path
            for path, role in _memberships(user)
            if _well_formed(path)
            and (permission is None or permission in ROLE_PERMISSIONS.get(role, frozenset()))
        }
    )
    # Drop paths already covered by an ancestor path, keeping the filter small.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def org_filter(user: Any, field: str | None, permission: str | None = None, include_null: bool = False) -> Q:
    """A Q restricting `<field>__path` to the user's subtrees. `field=None` filters Organisation itself."""
    prefix = f"{field}__path" if field else "path"
    q = Q(pk__in=[])
    for path in scope_paths(user, permission):
        q |= Q(**{f"{prefix}__startswith": path})
    if include_null and field:
        q |= Q(**{f"{field}__isnull": True})
    return q


def has_permission(user: Any, permission: str, org: Any | None = None) -> bool:
    """Whether the user holds `permission` through a role at `org` or one of its ancestors
    (or anywhere, when org is None)."""
    if org is not None and not _well_formed(org.path):
        return False
    for path, role in _memberships(user):
        if (
            _well_formed(path)
            and permission in ROLE_PERMISSIONS.get(role, frozenset())
            and (org is None or org.path.startswith(path))
        ):
            return True
    return False


def forget_memberships(user: Any) -> None:
    if hasattr(user, "_skillcert_memberships"):
        del user._skillcert_memberships
