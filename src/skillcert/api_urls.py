from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from skillcert.accounts.api import ApiTokenViewSet, ObtainTokenView
from skillcert.appraisal.api import (
    AnnualPlanViewSet,
    EnrolmentViewSet,
    PaperDrawViewSet,
    PaperSetViewSet,
    SessionViewSet,
)
from skillcert.audit.api import AuditEntryViewSet
from skillcert.blanks.api import (
    AllocationViewSet,
    DestructionViewSet,
    ReceiptViewSet,
    RequisitionViewSet,
    SerialViewSet,
)
from skillcert.blanks.api.distribution import DistributionViewSet
from skillcert.catalog.api import (
    CalendarDayViewSet,
    EducationLevelViewSet,
    LevelViewSet,
    OccupationViewSet,
    OstaCodeViewSet,
    RegionViewSet,
)
from skillcert.certificates.api import CertificateViewSet, DirectoryViewSet, NumberingConfigViewSet
from skillcert.core import csp
from skillcert.core.api import api_not_found
from skillcert.esign.api import IssuerKeyViewSet, RevocationListView
from skillcert.exchange.api import CredentialView, ImportView, NationalExportView
from skillcert.holders.api import ReissueRequestViewSet
from skillcert.holders.api_staff import CertificateInquiryViewSet, CorrectionRequestViewSet
from skillcert.jobs.api import JobViewSet
from skillcert.orgs.api import AdministratorEntryViewSet, OrganisationViewSet, RolloutSettingViewSet, me
from skillcert.people.api import PersonViewSet
from skillcert.reports.api import DashboardView, DeadlinesView, LiveReportView, ReportSubmissionViewSet
from skillcert.verification.api import VerifyView
from skillcert.verification.upload import VerifyFileView

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("auth/tokens", ApiTokenViewSet, basename="api-token-record")
router.register("administrators", AdministratorEntryViewSet, basename="administrator")
router.register("rollouts", RolloutSettingViewSet, basename="rollout")
router.register("people", PersonViewSet, basename="person")
router.register("levels", LevelViewSet, basename="level")
router.register("occupations", OccupationViewSet, basename="occupation")
router.register("regions", RegionViewSet, basename="region")
router.register("osta-codes", OstaCodeViewSet, basename="osta-code")
router.register("education-levels", EducationLevelViewSet, basename="education-level")
router.register("calendar-days", CalendarDayViewSet, basename="calendar-day")
router.register("audit", AuditEntryViewSet, basename="audit")
router.register("jobs", JobViewSet, basename="job")
router.register("annual-plans", AnnualPlanViewSet, basename="annual-plan")
router.register("sessions", SessionViewSet, basename="session")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("paper-sets", PaperSetViewSet, basename="paper-set")
router.register("paper-draws", PaperDrawViewSet, basename="paper-draw")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("numbering-configs", NumberingConfigViewSet, basename="numbering-config")
router.register("directory", DirectoryViewSet, basename="directory")
router.register("keys", IssuerKeyViewSet, basename="issuer-key")
router.register("report-submissions", ReportSubmissionViewSet, basename="report-submission")
router.register("blank-receipts", ReceiptViewSet, basename="blank-receipt")
router.register("blank-allocations", AllocationViewSet, basename="blank-allocation")
router.register("blank-serials", SerialViewSet, basename="blank-serial")
router.register("blank-requisitions", RequisitionViewSet, basename="blank-requisition")
router.register("blank-destructions", DestructionViewSet, basename="blank-destruction")
router.register("reissue-requests", ReissueRequestViewSet, basename="reissue-request")
router.register("certificate-inquiries", CertificateInquiryViewSet, basename="certificate-inquiry")
router.register("correction-requests", CorrectionRequestViewSet, basename="correction-request")
router.register("blank-distributions", DistributionViewSet, basename="blank-distribution")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "docs/",
        # The split view serves Swagger UI's start-up script as a file of its own, so the page needs no
        # inline script; its one inline <style> block is the allowance it gets (issue 13 item 7).
        csp.allowing({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[AllowAny])
        ),
        name="api-docs",
    ),
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("accounts/", include("skillcert.accounts.api_urls")),
    path("me/", me, name="api-me"),
    path("verify/", VerifyView.as_view(), name="api-verify"),
    path("verify/file/", VerifyFileView.as_view(), name="api-verify-file"),
    path("revocations/", RevocationListView.as_view(), name="api-revocations"),
    path("reports/live/", LiveReportView.as_view(), name="api-report-live"),
    path("reports/deadlines/", DeadlinesView.as_view(), name="api-report-deadlines"),
    path("reports/dashboard/", DashboardView.as_view(), name="api-report-dashboard"),
    path("publication/", include("skillcert.publication.api_urls")),
    path("tlog/", include("skillcert.transparency.api_urls")),
    path("exchange/imports/", ImportView.as_view(), name="api-exchange-import"),
    path("exchange/national/", NationalExportView.as_view(), name="api-exchange-national"),
    path("exchange/credentials/<str:number>/", CredentialView.as_view(), name="api-exchange-credential"),
    path("printing/", include("skillcert.printing.api_urls")),
    path("", include(router.urls)),
    # Last: anything else under the API is a problem+json 404. Only paths ending in "/" are caught, so
    # APPEND_SLASH still redirects `/api/v1/people` to the endpoint.
    re_path(r"^[\s\S]*/$", api_not_found, name="api-not-found"),
]
