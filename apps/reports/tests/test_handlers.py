"""The roll-up kept by events: OrderPlaced, OrderPaid and RefundSucceeded, each counted
once per message and once per order or refund, whatever the order they arrive in."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.tests.factories import AddressFactory, UserFactory
from apps.catalog.models import SKU
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock
from apps.reports.models import DailyProductSales, DailySales, PaidOrder
from apps.reports.tests.helpers import (
    day_rows,
    deliver,
    deliver_outbox,
    paid_payload,
    placed_payload,
    product_rows,
    refund_payload,
    succeeded_refund,
)

pytestmark = pytest.mark.django_db

PAID = "orders.order_paid.v1"
PLACED = "orders.order_placed.v1"
REFUNDED = "payments.refund_succeeded.v1"


def paid_order(*, lines=(("68.00", 2), ("238.00", 1)), provider="wechat", paid_at=None) -> Order:
    """A real order placed and paid through the orders services; its events wait in the
    outbox (on_commit never runs in these tests)."""
    user = UserFactory()
    skus = [(sku_in_stock(price=price, units=10, name=f"Tea {price}"), quantity) for price, quantity in lines]
    order = order_services.order_place(
        user=user, lines=[(sku.pk, quantity) for sku, quantity in skus], address_id=AddressFactory(user=user).pk
    )
    order_services.order_mark_paid(order_number=order.number, amount=order.total, provider=provider, paid_at=paid_at)
    order.refresh_from_db()
    return order


def test_a_paid_order_rolls_up_per_product_on_its_paid_day_under_its_provider():
    # given an order of 2 x ¥68 and 1 x ¥238 (+ ¥10 shipping) paid with WeChat Pay
    order = paid_order()
    lines = {line.product_id: line for line in order.lines.all()}

    # when its events reach the reports handlers
    assert deliver_outbox() == 2  # OrderPlaced, OrderPaid

    # then one row per product, on today's date, with the product's category
    today = timezone.localdate(order.paid_at)
    categories = {line.product_id: sku.product.category_id for line, sku in _skus(order)}
    assert product_rows() == sorted(
        (today, product_id, categories[product_id], "wechat", 1, line.quantity, line.line_total, Decimal("0.00"), 0)
        for product_id, line in lines.items()
    )
    # and the day counts the order once, with what it charged beyond the goods as shipping
    goods = sum(line.line_total for line in lines.values())
    assert day_rows() == [
        (today, 1, 1, 3, goods, Decimal("0.00"), order.total - goods, Decimal("0.00"), 0),
    ]
    assert PaidOrder.objects.get().number == order.number


def test_the_same_message_twice_counts_once():
    # given a paid order whose OrderPaid was handled
    order = paid_order()
    payload = paid_payload(order)
    assert deliver(PAID, payload, message_id="00000000-0000-0000-0000-00000000000a") == ["handled"]
    before = product_rows(), day_rows()

    # when the broker delivers the same message again
    again = deliver(PAID, payload, message_id="00000000-0000-0000-0000-00000000000a")

    # then the handler skips it and nothing changes
    assert again == ["duplicate"]
    assert (product_rows(), day_rows()) == before


def test_the_same_order_in_a_second_message_counts_once():
    # given a paid order whose OrderPaid was handled
    order = paid_order()
    deliver(PAID, paid_payload(order))
    before = product_rows(), day_rows()

    # when another message says the same (a replayed outbox row, say)
    deliver(PAID, paid_payload(order))

    # then the paid-order record keeps it from counting twice
    assert (product_rows(), day_rows()) == before
    assert PaidOrder.objects.count() == 1


def test_a_refund_is_spread_over_the_order_products_on_the_refund_day():
    # given an order paid three days ago for ¥136 + ¥238 = ¥374 of goods, rolled up
    paid_at = timezone.now() - timedelta(days=3)
    order = paid_order(provider="alipay", paid_at=paid_at)
    deliver_outbox()
    paid_rows = DailyProductSales.objects.filter(day=timezone.localdate(paid_at))
    before = list(paid_rows.values_list("product_id", "orders", "revenue", "refunds"))

    # when ¥100 of it is refunded today
    refund = succeeded_refund(order, "100.00")
    assert deliver(REFUNDED, refund_payload(refund)) == ["handled"]

    # then today's rows take the refund in proportion to revenue (136:238), under Alipay
    today = timezone.localdate()
    refunds = dict(
        DailyProductSales.objects.filter(day=today).values_list("product_id", "refunds").order_by("product_id")
    )
    by_revenue = {line.product_id: line.line_total for line in order.lines.all()}
    cheap, dear = sorted(by_revenue, key=by_revenue.get)
    assert refunds == {cheap: Decimal("36.36"), dear: Decimal("63.64")}
    assert set(DailyProductSales.objects.filter(day=today).values_list("provider", "orders", "revenue")) == {
        ("alipay", 0, Decimal("0.00"))
    }
    assert DailySales.objects.values_list("refunds", "refund_count").get(day=today) == (Decimal("100.00"), 1)
    # and the paid day is as it was
    assert list(paid_rows.values_list("product_id", "orders", "revenue", "refunds")) == before


def test_a_refund_before_the_order_paid_event_counts_the_order_from_the_orders_table():
    # given a paid order whose OrderPaid has not reached reports yet
    order = paid_order()
    refund = succeeded_refund(order, "50.00")

    # when the refund arrives first
    deliver(REFUNDED, refund_payload(refund))

    # then the order is counted from the orders table, and the refund taken from it
    assert PaidOrder.objects.filter(number=order.number).exists()
    day = DailySales.objects.get(day=timezone.localdate())
    assert (day.paid_orders, day.revenue, day.refunds) == (1, Decimal("374.00"), Decimal("50.00"))
    counted = product_rows()

    # and when OrderPaid arrives after all, nothing is counted twice
    deliver(PAID, paid_payload(order))
    assert product_rows() == counted


def test_a_refund_for_an_order_never_paid_adds_nothing():
    # given an order cancelled before payment (payments refunds a late payment of it)
    user = UserFactory()
    order = order_services.order_place(
        user=user, lines=[(sku_in_stock().pk, 1)], address_id=AddressFactory(user=user).pk
    )
    order_services.order_cancel(order=order)
    payload = {
        "refund_id": 999,
        "payment_id": 999,
        "order_number": order.number,
        "user_id": user.pk,
        "amount": "99.00",
        "refunded_total": "99.00",
        "fully_refunded": True,
        "return_goods": False,
        "lines": [],
    }

    # when its RefundSucceeded arrives
    assert deliver(REFUNDED, payload) == ["handled"]

    # then there was no sale to take it from
    assert product_rows() == []
    assert not DailySales.objects.filter(refund_count__gt=0).exists()


def test_placed_orders_count_on_their_placement_day():
    # given an order placed two days ago (OrderPlaced carries no time: the order's is read)
    user = UserFactory()
    order = order_services.order_place(
        user=user, lines=[(sku_in_stock().pk, 1)], address_id=AddressFactory(user=user).pk
    )
    two_days_ago = timezone.now() - timedelta(days=2)
    Order.objects.filter(pk=order.pk).update(placed_at=two_days_ago)

    # when its OrderPlaced is handled, twice
    payload = placed_payload(order)
    deliver(PLACED, payload, message_id="00000000-0000-0000-0000-0000000000b1")
    deliver(PLACED, payload, message_id="00000000-0000-0000-0000-0000000000b1")

    # then it counts once, on that day
    assert list(DailySales.objects.values_list("day", "placed_orders", "paid_orders")) == [
        (timezone.localdate(two_days_ago), 1, 0)
    ]


def _skus(order):
    skus = SKU.objects.select_related("product").in_bulk([line.sku_id for line in order.lines.all()])
    return [(line, skus[line.sku_id]) for line in order.lines.all()]
