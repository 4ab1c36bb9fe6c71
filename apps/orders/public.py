"""Orders' front door for the apps to its right (payments, shipping, reports).

Keyword-only functions returning plain values or frozen dataclasses; the model never
leaves the app.
"""

import dataclasses
from datetime import datetime
from decimal import Decimal

from apps.orders import services
from apps.orders.domain.exceptions import PaymentAmountMismatch
from apps.orders.domain.status import IllegalTransition, OrderStatus, can_transition
from apps.orders.models import Order

__all__ = [
    "IllegalTransition",
    "ShippingOrder",
    "order_mark_shipped",
    "orders_awaiting_shipment",
    "shipping_order_get",
]


# --- Shipping ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShippingOrder:
    """An order as the shipping app needs it: who, where to, and whether it may ship."""

    id: int
    number: str
    user_id: int
    customer_email: str
    status: str
    total: Decimal
    placed_at: datetime
    paid_at: datetime | None
    recipient: str
    destination: str  # province, city and district


_SHIPPING_FIELDS = (
    "id",
    "number",
    "user_id",
    "user__email",
    "status",
    "total",
    "placed_at",
    "paid_at",
    "recipient",
    "province",
    "city",
    "district",
)


def _shipping_order(row: dict) -> ShippingOrder:
    return ShippingOrder(
        id=row["id"],
        number=row["number"],
        user_id=row["user_id"],
        customer_email=row["user__email"],
        status=row["status"],
        total=row["total"],
        placed_at=row["placed_at"],
        paid_at=row["paid_at"],
        recipient=row["recipient"],
        destination=f"{row['province']}{row['city']}{row['district']}",
    )


def shipping_order_get(*, number: str, user_id: int | None = None) -> ShippingOrder | None:
    """The order with that number (only if it is `user_id`'s, when given), or None."""
    orders = Order.objects.filter(number=number)
    if user_id is not None:
        orders = orders.filter(user_id=user_id)
    row = orders.values(*_SHIPPING_FIELDS).first()
    return _shipping_order(row) if row else None


def orders_awaiting_shipment(*, numbers: list[str] | None = None, limit: int = 100) -> list[ShippingOrder]:
    """Paid orders not shipped yet (a partly refunded one still ships), the longest waiting
    first; only `numbers` when given."""
    orders = Order.objects.filter(
        status__in=[Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED], shipped_at__isnull=True
    )
    if numbers is not None:
        orders = orders.filter(number__in=numbers)
    return [_shipping_order(row) for row in orders.order_by("paid_at", "id").values(*_SHIPPING_FIELDS)[:limit]]


def order_mark_shipped(
    *, order_number: str, carrier: str, tracking_number: str, shipped_at: datetime | None = None
) -> None:
    """paid -> shipped, publishing OrderShipped (IllegalTransition when the order is not paid,
    LookupError when there is no such order). Call it inside the shipping transaction."""
    order = Order.objects.filter(number=order_number).first()
    if order is None:
        raise LookupError(f"no order {order_number!r}")
    services.order_mark_shipped(order=order, carrier=carrier, tracking_number=tracking_number, shipped_at=shipped_at)


# --- Payments ---------------------------------------------------------------------------

__all__ += [
    "OrderStatus",
    "PaymentAmountMismatch",
    "PaymentOrder",
    "order_mark_paid",
    "payment_order_get",
]


@dataclasses.dataclass(frozen=True, kw_only=True)
class PaymentOrder:
    """An order as the payments app needs it: whose, how much, and whether it may be paid."""

    id: int
    number: str
    user_id: int
    status: str
    total: Decimal
    payment_deadline: datetime

    @property
    def is_payable(self) -> bool:
        return self.status == OrderStatus.PENDING_PAYMENT


_PAYMENT_FIELDS = ("id", "number", "user_id", "status", "total", "payment_deadline")


def payment_order_get(*, number: str, user_id: int | None = None) -> PaymentOrder | None:
    """The order with that number (only if it is `user_id`'s, when given), or None."""
    orders = Order.objects.filter(number=number)
    if user_id is not None:
        orders = orders.filter(user_id=user_id)
    row = orders.values(*_PAYMENT_FIELDS).first()
    return PaymentOrder(**row) if row else None


def order_mark_paid(
    *, order_number: str, amount: Decimal, provider: str, paid_at: datetime | None = None
) -> PaymentOrder:
    """pending_payment -> paid, publishing OrderPaid. Raises IllegalTransition when the order
    can no longer be paid (cancelled, or paid already) and PaymentAmountMismatch when the
    amount is not its total; either way nothing changes. Call it inside the payments transaction."""
    order = services.order_mark_paid(order_number=order_number, amount=amount, provider=provider, paid_at=paid_at)
    return PaymentOrder(**{name: getattr(order, name) for name in _PAYMENT_FIELDS})


# --- Refunds ------------------------------------------------------------------------------

__all__ += ["RefundOrder", "order_mark_refunded", "refund_order_get"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class RefundOrder:
    """An order as refunds need it: whose, how much, whether money may go back, what was sold."""

    id: int
    number: str
    user_id: int
    status: str
    total: Decimal
    shipped: bool
    lines: tuple[tuple[int, int], ...]  # (sku_id, quantity), lines whose SKU still has an id

    @property
    def is_refundable(self) -> bool:
        """Paid, shipped, completed or partly refunded: money came in and some is left."""
        return can_transition(self.status, OrderStatus.REFUNDED)


def refund_order_get(*, number: str, user_id: int | None = None) -> RefundOrder | None:
    """The order with that number (only if it is `user_id`'s, when given), or None."""
    orders = Order.objects.filter(number=number)
    if user_id is not None:
        orders = orders.filter(user_id=user_id)
    order = orders.only("id", "number", "user_id", "status", "total", "shipped_at").first()
    if order is None:
        return None
    lines = order.lines.filter(sku_id__isnull=False).order_by("id").values_list("sku_id", "quantity")
    return RefundOrder(
        id=order.pk,
        number=order.number,
        user_id=order.user_id,
        status=order.status,
        total=order.total,
        shipped=order.shipped_at is not None,
        lines=tuple(lines),
    )


def order_mark_refunded(*, order_number: str, fully_refunded: bool) -> None:
    """refunded (nothing of the payment left) or partially refunded; IllegalTransition when
    the order cannot be (cancelled, or refunded in full already)."""
    services.order_mark_refunded(order_number=order_number, fully_refunded=fully_refunded)
