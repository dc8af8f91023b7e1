"""Navigation by role: each item needs a permission the user holds somewhere."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from skillcert.orgs.scoping import has_permission

NAV_ITEMS = [
    ("backoffice:dashboard", _("Dashboard"), None),
    ("backoffice:organisations", _("Organisations"), "orgs.view"),
    ("backoffice:people", _("People"), "people.view"),
    ("backoffice:occupations", _("Occupations"), "catalog.view"),
    ("backoffice:calendar", _("Holiday calendar"), "catalog.view"),
    ("backoffice:jobs", _("Jobs"), "jobs.view"),
    ("backoffice:audit", _("Audit log"), "audit.view"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/manage/"):
        return {}
    items = []
    for url_name, label, permission in NAV_ITEMS:
        if permission is None or has_permission(user, permission):
            url = reverse(url_name)
            items.append(
                {
                    "url": url,
                    "label": label,
                    "active": request.path == url or (url != "/manage/" and request.path.startswith(url)),
                }
            )
    memberships = list(user.memberships.select_related("organisation"))
    return {
        "nav_items": items,
        "my_memberships": memberships,
        "show_admin_link": user.is_superuser and has_permission(user, "catalog.change"),
    }
