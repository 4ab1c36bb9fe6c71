"""The gateway interface: what the shop asks of a payment provider.

A real SDK replaces one class (AlipayGateway, WechatPayGateway): the services only
speak this interface. The simulated providers implement it against the sandbox in
this app, signing and encrypting exactly as the real ones do.
"""

import dataclasses
from decimal import Decimal
from typing import Protocol

from apps.core.domain.exceptions import DomainError, gettext_noop


@dataclasses.dataclass(frozen=True)
class CashierSession:
    cashier_url: str  # where the customer's browser goes to pay


@dataclasses.dataclass(frozen=True)
class VerifiedNotification:
    """A notification whose signature (and, for WeChat, decryption) checked out."""

    out_trade_no: str
    provider_trade_no: str
    amount: Decimal
    succeeded: bool  # TRADE_SUCCESS / SUCCESS; False for a failed or closed trade
    merchant_id: str  # Alipay app_id, WeChat mchid: checked against ours


@dataclasses.dataclass(frozen=True)
class TradeQuery:
    status: str  # "succeeded", "pending", "failed", "closed", "not_found"
    provider_trade_no: str = ""
    amount: Decimal | None = None


@dataclasses.dataclass(frozen=True)
class RefundOutcome:
    succeeded: bool
    provider_refund_no: str = ""
    failure_reason: str = ""


@dataclasses.dataclass(frozen=True)
class NotificationAnswer:
    """What the merchant answers a provider: its own format, not ours."""

    status: int
    content_type: str
    body: str


class InvalidNotification(DomainError):
    """Bad signature, stale timestamp, unknown merchant, undecryptable resource..."""

    code = "invalid_notification"
    default_detail = gettext_noop("The notification could not be verified.")

    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(detail or f"The notification could not be verified ({reason}).")
        self.reason = reason


class Gateway(Protocol):
    name: str

    def create_payment(
        self, *, out_trade_no: str, amount: Decimal, subject: str, return_url: str
    ) -> CashierSession: ...

    def verify_notification(self, *, headers: dict[str, str], body: bytes) -> VerifiedNotification:
        """Raises InvalidNotification; never trusts anything it could not verify."""
        ...

    def query(self, *, out_trade_no: str) -> TradeQuery: ...

    def refund(self, *, out_trade_no: str, out_refund_no: str, amount: Decimal, total: Decimal) -> RefundOutcome: ...

    def close(self, *, out_trade_no: str) -> bool:
        """Close an unpaid trade (the order was cancelled); False when it was paid meanwhile."""
        ...

    def success_answer(self) -> NotificationAnswer: ...

    def failure_answer(self) -> NotificationAnswer: ...
