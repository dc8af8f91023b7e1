from django.apps import AppConfig


class BlanksConfig(AppConfig):
    name = "skillcert.blanks"
    label = "blanks"
    verbose_name = "Blank certificates"
