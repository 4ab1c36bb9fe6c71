"""Refunds as orders see them: the status after RefundSucceeded, the points of the refunded
share, and a partly refunded order that still ships and completes (once each)."""

from decimal import Decimal

import pytest

from apps.accounts.models import PointsEntry
from apps.accounts.public import points_balance, points_record
from apps.orders import handlers, public, services
from apps.orders.domain.status import IllegalTransition
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock

pytestmark = pytest.mark.django_db

REFUND_SUCCEEDED = "payments.refund_succeeded.v1"


def _paid(user, address, *, price="189.00") -> Order:
    """A paid order of one item and 10.00 shipping: 199.00, priced at 189 points for 189.00."""
    sku = sku_in_stock(price=price, units=5)
    order = services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)
    services.order_mark_paid(order_number=order.number, amount=order.total, provider="alipay")
    order.refresh_from_db()
    return order


def _completed(user, address) -> Order:
    order = _paid(user, address)
    services.order_mark_shipped(order=order, carrier="sf", tracking_number="SF1")
    services.order_confirm_receipt(order=order, user=user)
    handlers.award_points.func({"order_id": order.pk})
    order.refresh_from_db()
    return order


def _refund_succeeded(order, *, refund_id, amount, refunded_total, fully=False) -> dict:
    """The payload payments publishes, as the relay hands it to a handler."""
    return {
        "refund_id": refund_id,
        "payment_id": 1,
        "order_number": order.number,
        "user_id": order.user_id,
        "amount": amount,
        "refunded_total": refunded_total,
        "fully_refunded": fully,
        "return_goods": False,
        "lines": [],
    }


def _deliver(task, payload, message_id="00000000-0000-0000-0000-000000000001") -> str:
    return task.apply(kwargs={"message_id": message_id, "topic": REFUND_SUCCEEDED, "payload": payload}).get()


# --- Status -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["paid", "shipped", "completed", "partially_refunded"])
def test_a_partial_refund_makes_a_paid_order_partially_refunded(user, address, status):
    order = _paid(user, address)
    Order.objects.filter(pk=order.pk).update(status=status)

    public.order_mark_refunded(order_number=order.number, fully_refunded=False)

    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED


@pytest.mark.parametrize("status", ["paid", "shipped", "completed", "partially_refunded"])
def test_the_last_refund_makes_it_refunded(user, address, status):
    order = _paid(user, address)
    Order.objects.filter(pk=order.pk).update(status=status)

    services.order_mark_refunded(order_number=order.number, fully_refunded=True)

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


@pytest.mark.parametrize(("status", "fully"), [("cancelled", True), ("pending_payment", False), ("refunded", False)])
def test_an_order_that_cannot_be_refunded_keeps_its_status(user, address, status, fully):
    order = _paid(user, address)
    Order.objects.filter(pk=order.pk).update(status=status)

    with pytest.raises(IllegalTransition):
        services.order_mark_refunded(order_number=order.number, fully_refunded=fully)

    order.refresh_from_db()
    assert order.status == status


def test_the_handler_leaves_a_cancelled_order_cancelled_without_failing(user, address):
    # given a cancelled order whose late payment payments refunded in full
    sku = sku_in_stock(price="10.00", units=5)
    order = services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)
    services.order_cancel(order=order)

    # when RefundSucceeded arrives
    outcome = _deliver(
        handlers.mark_refunded,
        _refund_succeeded(order, refund_id=1, amount="20.00", refunded_total="20.00", fully=True),
    )

    # then the message is handled (no retries) and the order stays cancelled
    assert outcome == "handled"
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_a_partly_refunded_order_still_ships_and_completes_once_each(user, address):
    # given a paid order partly refunded before it shipped
    order = _paid(user, address)
    services.order_mark_refunded(order_number=order.number, fully_refunded=False)

    # when it ships, is partly refunded again, and the customer confirms receipt
    services.order_mark_shipped(order=order, carrier="sf", tracking_number="SF1")
    services.order_mark_refunded(order_number=order.number, fully_refunded=False)
    with pytest.raises(IllegalTransition):
        services.order_mark_shipped(order=order, carrier="sf", tracking_number="SF2")  # shipped already
    services.order_confirm_receipt(order=order, user=user)

    # then it is completed, and a further partial refund and confirmation behave
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    services.order_mark_refunded(order_number=order.number, fully_refunded=False)
    with pytest.raises(IllegalTransition):
        services.order_confirm_receipt(order=order, user=user)  # completed already
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED


