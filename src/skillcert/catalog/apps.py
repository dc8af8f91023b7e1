from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "skillcert.catalog"
    label = "catalog"
