"""What the refund tests share: a provider that answers as told, and paid orders to refund.

The provider's network is outside the shop, so most refund tests talk to FakeRefundGateway
(installed through settings.PAYMENT_GATEWAYS, as a real SDK class would be);
test_refunds_sandbox.py runs the same story against the simulated Alipay and WeChat Pay.
"""

import secrets
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.tests.factories import AddressFactory, UserFactory
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock
from apps.payments.gateways import registry
from apps.payments.gateways.base import CashierSession, NotificationAnswer, RefundOutcome, TradeQuery
from apps.payments.models import Payment

FAKE_GATEWAY = "apps.payments.tests.refund_helpers.FakeRefundGateway"


class FakeRefundGateway:
    """Answers refunds as the class attribute `answer` says: "succeed", "fail" or "raise"
    (the network broke). Remembers every call; a merchant refund number refunds once, as
    at the real providers."""

    name = "fake"
    answer = "succeed"
    calls: list[dict] = []
    refunded: dict[str, str] = {}

    @classmethod
    def reset(cls) -> None:
        cls.answer = "succeed"
        cls.calls = []
        cls.refunded = {}

    def refund(self, *, out_trade_no: str, out_refund_no: str, amount: Decimal, total: Decimal) -> RefundOutcome:
        type(self).calls.append(
            {"out_trade_no": out_trade_no, "out_refund_no": out_refund_no, "amount": amount, "total": total}
        )
        if out_refund_no in self.refunded:
            return RefundOutcome(succeeded=True, provider_refund_no=self.refunded[out_refund_no])
        if self.answer == "raise":
            raise ConnectionError("the provider did not answer")
        if self.answer == "fail":
            return RefundOutcome(succeeded=False, failure_reason="TRADE_HAS_CLOSE")
        type(self).refunded[out_refund_no] = f"PR{len(self.refunded) + 1:06d}"
        return RefundOutcome(succeeded=True, provider_refund_no=self.refunded[out_refund_no])

    # The rest of the interface is not used by refunds.

    def create_payment(self, *, out_trade_no, amount, subject, return_url) -> CashierSession:
        raise NotImplementedError

    def verify_notification(self, *, headers, body):
        raise NotImplementedError

    def query(self, *, out_trade_no) -> TradeQuery:
        raise NotImplementedError

    def success_answer(self) -> NotificationAnswer:
        return NotificationAnswer(200, "text/plain", "success")

    def failure_answer(self) -> NotificationAnswer:
        return NotificationAnswer(200, "text/plain", "failure")


@pytest.fixture
def fake_gateway(settings):
    """Both providers refund through FakeRefundGateway for this test."""
    FakeRefundGateway.reset()
    settings.PAYMENT_GATEWAYS = {"alipay": FAKE_GATEWAY, "wechat": FAKE_GATEWAY}
    registry.gateway_cache_clear()
    yield FakeRefundGateway
    registry.gateway_cache_clear()
    FakeRefundGateway.reset()


def paid_order(
    *, user=None, lines=((("99.00", 10), 1),), provider: str = "alipay", status: str | None = None
) -> tuple[Order, Payment]:
    """A real order (placed and paid through the orders services) and its successful payment.

    `lines` is ((price, units in stock), quantity) per SKU. `status` moves the order on
    afterwards (shipped, completed) with the services that do it.
    """
    user = user or UserFactory()
    address = AddressFactory(user=user)
    skus = [
        (sku_in_stock(price=price, units=units, name=f"Item {price}"), quantity) for (price, units), quantity in lines
    ]
    order = order_services.order_place(user=user, lines=[(sku.pk, qty) for sku, qty in skus], address_id=address.pk)
    paid_at = timezone.now()
    order_services.order_mark_paid(order_number=order.number, amount=order.total, provider=provider, paid_at=paid_at)
    payment = Payment.objects.create(
        order=order,
        order_number=order.number,
        user=user,
        provider=provider,
        amount=order.total,
        status=Payment.Status.SUCCEEDED,
        out_trade_no=f"T{secrets.token_hex(10)}",
        provider_trade_no=f"P{secrets.token_hex(10)}",
        paid_at=paid_at,
        refund_held=Decimal("0.00"),
        refunded=Decimal("0.00"),
    )
    if status in ("shipped", "completed"):
        order_services.order_mark_shipped(order=order, carrier="sf", tracking_number="SF1000000001")
    if status == "completed":
        order_services.order_confirm_receipt(order=order, user=user)
    order.refresh_from_db()
    return order, payment
