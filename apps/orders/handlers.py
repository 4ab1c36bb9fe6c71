"""Reactions to order events (run by Celery, once per message)."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_datetime

from apps.accounts.public import points_record
from apps.core.outbox import event_handler
from apps.orders import services
from apps.orders.domain.status import IllegalTransition
from apps.orders.models import Order


@event_handler("orders.order_completed.v1", name="orders.award_points")
def award_points(payload: dict) -> None:
    """Completed orders earn the points priced at placement (POINTS_PER_YUAN per ¥1)."""
    # Completed, even if a refund has moved the status on since (its points come off separately).
    order = Order.objects.filter(pk=payload["order_id"], completed_at__isnull=False).first()
    if order is None or order.points_earned <= 0:
        return
    user = get_user_model().objects.get(pk=order.user_id)
    # The ledger keeps one line per (user, reason, reference): a replay adds nothing.
    points_record(user=user, delta=order.points_earned, reason="order_completed", reference=order.number)


@event_handler("shipping.shipment_delivered.v1", name="orders.record_delivery")
def record_delivery(payload: dict) -> None:
    """The carrier delivered the parcel: the order keeps when, and completes by itself later."""
    services.order_mark_delivered(
        order_number=payload["order_number"], delivered_at=parse_datetime(payload["delivered_at"])
    )


@event_handler("payments.refund_succeeded.v1", name="orders.mark_refunded")
def mark_refunded(payload: dict) -> None:
    """Money went back: the order is refunded, or partially refunded."""
    try:
        services.order_mark_refunded(order_number=payload["order_number"], fully_refunded=payload["fully_refunded"])
    except IllegalTransition:
        # A cancelled order's late payment refunded, or an order refunded in full already
        # (a partial refund's event arriving after the last one's): the status stays.
        return


@event_handler("payments.refund_succeeded.v1", name="orders.take_back_refunded_points")
def take_back_refunded_points(payload: dict) -> None:
    """The refunded share of the order's points goes: from the award to come, or the ledger."""
    services.order_refund_points(
        order_number=payload["order_number"],
        refund_reference=f"refund:{payload['refund_id']}",
        amount=Decimal(payload["amount"]),
        refunded_total=Decimal(payload["refunded_total"]),
    )
