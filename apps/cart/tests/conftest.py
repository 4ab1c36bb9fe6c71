"""Cart test data and the two store backends.

Redis tests need REDIS_URL (the services run); each test starts and ends with no
`cart:*` keys, so runs do not see each other's carts.
"""

import pytest
from django.conf import settings as django_settings

from apps.catalog.tests.factories import CategoryFactory, published_product
from apps.inventory.services import stock_adjust

BACKENDS = [
    "database",
    pytest.param("redis", marks=pytest.mark.services),
]


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _drop_cart_keys():
    connection = _redis()
    keys = list(connection.scan_iter(match="cart:*", count=500))
    if keys:
        connection.delete(*keys)


@pytest.fixture(autouse=True)
def _clean_redis_carts():
    if not django_settings.REDIS_URL:
        yield
        return
    _drop_cart_keys()
    yield
    _drop_cart_keys()


@pytest.fixture(params=BACKENDS)
def backend(request, settings):
    """Runs a test once per cart store backend."""
    if request.param == "redis" and not settings.REDIS_URL:
        pytest.skip("the Redis cart store needs REDIS_URL")
    settings.CART_BACKEND = request.param
    return request.param


@pytest.fixture
def make_sku(db):
    """A buyable SKU of a published product with `stock` units in inventory."""
    counter = iter(range(1, 10_000))

    def make(*, price="99.00", stock=10, category=None, name=None):
        number = next(counter)
        product = published_product(
            category=category or CategoryFactory(), name=name or f"Cart product {number}", skus=((price, 0),)
        )
        sku = product.skus.get()
        if stock:
            stock_adjust(sku_id=sku.pk, delta=stock, reason="receive")
        return sku

    return make
