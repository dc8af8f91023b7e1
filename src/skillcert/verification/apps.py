from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "skillcert.verification"
    label = "verification"
    verbose_name = "Public verification"
