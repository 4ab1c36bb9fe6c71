"""The order state machine: one transition table, used by every path that changes a status."""

import enum

from apps.core.domain.exceptions import DomainError, gettext_noop


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


_REFUNDS = frozenset({OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED})

# Straight from the design (shared/ARCHITECTURE.md): pay, ship, complete; cancel only
# while unpaid (by the customer or after the payment window); refund once money came in.
# A partial refund leaves the rest of the order going: a paid order partly refunded still
# ships and completes, and a second partial refund keeps it partially refunded. Whether
# it has shipped or completed already is told by shipped_at and completed_at, which the
# services check (an order ships once and completes once).
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED}) | _REFUNDS,
    OrderStatus.SHIPPED: frozenset({OrderStatus.COMPLETED}) | _REFUNDS,
    OrderStatus.COMPLETED: _REFUNDS,
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
    OrderStatus.PARTIALLY_REFUNDED: frozenset({OrderStatus.SHIPPED, OrderStatus.COMPLETED}) | _REFUNDS,
}


class IllegalTransition(DomainError):
    code = "illegal_transition"
    http_status = 409
    default_detail = gettext_noop("The order cannot change to that status now.")

    def __init__(self, current: str, target: str, detail: str | None = None):
        super().__init__(detail)
        self.current = current
        self.target = target


def can_transition(current: str, target: str) -> bool:
    return OrderStatus(target) in TRANSITIONS[OrderStatus(current)]


def ensure_transition(current: str, target: str) -> None:
    if not can_transition(current, target):
        raise IllegalTransition(current, target)
