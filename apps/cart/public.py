"""Cart's front door for the apps to its right (orders' checkout)."""

from apps.cart.domain.exceptions import CartNotReady
from apps.cart.domain.keys import user_cart_key
from apps.cart.services import CartLineView, CartView, cart_clear, cart_ensure_ready, cart_view

__all__ = ["CartLineView", "CartNotReady", "CartView", "cart_clear", "cart_ensure_ready", "cart_view", "user_cart_key"]
