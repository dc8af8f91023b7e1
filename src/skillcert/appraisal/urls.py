"""Back-office appraisal pages, mounted at /manage/appraisal/ (namespace "appraisal")."""

from django.urls import path, re_path

from skillcert.appraisal.views import documents, enrolment, papers, plans, scores, sessions

app_name = "appraisal"

_FMT = r"(?P<fmt>pdf|xlsx)"

urlpatterns = [
    # annual plans (R4.1)
    path("plans/", plans.PlanListView.as_view(), name="plans"),
    path("plans/new/", plans.plan_create, name="plan_create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan"),
    path("plans/<int:pk>/submit/", plans.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/review/", plans.plan_review, name="plan_review"),
    # session plans, draws, enrolment, scores, report (R4.4, R4.5)
    path("sessions/", sessions.SessionListView.as_view(), name="sessions"),
    path("sessions/new/", sessions.session_create, name="session_create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session"),
    path("sessions/<int:pk>/submit/", sessions.session_submit, name="session_submit"),
    path("sessions/<int:pk>/review/", sessions.session_review, name="session_review"),
    path("sessions/<int:pk>/subjects/<int:sid>/draw/", papers.draw, name="draw"),
    path("sessions/<int:pk>/subjects/<int:sid>/paper/", papers.drawn_paper, name="drawn_paper"),
    re_path(
        rf"^sessions/(?P<pk>[0-9]+)/subjects/(?P<sid>[0-9]+)/report\.{_FMT}$",
        documents.subject_report,
        name="subject_report",
    ),
    re_path(
        rf"^sessions/(?P<pk>[0-9]+)/subjects/(?P<sid>[0-9]+)/roster\.{_FMT}$",
        documents.subject_roster,
        name="subject_roster",
    ),
    path("sessions/<int:pk>/enrol/card/", enrolment.enrol_card, name="enrol_card"),
    path("sessions/<int:pk>/enrol/manual/", enrolment.enrol_manual, name="enrol_manual"),
    path("sessions/<int:pk>/enrol/import/", enrolment.enrol_import, name="enrol_import"),
    path("sessions/<int:pk>/enrol/template.xlsx", enrolment.roster_template, name="roster_template"),
    path("sessions/<int:pk>/scores/", scores.score_table, name="scores"),
    path("sessions/<int:pk>/scores/import/", scores.score_import, name="score_import"),
    path("sessions/<int:pk>/report/", scores.report_submit, name="report_submit"),
    path("sessions/<int:pk>/report/review/", scores.report_review, name="report_review"),
    re_path(
        rf"^enrolments/(?P<pk>[0-9]+)/application\.{_FMT}$", documents.application_form, name="application"
    ),
    re_path(r"^photos/(?P<sha256>[0-9a-f]{64})/$", documents.photo, name="photo"),
    # paper sets (R4.4)
    path("papers/", papers.PaperSetListView.as_view(), name="papers"),
    path("papers/<int:pk>/audit/", papers.paper_audit, name="paper_audit"),
]
