from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from skillcert.accounts.views import login_view
from skillcert.certificates.urls import public_urlpatterns as directory_urlpatterns
from skillcert.core.views import healthz
from skillcert.exchange.urls import did_urlpatterns
from skillcert.verification.views import qr_landing

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The one log-in for staff: lock-out and TOTP (R3.9); the Django admin's own form is not offered.
    path("admin/login/", RedirectView.as_view(url="/manage/login/", query_string=True), name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("skillcert.api_urls")),
    path("manage/appraisal/", include("skillcert.appraisal.urls")),
    path("manage/certificates/", include("skillcert.certificates.urls")),
    path("manage/reports/", include("skillcert.reports.urls")),
    path("manage/publication/", include("skillcert.publication.urls")),
    path("manage/exchange/", include("skillcert.exchange.urls")),
    path("issuers/", include((did_urlpatterns, "exchange-did"))),
    path("manage/printing/", include("skillcert.printing.urls")),
    path("manage/blanks/", include("skillcert.blanks.urls")),
    path("directory/", include(directory_urlpatterns)),
    path("manage/login/", login_view, name="login"),
    path("manage/account/", include("skillcert.accounts.urls")),
    path("manage/holders/", include("skillcert.holders.staff_urls")),
    path("manage/", include("skillcert.backoffice.urls")),
    path("verify/", include("skillcert.verification.urls")),
    path("tlog/", include("skillcert.transparency.urls")),
    path("Q/<str:payload>", qr_landing, name="verification-qr"),
    path("holder/", include("skillcert.holders.urls")),
    path("", include("skillcert.backoffice.public_urls")),
]
