"""RefundSucceeded through the outbox to every app that reacts: the order's status, its
points, the returned stock and the customer's mail (Celery eager, after the commit)."""

from decimal import Decimal

import pytest

from apps.accounts.models import PointsEntry
from apps.accounts.public import points_balance
from apps.accounts.tests.factories import UserFactory
from apps.core.models import OutboxMessage, ProcessedMessage
from apps.inventory.models import Stock, StockMovement
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.payments import handlers
from apps.payments.services import refunds as services
from apps.payments.tests import refund_helpers
from apps.payments.tests.refund_helpers import paid_order

fake_gateway = refund_helpers.fake_gateway  # the fixture, from the shared helpers

pytestmark = pytest.mark.django_db

REFUND_SUCCEEDED = "payments.refund_succeeded.v1"


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def deliver(eager_celery, django_capture_on_commit_callbacks):
    """Run a service and deliver the events it published, as the relay does after commit."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def _stock(sku_id: int) -> int:
    return Stock.objects.get(sku_id=sku_id).on_hand


def test_a_partial_then_a_final_refund_walk_the_order_to_refunded(fake_gateway, staff, deliver, mailoutbox):
    # given a completed order of 199.00 (189.00 goods and 10.00 shipping) that earned 189 points
    order, _payment = deliver(paid_order, lines=((("189.00", 5), 1),), status="completed")
    assert (order.total, points_balance(user=order.user)) == (Decimal("199.00"), 189)

    # when 99.50 is refunded, and then the rest
    refund = services.refund_request(order_number=order.number, user=order.user, amount=Decimal("99.50"), reason="x")
    deliver(services.refund_approve, refund_id=refund.pk, staff=staff)
    order.refresh_from_db()
    after_first = (order.status, points_balance(user=order.user))
    deliver(
        services.refund_create_by_staff, order_number=order.number, amount=Decimal("99.50"), reason="y", staff=staff
    )
    order.refresh_from_db()

    # then the order was partially refunded, then refunded
    assert after_first == (Order.Status.PARTIALLY_REFUNDED, 189 - 94)  # floor(189 * 99.50 / 199) = 94
    assert order.status == Order.Status.REFUNDED
    # and every point the order earned went back, one ledger line per refund
    assert points_balance(user=order.user) == 0
    assert sorted(
        PointsEntry.objects.filter(user=order.user, reason="order_refunded").values_list("delta", flat=True)
    ) == [-95, -94]
    # and the customer got one mail per refund
    refund_mails = [m for m in mailoutbox if m.subject.startswith("Refund")]
    assert [m.to for m in refund_mails] == [[order.user.email]] * 2
    assert "¥99.50" in refund_mails[-1].body
    assert "refunded in full" in refund_mails[-1].body
    assert "Refunded for this order so far: ¥99.50." in refund_mails[0].body
    # and nothing is left undelivered
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()


def test_returned_goods_go_back_on_hand_once(fake_gateway, staff, deliver):
    # given a shipped order of 2 cups (the payment committed them: 3 of 5 left on hand)
    order, _payment = deliver(paid_order, lines=((("40.00", 5), 2),), status="shipped")
    sku_id = order.lines.get().sku_id
    assert _stock(sku_id) == 3

    # when a refund with the goods sent back succeeds
    refund = services.refund_request(
        order_number=order.number, user=order.user, amount=Decimal("80.00"), reason="x", return_goods=True
    )
    deliver(services.refund_approve, refund_id=refund.pk, staff=staff)

    # then both cups are back on hand, with one movement naming the refund
    assert _stock(sku_id) == 5
    assert list(
        StockMovement.objects.filter(reason=StockMovement.Reason.RETURN).values_list(
            "sku_id", "delta_on_hand", "reference"
        )
    ) == [(sku_id, 2, f"refund:{refund.pk}")]
    # and the order, still owing 10.00 of shipping, is partially refunded
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED


def test_a_refund_before_completion_lowers_the_points_the_order_will_earn(fake_gateway, staff, deliver):
    # given a paid order of 109.00 priced at 99 points, not shipped yet
    order, _payment = deliver(paid_order)
    assert order.points_earned == 99

    # when 54.50 (half) is refunded, and the rest of the order ships and completes
    deliver(
        services.refund_create_by_staff, order_number=order.number, amount=Decimal("54.50"), reason="x", staff=staff
    )
    deliver(order_services.order_mark_shipped, order=order, carrier="sf", tracking_number="SF1")
    deliver(order_services.order_confirm_receipt, order=order, user=order.user)

    # then completion awarded only the half that was kept
    order.refresh_from_db()
    assert (order.status, order.points_earned) == (Order.Status.COMPLETED, 50)  # 99 - floor(99 / 2)
    assert points_balance(user=order.user) == 50
    assert not PointsEntry.objects.filter(reason="order_refunded").exists()


def test_the_refund_mail_is_sent_once_per_refund(fake_gateway, staff, deliver, mailoutbox):
    # given a refund that succeeded and was mailed
    order, _payment = deliver(paid_order)
    deliver(services.refund_create_by_staff, order_number=order.number, amount=Decimal("9.00"), reason="x", staff=staff)
    message = OutboxMessage.objects.get(topic=REFUND_SUCCEEDED)

    # when the same message is delivered again
    again = handlers.mail_refund_succeeded.apply(
        kwargs={"message_id": str(message.message_id), "topic": REFUND_SUCCEEDED, "payload": message.payload}
    ).get()

    # then it was a duplicate: one refund mail, to the customer
    assert again == "duplicate"
    refund_mails = [m for m in mailoutbox if m.subject.startswith("Refund")]
    assert [(m.to, m.subject) for m in refund_mails] == [([order.user.email], f"Refund for your order {order.number}")]
    assert ProcessedMessage.objects.filter(handler="payments.mail_refund_succeeded").count() == 1


def test_no_mail_for_a_refund_that_did_not_succeed(fake_gateway, mailoutbox):
    order, _payment = paid_order()
    refund = services.refund_request(order_number=order.number, user=order.user, amount=Decimal("9.00"), reason="x")

    handlers.mail_refund_succeeded.func({"refund_id": refund.pk, "user_id": order.user_id})

    assert mailoutbox == []
