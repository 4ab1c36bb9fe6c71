"""Inventory's front door for the apps to its right (cart, orders, payments, reports)."""

import dataclasses

from django.db.models import F

from apps.inventory.domain.exceptions import OutOfStock, ReservationMissing
from apps.inventory.models import Stock
from apps.inventory.selectors import stock_available
from apps.inventory.services import stock_commit, stock_release, stock_reserve

__all__ = ["OutOfStock", "ReservationMissing", "stock_available", "stock_commit", "stock_release", "stock_reserve"]


# --- Reports ------------------------------------------------------------------------------

__all__ += ["LowStock", "stock_low_list"]


@dataclasses.dataclass(frozen=True)
class LowStock:
    """A SKU at or below its low-stock threshold (sold out included), as reports show it."""

    sku_id: int
    sku_code: str
    product_id: int
    product_name: str
    on_hand: int
    reserved: int
    available: int
    threshold: int


def stock_low_list(*, limit: int = 20) -> list[LowStock]:
    """The low SKUs, fewest units available first (then by SKU id): one query."""
    rows = (
        Stock.objects.low()
        .annotate(units_available=F("on_hand") - F("reserved"))
        .order_by("units_available", "sku_id")
        .values_list(
            "sku_id",
            "sku__code",
            "sku__product_id",
            "sku__product__name",
            "on_hand",
            "reserved",
            "units_available",
            "low_stock_threshold",
        )[:limit]
    )
    return [LowStock(*row) for row in rows]
