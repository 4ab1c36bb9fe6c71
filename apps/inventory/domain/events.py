import dataclasses

from apps.core.domain.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class StockChanged(DomainEvent):
    """Any change of a SKU's stock; `version` grows with every change of that SKU."""

    topic = "inventory.stock_changed.v1"

    sku_id: int
    on_hand: int
    reserved: int
    available: int
    version: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class StockLow(DomainEvent):
    """Available units fell to or below the SKU's low-stock threshold."""

    topic = "inventory.stock_low.v1"

    sku_id: int
    available: int
    threshold: int
