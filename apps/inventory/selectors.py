from collections.abc import Iterable

from django.db.models import QuerySet

from apps.inventory.models import Stock, StockMovement

# Ids beyond a signed 64-bit integer cannot exist, and some databases fail on them
# instead of finding nothing.
MAX_ID = 2**63 - 1
RECENT_MOVEMENTS = 10


def stock_available(*, sku_ids: Iterable[int]) -> dict[int, int]:
    """Units that can be bought now per SKU (0 for a SKU without a stock row)."""
    sku_ids = list(sku_ids)
    rows = Stock.objects.filter(sku_id__in=sku_ids).values_list("sku_id", "on_hand", "reserved")
    available = {sku_id: on_hand - reserved for sku_id, on_hand, reserved in rows}
    return {sku_id: available.get(sku_id, 0) for sku_id in sku_ids}


def stock_list() -> QuerySet[Stock]:
    """Stock rows with their SKU and product, in SKU order: one query per page."""
    return Stock.objects.select_related("sku__product").order_by("sku_id")


def stock_get(*, sku_id: int) -> Stock | None:
    """A SKU's stock with its SKU and product.

    A catalog SKU that was never stocked gets an unsaved row of zeros (as
    `stock_available` counts it); an unknown SKU gets None.
    """
    if not 0 < sku_id <= MAX_ID:
        return None
    stock = stock_list().filter(sku_id=sku_id).first()
    if stock is not None:
        return stock
    sku_model = Stock._meta.get_field("sku").related_model
    sku = sku_model.objects.select_related("product").filter(pk=sku_id).first()
    return Stock(sku=sku) if sku is not None else None


def stock_movements_recent(*, sku_id: int, limit: int = RECENT_MOVEMENTS) -> list[StockMovement]:
    """The newest movements of a SKU, with the staff member who made them."""
    return list(
        StockMovement.objects.filter(sku_id=sku_id).select_related("actor").order_by("-created_at", "-id")[:limit]
    )
