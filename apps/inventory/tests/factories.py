"""Stocked SKUs for inventory tests, built through the services (as the shop does)."""

from apps.catalog.models import SKU
from apps.catalog.tests.factories import SKUFactory
from apps.core.models import OutboxMessage
from apps.inventory import services
from apps.inventory.models import Stock, StockMovement


def stocked_sku(*, on_hand: int = 0, threshold: int = 5, **sku_fields) -> SKU:
    """A catalog SKU with a stock row: `threshold` set first, then `on_hand` received."""
    sku = SKUFactory(**sku_fields)
    services.stock_set_threshold(sku_id=sku.pk, threshold=threshold)
    if on_hand:
        services.stock_adjust(sku_id=sku.pk, delta=on_hand, reason=StockMovement.Reason.RECEIVE)
    return sku


def stock_of(sku: SKU) -> tuple[int, int]:
    """(on hand, reserved) as the database has them now."""
    stock = Stock.objects.get(sku_id=sku.pk)
    return stock.on_hand, stock.reserved


def forget_setup_effects() -> None:
    """Drop the movements and events of a test's setup, so it asserts only its own."""
    StockMovement.objects.all().delete()
    OutboxMessage.objects.all().delete()


def movements(**filters) -> list[tuple]:
    """The ledger in the order it was written: (sku, on hand change, reserved change, reason, reference)."""
    rows = StockMovement.objects.filter(**filters).order_by("id")
    return list(rows.values_list("sku_id", "delta_on_hand", "delta_reserved", "reason", "reference"))


def events() -> list[tuple[str, dict]]:
    return list(OutboxMessage.objects.order_by("id").values_list("topic", "payload"))