def test_a_partly_refunded_order_that_has_not_shipped_cannot_be_confirmed(user, address):
    order = _paid(user, address)
    services.order_mark_refunded(order_number=order.number, fully_refunded=False)

    with pytest.raises(IllegalTransition) as caught:
        services.order_confirm_receipt(order=order, user=user)

    assert (caught.value.current, caught.value.target) == ("partially_refunded", "completed")
    order.refresh_from_db()
    assert (order.status, order.completed_at) == (Order.Status.PARTIALLY_REFUNDED, None)


def test_public_describes_the_order_for_refunds(user, address):
    order = _paid(user, address)
    line = order.lines.get()

    found = public.refund_order_get(number=order.number, user_id=user.pk)

    assert found == public.RefundOrder(
        id=order.pk,
        number=order.number,
        user_id=user.pk,
        status="paid",
        total=Decimal("199.00"),
        shipped=False,
        lines=((line.sku_id, 1),),
    )
    assert found.is_refundable is True
    assert public.refund_order_get(number=order.number, user_id=user.pk + 1) is None
    Order.objects.filter(pk=order.pk).update(status="refunded")
    assert public.refund_order_get(number=order.number).is_refundable is False


# --- Points ----------------------------------------------------------------------------------------


def test_a_refund_after_completion_takes_back_its_share_of_the_points_once(user, address):
    # given a completed order of 199.00 that earned 189 points
    order = _completed(user, address)
    assert points_balance(user=user) == 189

    # when RefundSucceeded for 99.50 (half) arrives, and again under another message id
    payload = _refund_succeeded(order, refund_id=7, amount="99.50", refunded_total="99.50")
    _deliver(handlers.take_back_refunded_points, payload)
    _deliver(handlers.take_back_refunded_points, payload, message_id="00000000-0000-0000-0000-000000000002")

    # then floor(189 * 99.50 / 199) = 94 points went, once, under the refund's reference
    assert points_balance(user=user) == 95
    assert list(PointsEntry.objects.filter(reason="order_refunded").values_list("delta", "reference")) == [
        (-94, "refund:7")
    ]


def test_partial_refunds_adding_up_to_the_total_take_back_every_point(user, address):
    # given a completed order of 199.00 (189 points), refunded in three parts, the last one first
    order = _completed(user, address)
    parts = [("33.33", "199.00", 3), ("66.67", "66.67", 1), ("99.00", "165.67", 2)]

    for amount, refunded_total, refund_id in parts:
        services.order_refund_points(
            order_number=order.number,
            refund_reference=f"refund:{refund_id}",
            amount=Decimal(amount),
            refunded_total=Decimal(refunded_total),
        )

    # then all 189 points are gone, and not one more
    assert points_balance(user=user) == 0
    assert sum(PointsEntry.objects.filter(reason="order_refunded").values_list("delta", flat=True)) == -189


def test_taking_back_points_never_takes_the_balance_below_zero(user, address):
    # given a completed order's 189 points, 150 of them spent since
    order = _completed(user, address)
    points_record(user=user, delta=-150, reason="redeemed", reference="2026030100000009")

    # when the order is refunded in full
    lost = services.order_refund_points(
        order_number=order.number, refund_reference="refund:1", amount=order.total, refunded_total=order.total
    )

    # then only the 39 points left are taken back
    assert lost == 39
    assert points_balance(user=user) == 0


def test_a_refund_before_completion_lowers_what_completion_awards(user, address):
    # given a paid order priced at 189 points, not completed yet
    order = _paid(user, address)

    # when 99.50 is refunded (the handler), then the order completes
    _deliver(
        handlers.take_back_refunded_points,
        _refund_succeeded(order, refund_id=3, amount="99.50", refunded_total="99.50"),
    )
    services.order_mark_shipped(order=order, carrier="sf", tracking_number="SF1")
    services.order_confirm_receipt(order=order, user=user)
    handlers.award_points.func({"order_id": order.pk})

    # then the order earns 189 - 94 = 95 points, and no ledger line takes any back
    order.refresh_from_db()
    assert order.points_earned == 95
    assert order.breakdown["points_earned"] == 189  # the price snapshot stays as placed
    assert points_balance(user=user) == 95
    assert not PointsEntry.objects.filter(reason="order_refunded").exists()


def test_a_cancelled_orders_refund_takes_no_points(user, address):
    sku = sku_in_stock(price="50.00", units=5)
    order = services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)
    services.order_cancel(order=order)

    lost = services.order_refund_points(
        order_number=order.number, refund_reference="refund:1", amount=order.total, refunded_total=order.total
    )

    order.refresh_from_db()
    assert (lost, order.points_earned) == (0, 50)
