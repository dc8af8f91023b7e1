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
    ("appraisal:plans", _("Annual plans"), "appraisal.view"),
    ("appraisal:sessions", _("Appraisal sessions"), "appraisal.view"),
    ("appraisal:papers", _("Paper sets"), "appraisal.view"),
    ("certificates:list", _("Certificates"), "certificates.view"),
    ("holders-staff:inquiries", _("Holder inquiries"), "holders.answer"),
    ("holders-staff:corrections", _("Correction requests"), "certificates.correct"),
    ("holders-staff:reissues", _("Reissue requests"), "certificates.reissue"),
    ("accounts:security", _("Account security"), "accounts.security"),
    ("accounts:password_change", _("Change password"), None),
    ("accounts:tokens", _("API tokens"), None),
    ("reports:index", _("Statistics reports"), "reports.view"),
    ("reports:deadlines", _("Report deadlines"), "reports.view"),
    ("reports:dashboard", _("Statistics dashboard"), "reports.view"),
    ("publication:overview", _("Publication"), "publication.view"),
    ("exchange:import", _("Import certificates"), "exchange.import"),
    ("exchange:export", _("National data exchange"), "exchange.export"),
    ("printing:jobs", _("Printing"), "printing.print"),
    ("blanks:stock", _("Blank certificates"), "blanks.view"),
    ("blanks:distributions", _("Paper certificate distribution"), "blanks.view"),
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
    # One line per organisation, listing the roles held there.
    by_org: dict[int, tuple[Any, list[str]]] = {}
    for membership in user.memberships.select_related("organisation"):
        org = membership.organisation
        by_org.setdefault(org.pk, (org, []))[1].append(str(membership.get_role_display()))
    return {
        "nav_items": items,
        "my_memberships": list(by_org.values()),
        "show_admin_link": user.is_superuser and has_permission(user, "catalog.change"),
    }
