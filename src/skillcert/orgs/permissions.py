"""What each role may do. A role held at an organisation applies to that organisation's subtree (X1).

Permissions are plain strings `<app>.<verb>`; later issues add theirs here.
"""

from __future__ import annotations

from skillcert.orgs.choices import Role

_READ = {"people.view", "orgs.view", "catalog.view", "jobs.view", "appraisal.view", "certificates.view"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.STATION_OPERATOR: frozenset(
        _READ | {"people.change", "appraisal.plan", "appraisal.enrol", "appraisal.score"}
    ),
    Role.CERT_ADMIN: frozenset(
        _READ | {"people.change", "orgs.register", "jobs.run", "appraisal.plan", "certificates.issue",
                 "certificates.reissue", "certificates.correct"}
    ),
    Role.REVIEWER: frozenset(_READ | {"appraisal.review", "appraisal.draw"}),
    Role.CENTRE_LEADER: frozenset(
        _READ | {"orgs.change", "orgs.register", "orgs.accredit", "audit.view", "appraisal.plan",
                 "appraisal.review", "certificates.issue", "certificates.review", "certificates.revoke"}
    ),
    Role.NETWORK_ADMIN: frozenset(_READ | {"jobs.run"}),
    Role.AUDITOR: frozenset(_READ | {"audit.view"}),
    Role.SYSADMIN: frozenset(
        _READ | {"people.change", "orgs.change", "orgs.register", "orgs.accredit", "orgs.members",
                 "catalog.change", "audit.view", "jobs.run"}
    ),
}

ALL_PERMISSIONS: frozenset[str] = frozenset().union(*ROLE_PERMISSIONS.values())
