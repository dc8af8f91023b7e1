from django.urls import path

from skillcert.holders import views, views_inquiry

app_name = "holders"

urlpatterns = [
    path("", views.identity, name="identity"),
    path("verify/", views.verify, name="verify"),
    path("certificate/", views.certificate, name="certificate"),
    path("certificate/pdf/", views.certificate_pdf, name="certificate-pdf"),
    path("certificate/<int:pk>/", views.certificate, name="certificate-by-id"),
    path("certificate/<int:pk>/pdf/", views.certificate_pdf, name="certificate-pdf-by-id"),
    path("inquiry/", views_inquiry.inquiry_start, name="inquiry"),
    path("inquiry/confirm/", views_inquiry.inquiry_confirm, name="inquiry-confirm"),
    path("inquiry/status/", views_inquiry.inquiry_status, name="inquiry-status"),
    path("correction/", views_inquiry.correction, name="correction"),
    path("certificate/ofd/", views.certificate_ofd, name="certificate-ofd"),
    path("certificate/<int:pk>/ofd/", views.certificate_ofd, name="certificate-ofd-by-id"),
    path("certificate/proof/", views.certificate_proof, name="certificate-proof"),
]
