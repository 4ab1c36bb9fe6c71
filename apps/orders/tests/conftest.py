import pytest

from apps.accounts.tests.factories import AddressFactory
from apps.catalog.tests.factories import CategoryFactory, published_product
from apps.inventory.services import stock_adjust


def sku_in_stock(*, price: str = "99.00", units: int = 10, name: str = "Tea cup"):
    """A buyable SKU of a published product with `units` on hand in inventory."""
    product = published_product(category=CategoryFactory(), name=name, skus=((price, units),))
    sku = product.skus.get()
    stock_adjust(sku_id=sku.pk, delta=units, reason="receive")
    return sku


@pytest.fixture
def sku(db):
    return sku_in_stock()


@pytest.fixture
def address(user):
    return AddressFactory(user=user)
