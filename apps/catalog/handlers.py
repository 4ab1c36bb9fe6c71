"""Catalog's reactions to other apps' events (subscribed by topic; nothing imported)."""

from apps.catalog import services
from apps.core.outbox import event_handler


@event_handler("inventory.stock_changed.v1", name="catalog.sync_sku_availability")
def sync_sku_availability(payload: dict) -> None:
    services.sku_stock_sync(sku_id=payload["sku_id"], available=payload["available"], version=payload["version"])


@event_handler("orders.order_completed.v1", name="catalog.record_purchase")
def record_purchase(payload: dict) -> None:
    """Expects {"user_id": int, "product_ids": [int], "number": str} (orders' contract)."""
    services.purchase_record(
        user_id=payload["user_id"], product_ids=payload.get("product_ids", []), reference=payload.get("number", "")
    )
