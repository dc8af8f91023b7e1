from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "skillcert.exchange"
    label = "exchange"
