from importlib import import_module

from django.apps import AppConfig, apps


class JobsConfig(AppConfig):
    name = "skillcert.jobs"
    label = "jobs"

    def ready(self) -> None:
        # Each app declares its job kinds in `<app>/jobs.py`.
        for config in apps.get_app_configs():
            if config.name.startswith("skillcert.") and config.name != self.name:
                try:
                    import_module(f"{config.name}.jobs")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.jobs":
                        raise
        import_module("skillcert.celery")  # registers the Celery app for shared tasks
        import_module("skillcert.jobs.tasks")  # the task must be known before any worker starts
