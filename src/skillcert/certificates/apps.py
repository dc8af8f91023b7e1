from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "skillcert.certificates"
    label = "certificates"
