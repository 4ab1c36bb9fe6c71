"""One contract for every cart store: the database and the Redis backends behave alike."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.cart.models import Cart, CartLine
from apps.cart.store import CartItem, DatabaseCartStore, RedisCartStore, cart_store
from apps.cart.tasks import purge_expired_guest_carts

pytestmark = pytest.mark.django_db

GUEST = "guest:abc"
USER = "user:1"


@pytest.fixture
def store(backend):
    return cart_store()


def test_the_backend_follows_the_setting(store, backend):
    assert isinstance(store, {"database": DatabaseCartStore, "redis": RedisCartStore}[backend])


def test_an_unknown_cart_is_empty(store):
    assert store.get("guest:nobody") == {}


def test_set_quantity_adds_a_line_and_keeps_its_first_price(store):
    store.set_quantity(GUEST, 7, 2, Decimal("10.50"))

    store.set_quantity(GUEST, 7, 5, Decimal("12.00"))

    assert store.get(GUEST) == {7: CartItem(5, Decimal("10.50"))}


def test_lines_come_in_sku_order(store):
    for sku_id in (30, 4, 12):
        store.set_quantity(GUEST, sku_id, 1, Decimal("1.00"))

    assert list(store.get(GUEST)) == [4, 12, 30]


def test_set_items_writes_several_lines_prices_included(store):
    store.set_quantity(USER, 1, 1, Decimal("5.00"))

    store.set_items(USER, {1: CartItem(3, Decimal("6.00")), 2: CartItem(4, Decimal("7.25"))})

    assert store.get(USER) == {1: CartItem(3, Decimal("6.00")), 2: CartItem(4, Decimal("7.25"))}


def test_set_items_with_nothing_changes_nothing(store):
    store.set_items(USER, {})

    assert store.get(USER) == {}


def test_remove_drops_one_line_and_says_whether_it_was_there(store):
    store.set_quantity(GUEST, 1, 1, Decimal("1.00"))
    store.set_quantity(GUEST, 2, 1, Decimal("2.00"))

    assert store.remove(GUEST, 1) is True
    assert store.remove(GUEST, 1) is False
    assert store.get(GUEST) == {2: CartItem(1, Decimal("2.00"))}


def test_clear_empties_the_cart_and_only_that_cart(store):
    store.set_quantity(GUEST, 1, 1, Decimal("1.00"))
    store.set_quantity(USER, 1, 2, Decimal("1.00"))

    store.clear(GUEST)

    assert store.get(GUEST) == {}
    assert store.get(USER) == {1: CartItem(2, Decimal("1.00"))}


def test_carts_are_kept_apart(store):
    store.set_quantity("user:1", 1, 1, Decimal("1.00"))
    store.set_quantity("user:11", 1, 9, Decimal("1.00"))

    assert store.get("user:1") == {1: CartItem(1, Decimal("1.00"))}


@pytest.mark.services
def test_redis_guest_carts_expire_after_30_days_and_user_carts_never(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    store = RedisCartStore()

    store.set_quantity(GUEST, 1, 1, Decimal("1.00"))
    store.set_quantity(USER, 1, 1, Decimal("1.00"))

    assert 30 * 86400 - 5 <= store.redis.ttl(f"cart:{GUEST}") <= 30 * 86400
    assert store.redis.ttl(f"cart:{USER}") == -1  # no expiry


def test_database_lines_need_a_positive_quantity():
    DatabaseCartStore().set_quantity(GUEST, 1, 1, Decimal("1.00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        CartLine.objects.filter(sku_id=1).update(quantity=0)


def test_old_guest_carts_are_purged_from_the_database():
    store = DatabaseCartStore()
    for key in ("guest:old", "guest:recent", "user:old"):
        store.set_quantity(key, 1, 1, Decimal("1.00"))
    Cart.objects.exclude(key="guest:recent").update(updated_at=timezone.now() - timedelta(days=31))

    purge_expired_guest_carts()

    assert sorted(Cart.objects.values_list("key", flat=True)) == ["guest:recent", "user:old"]
