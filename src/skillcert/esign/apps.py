from django.apps import AppConfig


class EsignConfig(AppConfig):
    name = "skillcert.esign"
    label = "esign"
    verbose_name = "Electronic signatures"
