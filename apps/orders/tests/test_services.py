from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.models import OutboxMessage
from apps.inventory.public import OutOfStock, stock_available
from apps.orders import services
from apps.orders.domain.exceptions import AddressNotFound, CouponInvalid, SkuUnavailable
from apps.orders.domain.status import IllegalTransition
from apps.orders.models import Order, OrderLine
from apps.orders.tests.conftest import sku_in_stock
from apps.promotions.models import Coupon, CouponRedemption
from apps.promotions.public import UnknownShippingMethod
from apps.promotions.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db


def _place(user, address, lines, **kwargs):
    return services.order_place(user=user, lines=lines, address_id=address.pk, **kwargs)


def test_placing_an_order_prices_reserves_redeems_and_snapshots(user, address, sku):
    # given a 20 yuan coupon and two cups at 99.00
    CouponFactory(code="SAVE20", value=Decimal("20.00"))

    # when
    order = _place(user, address, [(sku.pk, 2)], coupon_code="save20")

    # then the amounts are the pricing engine's: 198 - 20 + 10 shipping
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert (order.subtotal, order.discount_total, order.shipping_fee, order.shipping_discount, order.total) == (
        Decimal("198.00"),
        Decimal("20.00"),
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("188.00"),
    )
    assert order.points_earned == 178
    assert order.coupon_code == "SAVE20"
    assert order.breakdown["total"] == "188.00"
    assert order.breakdown["adjustments"] == [{"kind": "coupon", "label": "SAVE20", "amount": "20.00"}]
    assert (order.recipient, order.city, order.street) == ("李雷", "深圳市", "科技园路 1 号")
    assert order.payment_deadline == order.placed_at + timedelta(seconds=30 * 60)
    assert len(order.number) == 16
    assert order.number.isdigit()
    line = order.lines.get()
    assert (line.sku_id, line.product_id, line.sku_code, line.product_name) == (
        sku.pk,
        sku.product_id,
        sku.code,
        "Tea cup",
    )
    assert (line.unit_price, line.quantity, line.line_discount, line.line_total) == (
        Decimal("99.00"),
        2,
        Decimal("20.00"),
        Decimal("178.00"),
    )
    # and the stock is reserved, the coupon used once, the event recorded
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 8}
    assert Coupon.objects.get().used_count == 1
    assert CouponRedemption.objects.get().order_reference == order.number
    placed = OutboxMessage.objects.get(topic="orders.order_placed.v1")
    assert placed.payload == {
        "order_id": order.pk,
        "number": order.number,
        "user_id": user.pk,
        "total": "188.00",
        "coupon_code": "SAVE20",
        "lines": [{"sku_id": sku.pk, "product_id": sku.product_id, "quantity": 2, "unit_price": "99.00"}],
    }


def test_the_payment_window_comes_from_settings(user, address, sku, settings):
    settings.ORDER_PAYMENT_TIMEOUT = 600

    order = _place(user, address, [(sku.pk, 1)])

    assert order.payment_deadline - order.placed_at == timedelta(minutes=10)


def test_repeated_skus_become_one_line(user, address, sku):
    order = _place(user, address, [(sku.pk, 1), (sku.pk, 2)])

    assert list(order.lines.values_list("quantity", flat=True)) == [3]
    assert order.total == Decimal("307.00")


def test_out_of_stock_leaves_no_order_and_no_reservation(user, address, sku):
    # given a second SKU with only one unit
    scarce = sku_in_stock(units=1, name="Teapot")
    CouponFactory(code="SAVE20")

    # when
    with pytest.raises(OutOfStock):
        _place(user, address, [(sku.pk, 2), (scarce.pk, 2)], coupon_code="SAVE20")

    # then
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0
    assert stock_available(sku_ids=[sku.pk, scarce.pk]) == {sku.pk: 10, scarce.pk: 1}
    assert Coupon.objects.get().used_count == 0
    assert not OutboxMessage.objects.filter(topic="orders.order_placed.v1").exists()


def test_an_unbuyable_sku_is_refused_by_name(user, address, sku):
    sku.is_active = False
    sku.save(update_fields=["is_active"])

    with pytest.raises(SkuUnavailable) as caught:
        _place(user, address, [(sku.pk, 1)])

    assert caught.value.code == "sku_unavailable"
    assert str(sku.pk) in caught.value.detail
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 10}


def test_a_missing_sku_is_unavailable(user, address):
    with pytest.raises(SkuUnavailable):
        _place(user, address, [(987654, 1)])


def test_a_coupon_that_does_not_apply_is_refused_with_its_reason(user, address, sku):
    CouponFactory(code="BIG", min_spend=Decimal("500.00"))

    with pytest.raises(CouponInvalid) as caught:
        _place(user, address, [(sku.pk, 1)], coupon_code="BIG")

    assert caught.value.code == "coupon_invalid"
    assert "coupon_min_spend_not_met" in caught.value.detail
    assert Order.objects.count() == 0


def test_an_unknown_coupon_is_refused(user, address, sku):
    with pytest.raises(CouponInvalid):
        _place(user, address, [(sku.pk, 1)], coupon_code="NOPE")


