from django.urls import path

from skillcert.holders import views_staff

app_name = "holders-staff"

urlpatterns = [
    path("inquiries/", views_staff.inquiry_list, name="inquiries"),
    path("inquiries/<int:pk>/", views_staff.inquiry_detail, name="inquiry"),
    path("corrections/", views_staff.correction_list, name="corrections"),
    path("corrections/<int:pk>/", views_staff.correction_detail, name="correction"),
    path(
        "corrections/<int:pk>/evidence/<int:evidence_pk>/", views_staff.correction_evidence, name="evidence"
    ),
    path("reissues/", views_staff.reissue_list, name="reissues"),
    path("reissues/<int:pk>/", views_staff.reissue_detail, name="reissue"),
]
