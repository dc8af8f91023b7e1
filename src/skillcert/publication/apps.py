from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "skillcert.publication"
    label = "publication"
    verbose_name = "publication"
