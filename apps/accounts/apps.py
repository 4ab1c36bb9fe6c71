from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Customers")

    def ready(self):
        # Register event handlers (subscriptions are made at import) and the idle timeout's sign-in stamp.
        from apps.accounts import handlers, middleware  # noqa: F401
