import pytest
from django.contrib.auth.models import Group

from apps.accounts.tests.factories import UserFactory
from apps.catalog.tests.factories import CategoryFactory, published_product
from apps.inventory.services import stock_adjust

DASHBOARD = "/admin/reports/dashboard/"


def export_url(table: str, query: str = "") -> str:
    return f"{DASHBOARD}export/{table}.csv{'?' + query if query else ''}"


def small_catalog():
    """Two top-level categories with two leaves each, and eight products of one SKU each
    with 50 units in stock: {product name: product}."""
    products = {}
    prices = iter(["12.50", "39.00", "68.00", "99.00", "128.00", "238.00", "15.80", "459.00"])
    for top_name, leaves in (("数码 Electronics", ("手机 Phones", "耳机 Headphones")), ("茶 Tea", ("绿茶", "红茶"))):
        top = CategoryFactory(name=top_name)
        for leaf_name in leaves:
            leaf = CategoryFactory(name=leaf_name, parent=top)
            for n in range(2):
                name = f"{leaf_name} {n + 1}"
                product = published_product(category=leaf, name=name, skus=((next(prices), 50),))
                stock_adjust(sku_id=product.skus.get().pk, delta=50, reason="receive")
                products[name] = product
    return products


@pytest.fixture
def catalog(db):
    return small_catalog()


@pytest.fixture
def buyers(db):
    return [UserFactory() for _ in range(5)]


@pytest.fixture
def staff_in(db):
    """staff_in(role) -> a staff user in that role (the groups the role migrations grant)."""

    def make(role: str):
        staff = UserFactory(is_staff=True)
        staff.groups.add(Group.objects.get(name=role))
        return staff

    return make


@pytest.fixture
def finance_client(client, staff_in):
    client.force_login(staff_in("Finance"))
    return client
