from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "skillcert.audit"
    label = "audit"
