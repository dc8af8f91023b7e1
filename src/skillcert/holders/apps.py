from django.apps import AppConfig


class HoldersConfig(AppConfig):
    name = "skillcert.holders"
    label = "holders"
    verbose_name = "holder self-service"
    default_auto_field = "django.db.models.BigAutoField"
