from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShippingConfig(AppConfig):
    name = "apps.shipping"
    label = "shipping"
    verbose_name = _("Shipping")

    def ready(self):
        from apps.shipping import handlers  # noqa: F401
