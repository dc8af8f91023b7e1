"""Back-office exchange pages at /manage/exchange/ (namespace "exchange"); `did_urlpatterns` at /issuers/."""

from django.urls import path, re_path

from skillcert.exchange import views

app_name = "exchange"

urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("export/", views.export_page, name="export"),
    re_path(r"^credentials/(?P<number>[0-9A-Za-z]{1,32})/$", views.credential_download, name="credential"),
]

did_urlpatterns = [
    path("<str:code>/did.json", views.issuer_did, name="issuer-did"),
]
