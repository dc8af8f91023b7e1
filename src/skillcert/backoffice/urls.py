from django.contrib.auth import views as auth_views
from django.urls import path

from skillcert.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="backoffice/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisations"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("people/", views.PersonListView.as_view(), name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/export-job/", views.people_export_job, name="people_export_job"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("occupations/", views.OccupationListView.as_view(), name="occupations"),
    path("calendar/", views.calendar, name="calendar"),
    path("audit/", views.audit_list, name="audit"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
]
