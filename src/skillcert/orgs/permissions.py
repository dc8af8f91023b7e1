"""What each role may do. A role held at an organisation applies to that organisation's subtree (X1).

Permissions are plain strings `<app>.<verb>`; later issues add theirs here.
"""

from __future__ import annotations

from skillcert.orgs.choices import Role

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.STATION_OPERATOR: frozenset(
        {"people.view", "people.change", "orgs.view", "catalog.view", "jobs.view"}
    ),
    Role.CERT_ADMIN: frozenset(
        {
            "people.view",
            "people.change",
            "orgs.view",
            "orgs.register",
            "catalog.view",
            "jobs.view",
            "jobs.run",
        }
    ),
    Role.REVIEWER: frozenset({"people.view", "orgs.view", "catalog.view", "jobs.view"}),
    Role.CENTRE_LEADER: frozenset(
        {
            "people.view",
            "orgs.view",
            "orgs.change",
            "orgs.register",
            "orgs.accredit",
            "catalog.view",
            "audit.view",
            "jobs.view",
        }
    ),
    Role.NETWORK_ADMIN: frozenset({"people.view", "orgs.view", "catalog.view", "jobs.view", "jobs.run"}),
    Role.AUDITOR: frozenset({"people.view", "orgs.view", "catalog.view", "audit.view", "jobs.view"}),
    Role.SYSADMIN: frozenset(
        {
            "people.view",
            "people.change",
            "orgs.view",
            "orgs.change",
            "orgs.register",
            "orgs.accredit",
            "orgs.members",
            "catalog.view",
            "catalog.change",
            "audit.view",
            "jobs.view",
            "jobs.run",
        }
    ),
}

ALL_PERMISSIONS: frozenset[str] = frozenset().union(*ROLE_PERMISSIONS.values())
