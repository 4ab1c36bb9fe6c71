"""`manage.py seed_demo`: every app's demo module, in order, with the command's options."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import User
from apps.catalog.models import SKU, Brand, Category, Product
from apps.inventory.models import Stock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def seed_demo(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_products_zero_seeds_accounts_and_the_catalog_skeleton_only():
    output = seed_demo(products=0)

    assert User.objects.count() == 2
    assert (Category.objects.count(), Brand.objects.count(), Product.objects.count()) == (46, 20, 0)
    assert output.splitlines()[-4:] == [
        "Demo data is ready.",
        "  Admin:    admin@example.com / shop-admin-2026   (back office: /admin/)",
        "  Customer: customer@example.com / shop-customer-2026",
        "  Coupons: WELCOME20 (¥20 off over ¥100), SAVE10 (10% off, at most ¥50)",
    ]


def test_the_products_option_reaches_the_catalog_and_inventory(eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(products=3)

    assert Product.objects.filter(status=Product.Status.PUBLISHED).count() == 3
    assert Stock.objects.count() == SKU.objects.count() > 0


def test_a_larger_count_later_adds_the_missing_products_only():
    seed_demo(products=2)
    first = list(Product.objects.order_by("pk").values_list("pk", "slug"))

    output = seed_demo(products=3)

    assert list(Product.objects.order_by("pk").values_list("pk", "slug"))[:2] == first
    assert Product.objects.count() == 3
    assert "Catalog: 1 new products (3 demo products)" in output


def test_a_second_run_adds_nothing_and_prints_the_same_logins():
    first = seed_demo(products=2)
    counts = (User.objects.count(), Category.objects.count(), Product.objects.count(), Stock.objects.count())

    second = seed_demo(products=2)

    assert (User.objects.count(), Category.objects.count(), Product.objects.count(), Stock.objects.count()) == counts
    assert first.splitlines()[-2:] == second.splitlines()[-2:]
    assert "Stock: 0 SKUs received, 0 sold out." in second


def test_apps_are_seeded_in_installed_apps_order_each_timed_at_verbosity_2():
    output = seed_demo(products=0, verbosity=2)

    timed = [line.split(":")[0] for line in output.splitlines() if line.endswith(" s")]
    assert timed == ["accounts", "catalog", "inventory", "promotions"]


def test_a_negative_product_count_is_refused():
    with pytest.raises(CommandError, match="--products must be 0 or more"):
        seed_demo(products=-1)

    assert User.objects.count() == 0
