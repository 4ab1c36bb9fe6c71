"""Cart's front door for the apps to its right (orders' checkout)."""

from apps.cart.domain.exceptions import CartNotReady
from apps.cart.domain.keys import user_cart_key
from apps.cart.services import CartLineView, CartView, cart_clear, cart_ensure_ready, cart_view
from apps.cart.store import cart_store


def cart_remove_purchased(*, key: str, sku_ids: list[int]) -> None:
    """Take bought lines out of a cart after checkout (lines already gone are fine)."""
    store = cart_store()
    for sku_id in sku_ids:
        store.remove(key, sku_id)


__all__ = [
    "CartLineView",
    "CartNotReady",
    "CartView",
    "cart_clear",
    "cart_ensure_ready",
    "cart_remove_purchased",
    "cart_view",
    "user_cart_key",
]
