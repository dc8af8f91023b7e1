from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "skillcert.people"
    label = "people"
