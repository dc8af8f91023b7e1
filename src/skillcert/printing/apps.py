from django.apps import AppConfig


class PrintingConfig(AppConfig):
    name = "skillcert.printing"
    label = "printing"
    verbose_name = "Certificate printing"
