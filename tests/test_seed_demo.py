"""`manage.py seed_demo`: every app's demo module, in order, with the command's options."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from apps.accounts import demo as accounts_demo
from apps.accounts.models import PointsEntry, User
from apps.catalog.models import SKU, Brand, Category, Product, Purchase, Review
from apps.core.models import OutboxMessage
from apps.inventory.models import Stock, StockMovement
from apps.orders import demo as orders_demo
from apps.orders.models import Order, OrderLine
from apps.orders.services import payment_timeout

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAYMENT_KEYS_DIR = tmp_path / "payment-keys"


def seed_demo(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_products_zero_seeds_accounts_and_the_catalog_skeleton_only():
    output = seed_demo(products=0)

    assert User.objects.count() == 2 + len(accounts_demo.SHOPPERS)
    assert Order.objects.count() == 0
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
    assert timed == ["accounts", "catalog", "inventory", "promotions", "orders", "payments"]


def test_a_negative_product_count_is_refused():
    with pytest.raises(CommandError, match="--products must be 0 or more"):
        seed_demo(products=-1)

    assert User.objects.count() == 0


# --- orders ----------------------------------------------------------------------------------


def seed_and_deliver(**options) -> str:
    """seed_demo with its events delivered as after its commits (eager Celery)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return seed_demo(**options)


def test_orders_in_every_state_spread_over_three_months(eager_celery):
    # when (6 products: 12 orders, the demo customer's first six one per state)
    started = timezone.now()
    output = seed_and_deliver(products=6)

    # then
    orders = Order.objects.all()
    assert orders.count() == 12
    assert set(orders.values_list("status", flat=True)) == {
        "pending_payment",
        "paid",
        "shipped",
        "completed",
        "cancelled",
    }
    assert set(orders.filter(user__email="customer@example.com").values_list("status", flat=True)) == {
        "pending_payment",
        "paid",
        "shipped",
        "completed",
        "cancelled",
    }
    cancelled = OutboxMessage.objects.filter(topic="orders.order_cancelled.v1")
    assert {message.payload["reason"] for message in cancelled} == {"customer", "payment_timeout"}
    assert "Orders: 12 new orders over 90 days" in output
    # and their history lies in the past, in order
    for order in orders:
        assert started - timedelta(days=91) < order.placed_at < started, order.number
        assert order.created_at == order.placed_at
        assert order.payment_deadline == order.placed_at + payment_timeout()
        if order.status in ("paid", "shipped", "completed"):
            assert order.placed_at < order.paid_at < started
            assert order.payment_provider in ("alipay", "wechat_pay")
        if order.status in ("shipped", "completed"):
            assert order.paid_at < order.shipped_at < started
        if order.status == "completed":
            assert order.shipped_at < order.completed_at < started
        if order.status == "cancelled":
            assert order.placed_at < order.cancelled_at <= order.payment_deadline
            assert order.paid_at is None
        if order.status == "pending_payment":
            assert order.payment_deadline > started
    assert orders.order_by("placed_at").first().placed_at < started - timedelta(days=30)


def test_the_orders_events_commit_stock_record_purchases_and_award_points(eager_celery):
    seed_and_deliver(products=6)

    # every event was delivered
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()
    # paid orders' units left the warehouse; unpaid ones' are still reserved; cancelled ones' came back
    lines = OrderLine.objects.values_list("order__status", "quantity")
    paid_units = sum(qty for status, qty in lines if status in ("paid", "shipped", "completed"))
    pending_units = sum(qty for status, qty in lines if status == "pending_payment")
    committed = StockMovement.objects.filter(reason="commit").values_list("delta_on_hand", flat=True)
    assert -sum(committed) == paid_units > 0
    assert sum(Stock.objects.values_list("reserved", flat=True)) == pending_units > 0
    assert all(sku.stock_available == Stock.objects.get(sku_id=sku.pk).available for sku in SKU.objects.all())
    # completed orders: catalog knows who bought what, and the points were earned
    completed = Order.objects.filter(status="completed")
    bought = set(OrderLine.objects.filter(order__in=completed).values_list("order__user_id", "product_id"))
    assert set(Purchase.objects.values_list("user_id", "product_id")) == bought != set()
    assert sorted(PointsEntry.objects.filter(reason="order_completed").values_list("reference", "delta")) == sorted(
        completed.values_list("number", "points_earned")
    )
    # and only buyers reviewed, what they bought
    reviews = set(Review.objects.values_list("user_id", "product_id"))
    assert reviews
    assert reviews <= bought


def test_a_second_run_adds_no_orders_events_or_reviews(eager_celery):
    seed_and_deliver(products=4)
    counts = (
        Order.objects.count(),
        OutboxMessage.objects.count(),
        StockMovement.objects.count(),
        Review.objects.count(),
        PointsEntry.objects.count(),
    )

    output = seed_and_deliver(products=4)

    assert counts[0] == 8
    assert (
        Order.objects.count(),
        OutboxMessage.objects.count(),
        StockMovement.objects.count(),
        Review.objects.count(),
        PointsEntry.objects.count(),
    ) == counts
    assert "Orders: 0 new orders" in output


def test_the_default_plan_has_150_orders_in_every_state_over_90_days():
    now = timezone.now()
    customers = ["customer@example.com", *(email for email, *_ in accounts_demo.SHOPPERS)]

    specs = orders_demo.order_specs(
        count=orders_demo.DEFAULT_ORDERS, customers=customers, now=now, window=timedelta(minutes=30)
    )

    assert len(specs) == 150
    assert {spec.outcome for spec in specs} == set(orders_demo.OUTCOMES)
    assert [spec.outcome for spec in specs[:6]] == [outcome for outcome, _ in orders_demo.SHOWCASE]
    assert {spec.customer for spec in specs} == set(customers)
    assert all(now - timedelta(days=91) < spec.placed_at < now for spec in specs)
    assert sum(spec.placed_at < now - timedelta(days=45) for spec in specs) > 15
    assert specs == orders_demo.order_specs(count=150, customers=customers, now=now, window=timedelta(minutes=30))
