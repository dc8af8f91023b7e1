"""Back-office certificate pages, mounted at /manage/certificates/ (namespace "certificates"); the public
directory (R2.11) is `public_urlpatterns`, mounted at /directory/."""

from django.urls import path, re_path

from skillcert.certificates import views

app_name = "certificates"

urlpatterns = [
    path("", views.CertificateListView.as_view(), name="list"),
    path("issue/<int:session_id>/", views.issue, name="issue"),
    re_path(r"^(?P<number>[0-9A-Za-z]{1,32})/$", views.certificate_detail, name="detail"),
]

public_urlpatterns = [
    path("", views.directory, name="directory"),
]
