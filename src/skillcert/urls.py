from django.contrib import admin
from django.urls import include, path

from skillcert.certificates.urls import public_urlpatterns as directory_urlpatterns
from skillcert.core.views import healthz
from skillcert.verification.views import qr_landing

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("skillcert.api_urls")),
    path("manage/appraisal/", include("skillcert.appraisal.urls")),
    path("manage/certificates/", include("skillcert.certificates.urls")),
    path("manage/printing/", include("skillcert.printing.urls")),
    path("manage/blanks/", include("skillcert.blanks.urls")),
    path("directory/", include(directory_urlpatterns)),
    path("manage/", include("skillcert.backoffice.urls")),
    path("verify/", include("skillcert.verification.urls")),
    path("Q/<str:payload>", qr_landing, name="verification-qr"),
    path("holder/", include("skillcert.holders.urls")),
    path("", include("skillcert.backoffice.public_urls")),
]
