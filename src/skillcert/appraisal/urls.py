"""Back-office appraisal pages, mounted at /manage/appraisal/ (namespace "appraisal")."""

from django.urls import path, re_path

from skillcert.appraisal import views

app_name = "appraisal"

_FMT = r"(?P<fmt>pdf|xlsx)"

urlpatterns = [
    # annual plans (R4.1)
    path("plans/", views.PlanListView.as_view(), name="plans"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/review/", views.plan_review, name="plan_review"),
    # session plans, draws, enrolment, scores, report (R4.4, R4.5)
    path("sessions/", views.SessionListView.as_view(), name="sessions"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/submit/", views.session_submit, name="session_submit"),
    path("sessions/<int:pk>/review/", views.session_review, name="session_review"),
    path("sessions/<int:pk>/subjects/<int:sid>/draw/", views.draw, name="draw"),
    path("sessions/<int:pk>/subjects/<int:sid>/paper/", views.drawn_paper, name="drawn_paper"),
    re_path(
        rf"^sessions/(?P<pk>[0-9]+)/subjects/(?P<sid>[0-9]+)/report\.{_FMT}$",
        views.subject_report,
        name="subject_report",
    ),
    re_path(
        rf"^sessions/(?P<pk>[0-9]+)/subjects/(?P<sid>[0-9]+)/roster\.{_FMT}$",
        views.subject_roster,
        name="subject_roster",
    ),
    path("sessions/<int:pk>/enrol/card/", views.enrol_card, name="enrol_card"),
    path("sessions/<int:pk>/enrol/manual/", views.enrol_manual, name="enrol_manual"),
    path("sessions/<int:pk>/enrol/import/", views.enrol_import, name="enrol_import"),
    path("sessions/<int:pk>/enrol/template.xlsx", views.roster_template, name="roster_template"),
    path("sessions/<int:pk>/scores/", views.score_table, name="scores"),
    path("sessions/<int:pk>/scores/import/", views.score_import, name="score_import"),
    path("sessions/<int:pk>/report/", views.report_submit, name="report_submit"),
    path("sessions/<int:pk>/report/review/", views.report_review, name="report_review"),
    re_path(rf"^enrolments/(?P<pk>[0-9]+)/application\.{_FMT}$", views.application_form, name="application"),
    re_path(r"^photos/(?P<sha256>[0-9a-f]{64})/$", views.photo, name="photo"),
    # paper sets (R4.4)
    path("papers/", views.PaperSetListView.as_view(), name="papers"),
    path("papers/<int:pk>/audit/", views.paper_audit, name="paper_audit"),
]
