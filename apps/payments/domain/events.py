import dataclasses
from decimal import Decimal

from apps.core.domain.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class PaymentSucceeded(DomainEvent):
    """A verified notification (or the reconciler's query) says the money came in."""

    topic = "payments.payment_succeeded.v1"

    payment_id: int
    order_number: str
    user_id: int
    provider: str
    amount: Decimal
    paid_at: str  # ISO 8601


@dataclasses.dataclass(frozen=True, kw_only=True)
class RefundSucceeded(DomainEvent):
    """The provider refunded: `fully_refunded` when the payment has nothing left to refund."""

    topic = "payments.refund_succeeded.v1"

    refund_id: int
    payment_id: int
    order_number: str
    user_id: int
    amount: Decimal
    refunded_total: Decimal  # all succeeded refunds of the payment, this one included
    fully_refunded: bool
    return_goods: bool
    lines: list  # [{"sku_id", "quantity"}] returned to stock when return_goods
