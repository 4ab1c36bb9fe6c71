from collections.abc import Iterable

from apps.inventory.models import Stock


def stock_available(*, sku_ids: Iterable[int]) -> dict[int, int]:
    """Units that can be bought now per SKU (0 for a SKU without a stock row)."""
    sku_ids = list(sku_ids)
    rows = Stock.objects.filter(sku_id__in=sku_ids).values_list("sku_id", "on_hand", "reserved")
    available = {sku_id: on_hand - reserved for sku_id, on_hand, reserved in rows}
    return {sku_id: available.get(sku_id, 0) for sku_id in sku_ids}
