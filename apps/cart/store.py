"""Where carts live: one interface, two backends, chosen by settings.

`CART_BACKEND` is "redis" or "database"; without it, Redis when REDIS_URL is set and
the database otherwise (the embedded default). The store keeps quantities and the
price each SKU had when it was added, nothing else: what a line means now (name,
price, stock) is read from catalog and inventory at every read.
"""

import dataclasses
import functools
import logging
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import transaction

from apps.cart.domain.exceptions import CartUnavailable
from apps.cart.domain.keys import GUEST_CART_DAYS, GUEST_PREFIX, is_guest_key
from apps.cart.models import Cart, CartLine

logger = logging.getLogger("shop.cart")


@dataclasses.dataclass(frozen=True)
class CartItem:
    quantity: int
    added_price: Decimal


class CartStore(Protocol):
    def get(self, key: str) -> dict[int, CartItem]:
        """The cart's items by SKU id, in SKU id order (empty for an unknown key)."""

    def set_quantity(self, key: str, sku_id: int, quantity: int, added_price: Decimal) -> None:
        """Sets a line's quantity; `added_price` is kept only when the line is new."""

    def set_items(self, key: str, items: dict[int, CartItem]) -> None:
        """Writes several lines at once, prices included."""

    def remove(self, key: str, sku_id: int) -> bool:
        """Drops a line; False when it was not there."""

    def clear(self, key: str) -> None: ...


class DatabaseCartStore:
    def get(self, key: str) -> dict[int, CartItem]:
        rows = (
            CartLine.objects.filter(cart__key=key).order_by("sku_id").values_list("sku_id", "quantity", "added_price")
        )
        return {sku_id: CartItem(quantity, added_price) for sku_id, quantity, added_price in rows}

    def set_quantity(self, key: str, sku_id: int, quantity: int, added_price: Decimal) -> None:
        with transaction.atomic():
            cart = self._cart_for_update(key)
            updated = CartLine.objects.filter(cart=cart, sku_id=sku_id).update(quantity=quantity)
            if not updated:
                CartLine.objects.create(cart=cart, sku_id=sku_id, quantity=quantity, added_price=added_price)

    def set_items(self, key: str, items: dict[int, CartItem]) -> None:
        with transaction.atomic():
            cart = self._cart_for_update(key)
            CartLine.objects.filter(cart=cart, sku_id__in=list(items)).delete()
            CartLine.objects.bulk_create(
                CartLine(cart=cart, sku_id=sku_id, quantity=item.quantity, added_price=item.added_price)
                for sku_id, item in items.items()
            )

    def remove(self, key: str, sku_id: int) -> bool:
        deleted, _ = CartLine.objects.filter(cart__key=key, sku_id=sku_id).delete()
        return bool(deleted)

    def clear(self, key: str) -> None:
        Cart.objects.filter(key=key).delete()

    def purge_guest_carts(self, *, untouched_since) -> int:
        """Deletes guest carts not changed since then (Redis expires them by itself)."""
        deleted, _ = Cart.objects.filter(key__startswith=GUEST_PREFIX, updated_at__lt=untouched_since).delete()
        return deleted

    @staticmethod
    def _cart_for_update(key: str) -> Cart:
        cart, _ = Cart.objects.get_or_create(key=key)
        # Locking the cart row serialises writers of one cart (two tabs, two devices)
        # and touches updated_at, which is what guest cart expiry goes by.
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        cart.save(update_fields=["updated_at"])
        return cart


def _redis_unavailable_is_cart_unavailable(method):
    """Redis down, not answering in time, or full becomes CartUnavailable (a 503 with a
    clear message), never a 500, and never an empty cart that would hide the customer's lines.
    A write that fails in MULTI/EXEC changes nothing, so trying again later is safe."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        from redis.exceptions import ConnectionError, OutOfMemoryError, ReadOnlyError, TimeoutError

        try:
            return method(*args, **kwargs)
        # Down, slow, loading its data (BusyLoadingError is a ConnectionError), full under
        # noeviction, or a read-only replica after a failover: other errors are bugs.
        except (ConnectionError, TimeoutError, OutOfMemoryError, ReadOnlyError) as exc:
            logger.warning("cart store unavailable (%s: %s)", type(exc).__name__, exc)
            raise CartUnavailable() from exc

    return wrapper


class RedisCartStore:
    """One hash per cart, `cart:<key>`: field `<sku id>` holds "quantity|added price".

    Guest carts expire GUEST_CART_DAYS after their last change; user carts never do.
    Each write is one MULTI/EXEC, so a reader never sees a cart half written; plain
    hashes survive restarts with Redis persistence (AOF or RDB). When Redis cannot be
    reached every method raises CartUnavailable (the cache's errors are ignored, the
    cart's are not: see config/settings.py, "# --- Resilience").
    """

    TTL_SECONDS = GUEST_CART_DAYS * 24 * 60 * 60

    def __init__(self, connection=None):
        if connection is None:
            from django_redis import get_redis_connection

            connection = get_redis_connection("default")
        self.redis = connection

    @staticmethod
    def _name(key: str) -> str:
        return f"cart:{key}"

    @_redis_unavailable_is_cart_unavailable
    def get(self, key: str) -> dict[int, CartItem]:
        raw = self.redis.hgetall(self._name(key))
        items = {}
        for field, value in raw.items():
            quantity, price = _text(value).split("|", 1)
            items[int(_text(field))] = CartItem(int(quantity), Decimal(price))
        return dict(sorted(items.items()))

    @_redis_unavailable_is_cart_unavailable
    def set_quantity(self, key: str, sku_id: int, quantity: int, added_price: Decimal) -> None:
        name = self._name(key)
        current = self.redis.hget(name, sku_id)
        price = _text(current).split("|", 1)[1] if current is not None else str(added_price)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(name, sku_id, f"{quantity}|{price}")
        self._expire(pipe, key)
        pipe.execute()

    @_redis_unavailable_is_cart_unavailable
    def set_items(self, key: str, items: dict[int, CartItem]) -> None:
        if not items:
            return
        name = self._name(key)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(name, mapping={sku_id: f"{item.quantity}|{item.added_price}" for sku_id, item in items.items()})
        self._expire(pipe, key)
        pipe.execute()

    @_redis_unavailable_is_cart_unavailable
    def remove(self, key: str, sku_id: int) -> bool:
        return bool(self.redis.hdel(self._name(key), sku_id))

    @_redis_unavailable_is_cart_unavailable
    def clear(self, key: str) -> None:
        self.redis.delete(self._name(key))

    def _expire(self, pipe, key: str) -> None:
        if is_guest_key(key):
            pipe.expire(self._name(key), self.TTL_SECONDS)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def cart_store() -> CartStore:
    backend = getattr(settings, "CART_BACKEND", "") or ("redis" if settings.REDIS_URL else "database")
    if backend == "redis":
        return RedisCartStore()
    if backend == "database":
        return DatabaseCartStore()
    raise ValueError(f"CART_BACKEND must be 'redis' or 'database', not {backend!r}")
