"""Reports' reactions to other apps' events: the daily sales roll-up.

Each runs once per message (apps.core.outbox dedupes on the message id), and the
services add an order once however many messages carry it (reports.PaidOrder). Payloads
are read as their publishers document them (apps/orders/domain/events.py,
apps/payments/domain/events.py); a time the payload lacks is read from its source.
"""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from apps.core.outbox import event_handler
from apps.reports import selectors, services


def _moment(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@event_handler("orders.order_placed.v1", name="reports.count_placed_order")
def count_placed_order(payload: dict) -> None:
    """Placed orders per day: the paid rate's denominator. OrderPlaced carries no time
    (yet): the order's own placed_at is read."""
    services.sales_record_order_placed(order_id=payload["order_id"], placed_at=_moment(payload.get("placed_at")))


@event_handler("orders.order_paid.v1", name="reports.roll_up_paid_order")
def roll_up_paid_order(payload: dict) -> None:
    services.sales_record_order_paid(
        number=payload["number"],
        order_id=payload["order_id"],
        provider=payload.get("provider") or "",
        paid_at=_moment(payload["paid_at"]),
        total=Decimal(payload["total"]),
        lines=payload["lines"],
    )


@event_handler("payments.refund_succeeded.v1", name="reports.roll_up_refund")
def roll_up_refund(payload: dict) -> None:
    """RefundSucceeded carries no time (yet): the refund's succeeded_at is read, and the
    handling time serves if the refund cannot be found."""
    succeeded_at = (
        _moment(payload.get("succeeded_at"))
        or selectors.source_refund_succeeded_at(refund_id=payload["refund_id"])
        or timezone.now()
    )
    services.sales_record_refund(
        refund_id=payload["refund_id"],
        order_number=payload["order_number"],
        amount=Decimal(payload["amount"]),
        succeeded_at=succeeded_at,
    )
