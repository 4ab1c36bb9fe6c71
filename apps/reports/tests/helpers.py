"""Delivering events to the reports' handlers, and reading the roll-up back, in tests."""

import uuid
from decimal import Decimal

from celery import current_app
from django.db.models import Sum
from django.utils import timezone

from apps.core import outbox
from apps.core.models import OutboxMessage
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.payments.domain.events import RefundSucceeded
from apps.payments.models import Payment, Refund
from apps.reports.models import DailyProductSales, DailySales


def deliver(topic: str, payload: dict, *, message_id: str | None = None) -> list[str]:
    """Run every reports handler of `topic` on the message, as the relay would."""
    message_id = message_id or str(uuid.uuid4())
    return [
        current_app.tasks[name].apply(kwargs={"message_id": message_id, "topic": topic, "payload": payload}).get()
        for name in outbox.subscribers(topic)
        if name.startswith("reports.")
    ]


REPORTS_TOPICS = ("orders.order_placed.v1", "orders.order_paid.v1", "payments.refund_succeeded.v1")


def deliver_outbox(*, topics: tuple[str, ...] = REPORTS_TOPICS) -> int:
    """Deliver the pending outbox messages of `topics` to the reports handlers, in order."""
    messages = OutboxMessage.objects.filter(published_at__isnull=True, topic__in=topics).order_by("id")
    count = 0
    for message in messages:
        deliver(message.topic, message.payload, message_id=str(message.message_id))
        count += 1
    return count


def placed_payload(order: Order) -> dict:
    return order_services.order_placed_event(order, order.lines.all()).payload()


def paid_payload(order: Order) -> dict:
    """OrderPaid's payload as orders.services.order_mark_paid publishes it."""
    return order_services.order_paid_event(order, order.lines.all()).payload()


def refund_payload(refund: Refund) -> dict:
    """RefundSucceeded's payload as payments publishes it."""
    payment = refund.payment
    return RefundSucceeded(
        refund_id=refund.pk,
        payment_id=payment.pk,
        order_number=refund.order_number,
        user_id=payment.user_id,
        amount=refund.amount,
        refunded_total=payment.refunded,
        fully_refunded=payment.refunded >= payment.amount,
        return_goods=refund.return_goods,
        lines=list(refund.lines) if refund.return_goods else [],
    ).payload()


def succeeded_refund(order: Order, amount: str, *, at=None) -> Refund:
    """A payment for `order` and a refund of `amount` that succeeded (rows only, as the
    payments app leaves them)."""
    at = at or timezone.now()
    payment = Payment.objects.filter(order=order).first() or Payment.objects.create(
        order=order,
        order_number=order.number,
        user_id=order.user_id,
        provider=order.payment_provider or "alipay",
        amount=order.total,
        status=Payment.Status.SUCCEEDED,
        out_trade_no=f"T{uuid.uuid4().hex[:20]}",
        paid_at=order.paid_at,
        refund_held=Decimal("0.00"),
        refunded=Decimal("0.00"),
    )
    payment.refund_held += Decimal(amount)
    payment.refunded += Decimal(amount)
    payment.save(update_fields=["refund_held", "refunded"])
    return Refund.objects.create(
        payment=payment,
        order_number=order.number,
        amount=Decimal(amount),
        reason="test",
        status=Refund.Status.SUCCEEDED,
        out_refund_no=f"R{uuid.uuid4().hex[:20]}",
        requested_by_id=order.user_id,
        succeeded_at=at,
    )


def product_rows() -> list[tuple]:
    """The roll-up, row by row, as comparable tuples."""
    return list(
        DailyProductSales.objects.order_by("day", "product_id", "category_id", "provider").values_list(
            "day", "product_id", "category_id", "provider", "orders", "units", "revenue", "discounts", "refunds"
        )
    )


def day_rows() -> list[tuple]:
    return list(
        DailySales.objects.order_by("day").values_list(
            "day",
            "placed_orders",
            "paid_orders",
            "units",
            "revenue",
            "discounts",
            "shipping",
            "refunds",
            "refund_count",
        )
    )


def rollup_totals() -> dict:
    return DailyProductSales.objects.aggregate(
        orders=Sum("orders"), units=Sum("units"), revenue=Sum("revenue"), refunds=Sum("refunds")
    )
