"""Paying and shipping an order: the services the payments and shipping apps call."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.core.models import OutboxMessage
from apps.inventory import handlers as inventory_handlers
from apps.inventory.models import Stock, StockMovement
from apps.inventory.public import stock_available
from apps.orders import services
from apps.orders.domain.exceptions import PaymentAmountMismatch
from apps.orders.domain.status import IllegalTransition
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock

pytestmark = pytest.mark.django_db

PAID = "orders.order_paid.v1"
SHIPPED = "orders.order_shipped.v1"
PAID_AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def _place(user, address, lines):
    return services.order_place(user=user, lines=lines, address_id=address.pk)


def _pay(order, **kwargs):
    kwargs = {"amount": order.total, "provider": "alipay", **kwargs}
    return services.order_mark_paid(order_number=order.number, **kwargs)


def test_paying_marks_the_order_paid_and_publishes_one_event(user, address):
    # given an order of two cups at 99.00 and a pot at 30.00, plus 10.00 shipping
    cup = sku_in_stock(price="99.00", units=10, name="Tea cup")
    pot = sku_in_stock(price="30.00", units=10, name="Tea pot")
    order = _place(user, address, [(cup.pk, 2), (pot.pk, 1)])
    assert order.total == Decimal("238.00")

    # when the provider's payment of the exact total arrives
    paid = services.order_mark_paid(
        order_number=order.number, amount=Decimal("238.00"), provider="alipay", paid_at=PAID_AT
    )

    # then the order is paid, when and how
    order.refresh_from_db()
    assert paid.pk == order.pk
    assert (order.status, order.paid_at, order.payment_provider) == (Order.Status.PAID, PAID_AT, "alipay")
    # and one OrderPaid carries the lines as sold
    message = OutboxMessage.objects.get(topic=PAID)
    assert message.payload == {
        "order_id": order.pk,
        "number": order.number,
        "user_id": user.pk,
        "total": "238.00",
        "discount_total": "0.00",
        "provider": "alipay",
        "paid_at": "2026-03-01T12:30:00+00:00",
        "lines": [
            {
                "sku_id": cup.pk,
                "product_id": cup.product_id,
                "quantity": 2,
                "unit_price": "99.00",
                "line_total": "198.00",
            },
            {
                "sku_id": pot.pk,
                "product_id": pot.product_id,
                "quantity": 1,
                "unit_price": "30.00",
                "line_total": "30.00",
            },
        ],
    }


def test_paying_without_a_time_stamps_now(user, address, sku):
    order = _place(user, address, [(sku.pk, 1)])

    _pay(order, provider="wechat_pay")

    order.refresh_from_db()
    assert order.paid_at is not None
    assert order.placed_at <= order.paid_at
    assert order.payment_provider == "wechat_pay"


@pytest.mark.parametrize("amount", [Decimal("108.99"), Decimal("109.01"), Decimal("0.00")])
def test_a_payment_of_another_amount_is_refused_and_changes_nothing(user, address, sku, amount):
    # given an order of 109.00 (99.00 + 10.00 shipping)
    order = _place(user, address, [(sku.pk, 1)])
    assert order.total == Decimal("109.00")

    # when
    with pytest.raises(PaymentAmountMismatch) as refused:
        _pay(order, amount=amount)

    # then
    assert refused.value.code == "payment_amount_mismatch"
    assert (refused.value.expected, refused.value.received) == (Decimal("109.00"), amount)
    order.refresh_from_db()
    assert (order.status, order.paid_at, order.payment_provider) == (Order.Status.PENDING_PAYMENT, None, "")
    assert not OutboxMessage.objects.filter(topic=PAID).exists()


def test_an_amount_that_is_not_a_decimal_is_a_programming_error(user, address, sku):
    order = _place(user, address, [(sku.pk, 1)])

    with pytest.raises(TypeError, match="amount must be a Decimal"):
        _pay(order, amount=109.0)

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


@pytest.mark.parametrize("provider", ["", "   ", "x" * 21, None])
def test_a_payment_needs_a_provider_code(user, address, sku, provider):
    order = _place(user, address, [(sku.pk, 1)])

    with pytest.raises(ValueError, match="provider must be a non-empty string"):
        _pay(order, provider=provider)

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_paying_a_cancelled_order_is_an_illegal_transition(user, address, sku):
    # given an order the customer cancelled
    order = _place(user, address, [(sku.pk, 1)])
    services.order_cancel(order=order, reason=services.CANCELLED_BY_CUSTOMER)

    # when its payment arrives late (the payments app refunds it)
    with pytest.raises(IllegalTransition) as refused:
        _pay(order)

    # then
    assert (refused.value.current, refused.value.target, refused.value.http_status) == ("cancelled", "paid", 409)
    order.refresh_from_db()
    assert (order.status, order.paid_at, order.payment_provider) == (Order.Status.CANCELLED, None, "")
    assert not OutboxMessage.objects.filter(topic=PAID).exists()
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 10}


def test_a_second_payment_of_a_paid_order_is_an_illegal_transition(user, address, sku):
    order = _place(user, address, [(sku.pk, 1)])
    _pay(order, paid_at=PAID_AT)

    with pytest.raises(IllegalTransition):
        _pay(order, provider="wechat_pay")

    order.refresh_from_db()
    assert (order.paid_at, order.payment_provider) == (PAID_AT, "alipay")
    assert OutboxMessage.objects.filter(topic=PAID).count() == 1


def test_paying_an_unknown_order_number_finds_nothing(user, address, sku):
    with pytest.raises(Order.DoesNotExist):
        services.order_mark_paid(order_number="2026010100000000", amount=Decimal("1.00"), provider="alipay")


def test_payment_commits_the_reserved_stock_exactly_once(
    user, address, eager_celery, django_capture_on_commit_callbacks
):
    # given 10 cups on hand, 3 of them reserved by an order
    sku = sku_in_stock(price="99.00", units=10)
    order = _place(user, address, [(sku.pk, 3)])
    assert Stock.objects.filter(sku_id=sku.pk).values_list("on_hand", "reserved").get() == (10, 3)

    # when it is paid and the events are delivered (eagerly, after the commit)
    with django_capture_on_commit_callbacks(execute=True):
        _pay(order)
    # and inventory's handler gets the same OrderPaid again under another message id
    message = OutboxMessage.objects.get(topic=PAID)
    again = inventory_handlers.commit_reservation.apply(
        kwargs={"message_id": "00000000-0000-0000-0000-0000000000aa", "topic": PAID, "payload": message.payload}
    ).get()

    # then the 3 units left the warehouse once: on hand and reserved both dropped by 3
    assert message.published_at is not None
    assert again == "handled"
    assert Stock.objects.filter(sku_id=sku.pk).values_list("on_hand", "reserved").get() == (7, 0)
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 7}
    commits = StockMovement.objects.filter(reason=StockMovement.Reason.COMMIT)
    assert list(commits.values_list("sku_id", "delta_on_hand", "delta_reserved", "reference")) == [
        (sku.pk, -3, -3, order.number)
    ]


def test_shipping_a_paid_order_marks_it_shipped_and_publishes(user, address, sku):
    # given a paid order
    order = _place(user, address, [(sku.pk, 1)])
    _pay(order, paid_at=PAID_AT)
    shipped_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    # when
    services.order_mark_shipped(
        order=order, carrier="SF Express", tracking_number="SF1234567890", shipped_at=shipped_at
    )

    # then
    order.refresh_from_db()
    assert (order.status, order.shipped_at, order.paid_at) == (Order.Status.SHIPPED, shipped_at, PAID_AT)
    assert OutboxMessage.objects.get(topic=SHIPPED).payload == {
        "order_id": order.pk,
        "number": order.number,
        "user_id": user.pk,
        "carrier": "SF Express",
        "tracking_number": "SF1234567890",
    }


def test_a_shipped_order_can_be_confirmed_received(user, address, sku):
    order = _place(user, address, [(sku.pk, 1)])
    _pay(order)
    services.order_mark_shipped(order=order, carrier="SF Express", tracking_number="SF1")

    services.order_confirm_receipt(order=order, user=user)

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.shipped_at <= order.completed_at


@pytest.mark.parametrize("status", [Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED, Order.Status.SHIPPED])
def test_only_a_paid_order_can_be_shipped(user, address, sku, status):
    # given an order in another status than paid
    order = _place(user, address, [(sku.pk, 1)])
    if status == Order.Status.CANCELLED:
        services.order_cancel(order=order)
    elif status == Order.Status.SHIPPED:
        _pay(order)
        services.order_mark_shipped(order=order, carrier="SF Express", tracking_number="SF1")
    shipped_before = Order.objects.get(pk=order.pk).shipped_at

    # when
    with pytest.raises(IllegalTransition) as refused:
        services.order_mark_shipped(order=order, carrier="YTO", tracking_number="YT2")

    # then
    assert (refused.value.current, refused.value.target) == (status, "shipped")
    order.refresh_from_db()
    assert (order.status, order.shipped_at) == (status, shipped_before)
    assert OutboxMessage.objects.filter(topic=SHIPPED).count() == (1 if status == Order.Status.SHIPPED else 0)


@pytest.mark.parametrize(("carrier", "tracking_number"), [("", "SF1"), ("SF Express", " "), ("SF Express", None)])
def test_shipping_needs_a_carrier_and_a_tracking_number(user, address, sku, carrier, tracking_number):
    order = _place(user, address, [(sku.pk, 1)])
    _pay(order)

    with pytest.raises(ValueError, match="must be a non-empty string"):
        services.order_mark_shipped(order=order, carrier=carrier, tracking_number=tracking_number)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
