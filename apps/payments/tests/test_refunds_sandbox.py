"""Refunds through the real gateway classes against the simulated Alipay and WeChat Pay:
signed requests, the provider's own refund records, and its refusals."""

from decimal import Decimal

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.orders.models import Order
from apps.payments.models import Payment, Refund, SandboxRefund, SandboxTrade
from apps.payments.sandbox import cashier
from apps.payments.services import payments as payment_services
from apps.payments.services import refunds as services
from apps.payments.tests import payment_helpers
from apps.payments.tests.payment_helpers import unpaid_order

# The fixtures this module uses, from the shared helpers.
payment_keys_dir = payment_helpers.payment_keys_dir
notify_via_test_client = payment_helpers.notify_via_test_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliver(eager_celery, django_capture_on_commit_callbacks):
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def _paid_through_the_sandbox(deliver, provider: str) -> tuple[Order, Payment, SandboxTrade]:
    """An order of 109.00 paid at the simulated provider's cashier and settled by the shop."""
    user = UserFactory()
    order = unpaid_order(user)
    started = payment_services.payment_create(user=user, order_number=order.number, provider=provider)
    trade = SandboxTrade.objects.get(out_trade_no=started.payment.out_trade_no)
    deliver(cashier.cashier_settle, trade=trade, paid=True)
    deliver(payment_services.payment_reconcile, payment_id=started.payment.pk)  # in case no notification came
    order.refresh_from_db()
    payment = Payment.objects.get(pk=started.payment.pk)
    assert (order.status, payment.status) == (Order.Status.PAID, Payment.Status.SUCCEEDED)
    return order, payment, trade


@pytest.mark.parametrize("provider", ["alipay", "wechat"])
def test_an_approved_refund_is_refunded_by_the_simulated_provider(
    payment_keys_dir, notify_via_test_client, deliver, provider
):
    # given an order paid at the provider's cashier
    order, payment, trade = _paid_through_the_sandbox(deliver, provider)

    # when the customer asks for 12.30 back and staff approve it
    refund = services.refund_request(order_number=order.number, user=order.user, amount=Decimal("12.30"), reason="x")
    refund = deliver(services.refund_approve, refund_id=refund.pk, staff=UserFactory(is_staff=True))

    # then the provider refunded 12.30 under our refund number, and the shop recorded it
    at_provider = SandboxRefund.objects.get(trade=trade)
    assert (at_provider.out_refund_no, at_provider.amount, at_provider.status) == (
        refund.out_refund_no,
        Decimal("12.30"),
        SandboxRefund.Status.SUCCEEDED,
    )
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.provider_refund_no
    payment.refresh_from_db()
    assert (payment.refund_held, payment.refunded) == (Decimal("12.30"), Decimal("12.30"))
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED


@pytest.mark.parametrize("provider", ["alipay", "wechat"])
def test_a_refund_the_simulated_provider_refuses_fails_and_frees_its_amount(
    payment_keys_dir, notify_via_test_client, deliver, provider
):
    # given a paid order whose trade the provider will not refund
    order, payment, trade = _paid_through_the_sandbox(deliver, provider)
    cashier.cashier_refuse_refunds(trade=trade, refuse=True)

    # when staff refund all of it
    refund = deliver(
        services.refund_create_by_staff,
        order_number=order.number,
        amount=payment.amount,
        reason="x",
        staff=UserFactory(is_staff=True),
    )

    # then the refund failed with the provider's reason, and the order is as it was
    assert refund.status == Refund.Status.FAILED
    assert refund.failure_reason
    payment.refresh_from_db()
    assert (payment.refund_held, payment.refunded) == (Decimal("0.00"), Decimal("0.00"))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


@pytest.mark.parametrize("provider", ["alipay", "wechat"])
def test_sending_a_refund_again_refunds_it_once_at_the_provider(
    payment_keys_dir, notify_via_test_client, deliver, provider
):
    # given a refund the provider refunded, that the shop sends once more (a lost answer)
    order, payment, trade = _paid_through_the_sandbox(deliver, provider)
    refund = deliver(
        services.refund_create_by_staff,
        order_number=order.number,
        amount=Decimal("9.00"),
        reason="x",
        staff=UserFactory(is_staff=True),
    )
    Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.PROCESSING)
    Payment.objects.filter(pk=payment.pk).update(refunded=Decimal("0.00"))

    # when it is sent again
    again = deliver(services.refund_send, refund_id=refund.pk)

    # then the provider kept one refund, and the shop has it succeeded once more
    assert again.status == Refund.Status.SUCCEEDED
    assert SandboxRefund.objects.filter(trade=trade).count() == 1
    payment.refresh_from_db()
    assert payment.refunded == Decimal("9.00")