def test_another_users_address_is_refused(user, other_user, sku):
    from apps.accounts.tests.factories import AddressFactory

    foreign = AddressFactory(user=other_user)

    with pytest.raises(AddressNotFound):
        _place(user, foreign, [(sku.pk, 1)])


def test_an_unknown_shipping_method_is_refused(user, address, sku):
    with pytest.raises(UnknownShippingMethod):
        _place(user, address, [(sku.pk, 1)], shipping_method="teleport")


def test_express_shipping_costs_its_fee(user, address, sku):
    order = _place(user, address, [(sku.pk, 1)], shipping_method="express")

    assert (order.shipping_method, order.shipping_fee, order.total) == ("express", Decimal("25.00"), Decimal("124.00"))


def test_cancelling_releases_stock_and_coupon(user, address, sku):
    CouponFactory(code="SAVE20")
    order = _place(user, address, [(sku.pk, 3)], coupon_code="SAVE20")

    services.order_cancel(order=order, reason=services.CANCELLED_BY_CUSTOMER)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.cancelled_at is not None
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 10}
    assert Coupon.objects.get().used_count == 0
    assert CouponRedemption.objects.get().released_at is not None
    cancelled = OutboxMessage.objects.get(topic="orders.order_cancelled.v1")
    assert cancelled.payload == {"order_id": order.pk, "number": order.number, "user_id": user.pk, "reason": "customer"}


def test_cancelling_twice_is_an_illegal_transition(user, address, sku):
    order = _place(user, address, [(sku.pk, 1)])
    services.order_cancel(order=order, reason=services.CANCELLED_BY_CUSTOMER)

    with pytest.raises(IllegalTransition):
        services.order_cancel(order=order, reason=services.CANCELLED_BY_CUSTOMER)

    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 10}
    assert OutboxMessage.objects.filter(topic="orders.order_cancelled.v1").count() == 1


def test_confirming_receipt_of_an_unshipped_order_is_illegal(user, address, sku):
    order = _place(user, address, [(sku.pk, 1)])

    with pytest.raises(IllegalTransition):
        services.order_confirm_receipt(order=order, user=user)

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_confirming_receipt_completes_a_shipped_order(user, address, sku):
    order = _place(user, address, [(sku.pk, 2)])
    # shipping does not exist yet: put the order where it would leave it
    Order.objects.filter(pk=order.pk).update(status=Order.Status.SHIPPED)

    services.order_confirm_receipt(order=order, user=user)

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.completed_at is not None
    completed = OutboxMessage.objects.get(topic="orders.order_completed.v1")
    assert completed.payload == {
        "order_id": order.pk,
        "number": order.number,
        "user_id": user.pk,
        "product_ids": [sku.product_id],
        "total": "208.00",
    }


def test_only_the_customer_confirms_receipt(user, other_user, address, sku):
    order = _place(user, address, [(sku.pk, 1)])
    Order.objects.filter(pk=order.pk).update(status=Order.Status.SHIPPED)

    with pytest.raises(Order.DoesNotExist):
        services.order_confirm_receipt(order=order, user=other_user)


def test_expiring_cancels_only_overdue_unpaid_orders(user, address, sku):
    # given an overdue order, one still in its window and an overdue one already paid
    overdue = _place(user, address, [(sku.pk, 2)])
    fresh = _place(user, address, [(sku.pk, 1)])
    paid = _place(user, address, [(sku.pk, 3)])
    now = timezone.now()
    Order.objects.filter(pk__in=[overdue.pk, paid.pk]).update(payment_deadline=now - timedelta(seconds=1))
    Order.objects.filter(pk=paid.pk).update(status=Order.Status.PAID)

    # when
    cancelled = services.orders_expire_unpaid(now=now)

    # then
    assert cancelled == 1
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        overdue.pk: Order.Status.CANCELLED,
        fresh.pk: Order.Status.PENDING_PAYMENT,
        paid.pk: Order.Status.PAID,
    }
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 6}
    event = OutboxMessage.objects.get(topic="orders.order_cancelled.v1")
    assert event.payload["reason"] == "payment_timeout"
    assert services.orders_expire_unpaid(now=now) == 0


def test_the_beat_task_expires_orders(user, address, sku):
    from apps.orders.tasks import expire_unpaid

    order = _place(user, address, [(sku.pk, 1)])
    Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() - timedelta(minutes=1))

    assert expire_unpaid.name == "orders.expire_unpaid"
    assert expire_unpaid() == 1
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 10}


def test_a_completed_order_lets_catalog_record_the_purchase(
    user, address, sku, eager_celery, django_capture_on_commit_callbacks
):
    from apps.catalog.models import Purchase

    order = _place(user, address, [(sku.pk, 1)])
    Order.objects.filter(pk=order.pk).update(status=Order.Status.SHIPPED)

    with django_capture_on_commit_callbacks(execute=True):
        services.order_confirm_receipt(order=order, user=user)

    purchase = Purchase.objects.get()
    assert (purchase.user_id, purchase.product_id, purchase.first_order_reference) == (
        user.pk,
        sku.product_id,
        order.number,
    )
