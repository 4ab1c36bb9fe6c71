"""Inventory's reactions to other apps' events (subscribed by topic; nothing imported)."""

from apps.core.outbox import event_handler
from apps.inventory import services


@event_handler("orders.order_paid.v1", name="inventory.commit_reservation")
def commit_reservation(payload: dict) -> None:
    """A paid order's reserved units leave the warehouse.

    Expects {"number": str} (orders' contract): the reservation's reference is the order
    number. The service commits only what is still reserved under it, so a replay, or a
    second OrderPaid for the same order, commits nothing more.
    """
    services.stock_commit_reservation(reference=payload["number"])
