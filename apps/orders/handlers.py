"""Reactions to order events (run by Celery, once per message)."""

from django.contrib.auth import get_user_model

from apps.accounts.public import points_record
from apps.core.outbox import event_handler
from apps.orders.models import Order


@event_handler("orders.order_completed.v1", name="orders.award_points")
def award_points(payload: dict) -> None:
    """Completed orders earn the points priced at placement (POINTS_PER_YUAN per ¥1)."""
    order = Order.objects.filter(pk=payload["order_id"], status=Order.Status.COMPLETED).first()
    if order is None or order.points_earned <= 0:
        return
    user = get_user_model().objects.get(pk=order.user_id)
    # The ledger keeps one line per (user, reason, reference): a replay adds nothing.
    points_record(user=user, delta=order.points_earned, reason="order_completed", reference=order.number)
