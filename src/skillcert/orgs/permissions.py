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
        _READ
        | {
            "people.change",
            "orgs.register",
            "jobs.run",
            "appraisal.plan",
            "certificates.issue",
            "certificates.reissue",
            "certificates.correct",
        }
    ),
    Role.REVIEWER: frozenset(_READ | {"appraisal.review", "appraisal.draw"}),
    Role.CENTRE_LEADER: frozenset(
        _READ
        | {
            "orgs.change",
            "orgs.register",
            "orgs.accredit",
            "audit.view",
            "appraisal.plan",
            "appraisal.review",
            "certificates.issue",
            "certificates.review",
            "certificates.revoke",
        }
    ),
    Role.NETWORK_ADMIN: frozenset(_READ | {"jobs.run"}),
    Role.AUDITOR: frozenset(_READ | {"audit.view"}),
    Role.SYSADMIN: frozenset(
        _READ
        | {
            "people.change",
            "orgs.change",
            "orgs.register",
            "orgs.accredit",
            "orgs.members",
            "catalog.change",
            "audit.view",
            "jobs.run",
        }
    ),
}

# Permission names reserved for the later domains (blanks, printing, reports, publication,
# exchange, accounts) are granted below as those apps land; one place keeps the roles readable.
_EXTRA: dict[str, set[str]] = {
    Role.STATION_OPERATOR: {"blanks.view", "reports.view", "printing.print"},  # R1.8: on the centre's stock
    Role.CERT_ADMIN: {
        "blanks.view",
        "blanks.manage",
        "blanks.requisition",
        "printing.print",
        "reports.view",
        "reports.submit",
        "exchange.import",
        "exchange.export",
        "publication.submit",
        "publication.view",
    },
    Role.REVIEWER: {"reports.view"},
    Role.CENTRE_LEADER: {
        "blanks.view",
        "blanks.approve",
        "blanks.manage",
        "reports.view",
        "reports.submit",
        "publication.signoff",
        "publication.view",
        "accounts.security",
    },
    Role.NETWORK_ADMIN: {"publication.view", "publication.publish", "exchange.export", "backup.run"},
    Role.AUDITOR: {"blanks.view", "reports.view", "publication.view"},
    Role.SYSADMIN: {"accounts.security", "backup.run"},
    Role.DATA_HANDLER: {
        "blanks.view",
        "reports.view",
        "publication.view",
        "publication.submit",
        "publication.signoff",
        "exchange.import",
    },
    Role.SECTION_HEAD: {"blanks.view", "blanks.approve", "reports.view", "publication.view"},
    Role.DEPARTMENT_HEAD: {"blanks.view", "reports.view", "publication.view", "publication.signoff"},
    Role.LEADER_IN_CHARGE: {
        "blanks.view",
        "blanks.approve",
        "reports.view",
        "publication.view",
        "publication.signoff",
    },
}
# Holder inquiries "I cannot find my certificate" (R3.4) are answered by these roles at the centre.
for _role in (Role.CERT_ADMIN, Role.CENTRE_LEADER):
    _EXTRA[_role] = _EXTRA[_role] | {"holders.answer"}
ROLE_PERMISSIONS = {
    role: ROLE_PERMISSIONS.get(role, frozenset(_READ)) | frozenset(_EXTRA.get(role, set())) for role in Role
}

ALL_PERMISSIONS: frozenset[str] = frozenset().union(*ROLE_PERMISSIONS.values())
