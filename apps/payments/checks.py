"""Payments' deployment check: the simulated providers must not take orders in production."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def check_payment_sandbox(app_configs, **kwargs):
    if settings.PRODUCTION and settings.PAYMENT_SANDBOX:
        return [
            Warning(
                "The payment sandbox is on: anyone can pay an order without money.",
                hint="Unset PAYMENT_SANDBOX and set PAYMENT_GATEWAYS to real provider classes.",
                id="shop.W101",
            )
        ]
    return []
