from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "skillcert.backoffice"
    label = "backoffice"
