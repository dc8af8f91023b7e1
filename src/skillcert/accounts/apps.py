from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "skillcert.accounts"
    label = "accounts"
    verbose_name = "account hygiene"
    default_auto_field = "django.db.models.BigAutoField"
