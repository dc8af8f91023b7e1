"""Back-office report pages, mounted at /manage/reports/ (namespace "reports")."""

from django.urls import path, re_path

from skillcert.reports import views

app_name = "reports"

_PERIOD = r"(?P<period>\d{4}(?:Q[1-4]|Y|H1|A))"

urlpatterns = [
    path("", views.index, name="index"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("dashboard/", views.dashboard, name="dashboard"),
    re_path(rf"^(?P<pk>\d+)/{_PERIOD}/$", views.report, name="report"),
    re_path(rf"^(?P<pk>\d+)/{_PERIOD}/submit/$", views.submit, name="submit"),
    re_path(rf"^(?P<pk>\d+)/{_PERIOD}/(?P<fmt>pdf|xlsx)$", views.report_file, name="report_file"),
    path("submissions/<int:pk>/", views.submission, name="submission"),
    re_path(r"^submissions/(?P<pk>\d+)/(?P<fmt>pdf|xlsx)$", views.submission_file, name="submission_file"),
]
