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


@event_handler("payments.refund_succeeded.v1", name="inventory.return_refunded_goods")
def return_refunded_goods(payload: dict) -> None:
    """A refund whose goods came back puts their units back on hand.

    Expects payments' contract: {"refund_id": int, "return_goods": bool, "lines":
    [{"sku_id": int, "quantity": int}]}. The reference is the refund, so a replay (or
    a second message for the same refund) returns nothing more.
    """
    if not payload.get("return_goods"):
        return
    lines = [(line["sku_id"], line["quantity"]) for line in payload.get("lines") or []]
    services.stock_return(lines=lines, reference=f"refund:{payload['refund_id']}")
