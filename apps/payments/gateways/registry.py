"""Which class speaks to which provider: settings.PAYMENT_GATEWAYS maps a provider code
to a dotted class path, so a real SDK-backed class replaces a simulated one by setting."""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from apps.payments.gateways.base import Gateway


@cache
def _gateway(path: str) -> Gateway:
    return import_string(path)()


def gateway_for(provider: str) -> Gateway:
    """The gateway of a provider code ("alipay", "wechat"); KeyError for an unknown one."""
    return _gateway(settings.PAYMENT_GATEWAYS[provider])


def gateway_cache_clear() -> None:
    """Forget built gateways (tests that change keys or settings)."""
    _gateway.cache_clear()
