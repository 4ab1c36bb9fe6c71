import dataclasses
from datetime import datetime
from decimal import Decimal

from apps.core.domain.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderPlaced(DomainEvent):
    topic = "orders.order_placed.v1"

    order_id: int
    number: str
    user_id: int
    total: Decimal
    coupon_code: str | None
    lines: list  # [{"sku_id", "product_id", "quantity", "unit_price"}]


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderCancelled(DomainEvent):
    topic = "orders.order_cancelled.v1"

    order_id: int
    number: str
    user_id: int
    reason: str  # "customer", "payment_timeout" or "staff"


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderCompleted(DomainEvent):
    """catalog.record_purchase reads user_id, product_ids and number (who may review)."""

    topic = "orders.order_completed.v1"

    order_id: int
    number: str
    user_id: int
    product_ids: list[int]
    total: Decimal


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderPaid(DomainEvent):
    """inventory.commit_reservation commits the stock reserved under `number`."""

    topic = "orders.order_paid.v1"

    order_id: int
    number: str
    user_id: int
    total: Decimal
    discount_total: Decimal
    provider: str  # the payment provider's code, as the payments app names it
    paid_at: datetime  # ISO 8601 in the payload
    lines: list  # [{"sku_id", "product_id", "quantity", "unit_price", "line_total"}]


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderShipped(DomainEvent):
    topic = "orders.order_shipped.v1"

    order_id: int
    number: str
    user_id: int
    carrier: str
    tracking_number: str
