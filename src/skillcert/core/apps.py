from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "skillcert.core"
    label = "core"

    def ready(self) -> None:
        from skillcert.core import lookups  # noqa: F401  (registers field__any)
