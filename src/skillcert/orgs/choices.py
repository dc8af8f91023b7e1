from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    NATIONAL = "national", _("National centre")
    PROVINCE = "province", _("Provincial centre")
    ISSUING_AUTHORITY = "issuing_authority", _("Issuing authority")
    CITY = "city", _("City centre")
    CITY_HR = "city_hr", _("City HR bureau")
    INDUSTRY = "industry", _("Industry centre")
    INDUSTRY_BRANCH = "industry_branch", _("Industry branch centre")
    STATION = "station", _("Appraisal station")


# Which kinds may sit under which. The national centre is the only root.
ALLOWED_PARENTS: dict[str, set[str]] = {
    OrgKind.NATIONAL: set(),
    OrgKind.PROVINCE: {OrgKind.NATIONAL},
    OrgKind.INDUSTRY: {OrgKind.NATIONAL},
    OrgKind.ISSUING_AUTHORITY: {OrgKind.NATIONAL, OrgKind.PROVINCE, OrgKind.CITY, OrgKind.INDUSTRY},
    OrgKind.CITY: {OrgKind.PROVINCE},
    OrgKind.CITY_HR: {OrgKind.PROVINCE, OrgKind.CITY},
    OrgKind.INDUSTRY_BRANCH: {OrgKind.INDUSTRY},
    OrgKind.STATION: {OrgKind.PROVINCE, OrgKind.CITY, OrgKind.INDUSTRY, OrgKind.INDUSTRY_BRANCH},
}


class Accreditation(models.TextChoices):
    """R4.7: a station's accreditation; only an active station may run sessions."""

    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class InstitutionType(models.TextChoices):
    """Digit 5 of the 8-digit institution code (and digit 7 of the 16-digit certificate number)."""

    GUIDANCE_CENTRE = "0", _("Guidance centre")
    NATIONAL_STATION = "1", _("National appraisal institute")
    LOCAL_STATION = "2", _("Local appraisal station")
    INDUSTRY_STATION = "3", _("Industry appraisal station")
    ENTERPRISE = "4", _("Enterprise appraisal")


class Role(models.TextChoices):
    STATION_OPERATOR = "station_operator", _("Station operator")
    CERT_ADMIN = "cert_admin", _("Certificate administrator")
    REVIEWER = "reviewer", _("Reviewer")
    CENTRE_LEADER = "centre_leader", _("Centre leader")
    NETWORK_ADMIN = "network_admin", _("Network administrator")
    AUDITOR = "auditor", _("Auditor")
    SYSADMIN = "sysadmin", _("System administrator")
    # The sign-off chains of seeds 001 and 003 (R1.3, R3.8) name these people.
    DATA_HANDLER = "data_handler", _("Data handler")
    SECTION_HEAD = "section_head", _("Section head")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    LEADER_IN_CHARGE = "leader_in_charge", _("Leader in charge")


class AdminDuty(models.TextChoices):
    """R1.9: what a named certificate administrator is responsible for."""

    CODING = "coding", _("Certificate coding")
    REPORTING = "reporting", _("Reporting")
    STATISTICS = "statistics", _("Statistics")
    REQUISITIONS = "requisitions", _("Requisitions")


class RolloutFeature(models.TextChoices):
    """R0.6: capabilities switched on per organisation from an effective date."""

    INTEGRATED_PRINTING = "integrated_printing", _("Integrated photo + data printing")
    E_CERTIFICATE = "e_certificate", _("Electronic certificates")
    ONLINE_QUERY = "online_query", _("Public online query")
