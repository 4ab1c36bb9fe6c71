from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        # Register the relay task in every process (web too), so the on-commit
        # nudge finds it by name; Celery's own autodiscovery runs only in workers.
        from apps.core import audit, checks, metrics, tasks  # noqa: F401


class ShopAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the shop's site (branding, index grouped by domain)."""

    default = False  # core's own config stays CoreConfig

    default_site = "apps.core.admin_site.ShopAdminSite"
