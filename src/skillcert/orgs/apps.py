from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "skillcert.orgs"
    label = "orgs"
