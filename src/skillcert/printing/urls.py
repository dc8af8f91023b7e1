"""Back-office printing pages, mounted at /manage/printing/ (namespace "printing")."""

from django.urls import path

from skillcert.printing import views

app_name = "printing"

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("new/", views.job_new, name="job_new"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/pdf/", views.job_pdf, name="job_pdf"),
    path("jobs/<int:pk>/action/", views.job_action, name="job_action"),
    path("printers/", views.printer_list, name="printers"),
    path("printers/<int:pk>/", views.printer_detail, name="printer"),
    path("printers/<int:pk>/calibration.pdf", views.printer_calibration_pdf, name="printer_calibration"),
]
