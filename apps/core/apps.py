from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        # Register the relay task in every process (web too), so the on-commit
        # nudge finds it by name; Celery's own autodiscovery runs only in workers.
        from apps.core import checks, tasks  # noqa: F401
