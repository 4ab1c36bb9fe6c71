"""Cart's front door for the apps to its right (orders' checkout)."""

from apps.cart.domain.exceptions import CartNotReady
from apps.cart.domain.keys import SESSION_COUPON, SESSION_SHIPPING, user_cart_key
from apps.cart.services import (
    CartLineView,
    CartView,
    cart_clear,
    cart_ensure_ready,
    cart_view,
    coupon_error_detail,
    shipping_choices,
    shipping_method_or_default,
)
from apps.cart.store import cart_store


def cart_remove_purchased(*, key: str, sku_ids: list[int]) -> None:
    """Take bought lines out of a cart after checkout (lines already gone are fine)."""
    store = cart_store()
    for sku_id in sku_ids:
        store.remove(key, sku_id)


__all__ = [
    "SESSION_COUPON",
    "SESSION_SHIPPING",
    "CartLineView",
    "CartNotReady",
    "CartView",
    "cart_clear",
    "cart_ensure_ready",
    "cart_remove_purchased",
    "cart_view",
    "coupon_error_detail",
    "shipping_choices",
    "shipping_method_or_default",
    "user_cart_key",
]
