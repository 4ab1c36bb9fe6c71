"""The reconciler: payments pending past PAYMENT_NOTIFY_WINDOW are queried at the provider
and settled through the same path as a notification."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from apps.core.models import OutboxMessage
from apps.inventory.models import Stock
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.payments import tasks
from apps.payments.models import Payment, PaymentNotification, SandboxTrade
from apps.payments.sandbox import trades
from apps.payments.services import payments as services
from apps.payments.tests.payment_helpers import (  # noqa: F401 (fixture)
    ORDER_PAID,
    PAYMENT_SUCCEEDED,
    payment_keys_dir,
    unpaid_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("payment_keys_dir")]


def _later() -> timezone.datetime:
    return timezone.now() + timedelta(seconds=django_settings.PAYMENT_NOTIFY_WINDOW + 1)


def _paid_without_notification(user, provider: str = "alipay", **order) -> Payment:
    """A payment whose trade the customer paid, but whose notification never arrived."""
    payment = services.payment_create(user=user, order_number=unpaid_order(user, **order).number, provider=provider)
    trade = SandboxTrade.objects.get(out_trade_no=payment.payment.out_trade_no)
    trades.trade_settle(trade_id=trade.pk, token=trade.token, paid=True)  # no delivery scheduled
    return payment.payment


def test_a_payment_whose_notification_never_came_is_settled_by_the_reconciler(
    user, eager_celery, django_capture_on_commit_callbacks
):
    # given a paid trade, its notification lost, and an order of 2 reserved units
    payment = _paid_without_notification(user, units=5, quantity=2)
    sku_id = Order.objects.get(number=payment.order_number).lines.get().sku_id

    # when the reconciler runs within the window, nothing is asked yet
    assert services.payments_reconcile_pending() == {}
    # and once the window has passed, the provider is asked and the payment settled
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.payments_reconcile_pending(now=_later())

    # then: as if the notification had come
    assert counts == {"succeeded": 1}
    payment.refresh_from_db()
    trade = SandboxTrade.objects.get()
    assert (payment.status, payment.provider_trade_no) == ("succeeded", trade.trade_no)
    assert OutboxMessage.objects.filter(topic=PAYMENT_SUCCEEDED).count() == 1
    assert Order.objects.get(number=payment.order_number).status == "paid"
    assert Stock.objects.filter(sku_id=sku_id).values_list("on_hand", "reserved").get() == (3, 0)
    record = PaymentNotification.objects.get()
    assert (record.outcome, record.reason, record.headers) == ("accepted", "reconciled", {"Source": "query"})
    # and a second run has nothing left to do
    assert services.payments_reconcile_pending(now=_later()) == {}


def test_the_late_notification_after_reconciliation_is_a_duplicate(user, client):
    from apps.payments.sandbox.delivery import notification_deliver, transport_set
    from apps.payments.tests.payment_helpers import client_transport

    payment = _paid_without_notification(user)
    services.payments_reconcile_pending(now=_later())

    previous = transport_set(client_transport)
    try:
        acknowledged = notification_deliver(trade_id=SandboxTrade.objects.get().pk)
    finally:
        transport_set(previous)

    assert acknowledged is True
    assert OutboxMessage.objects.filter(topic=PAYMENT_SUCCEEDED).count() == 1
    assert list(PaymentNotification.objects.order_by("id").values_list("outcome", "reason")) == [
        ("accepted", "reconciled"),
        ("duplicate", ""),
    ]
    payment.refresh_from_db()
    assert payment.status == "succeeded"


@pytest.mark.parametrize("provider", ["alipay", "wechat"])
def test_a_failed_trade_fails_the_payment(user, provider):
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider=provider)
    trade = SandboxTrade.objects.get()
    trades.trade_settle(trade_id=trade.pk, token=trade.token, paid=False)

    counts = services.payments_reconcile_pending(now=_later())

    started.payment.refresh_from_db()
    # WeChat says PAYERROR (failed); Alipay only knows TRADE_CLOSED
    expected = "failed" if provider == "wechat" else "closed"
    assert counts == {expected: 1}
    assert started.payment.status == expected
    assert not OutboxMessage.objects.filter(topic=PAYMENT_SUCCEEDED).exists()


def test_an_open_trade_of_an_order_still_waiting_is_left_alone(user):
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")

    counts = services.payments_reconcile_pending(now=_later())

    started.payment.refresh_from_db()
    assert counts == {"pending": 1}
    assert started.payment.status == "pending"
    assert SandboxTrade.objects.get().status == "pending"


def test_an_open_trade_of_a_cancelled_order_is_closed_at_the_provider(user, client):
    # given a payment started, then the order cancelled (its payment window passed)
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="wechat")
    order_services.order_cancel(order=Order.objects.get(), reason="payment_timeout")

    counts = services.payments_reconcile_pending(now=_later())

    # then the trade is closed at the provider, so the customer can no longer pay it
    started.payment.refresh_from_db()
    trade = SandboxTrade.objects.get()
    assert counts == {"closed": 1}
    assert (started.payment.status, trade.status) == ("closed", "closed")
    settle = client.post(f"/payments/sandbox/{trade.out_trade_no}/settle/", {"t": trade.token, "action": "pay"})
    assert "This trade is no longer open." in [str(m) for m in settle.context["messages"]]


def test_a_payment_the_provider_never_heard_of_is_closed(user):
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")
    SandboxTrade.objects.all().delete()  # the create call never reached the provider

    counts = services.payments_reconcile_pending(now=_later())

    started.payment.refresh_from_db()
    assert counts == {"closed": 1}
    assert started.payment.status == "closed"


def test_a_provider_that_cannot_be_asked_leaves_the_payment_for_the_next_run(user, settings, tmp_path):
    from apps.payments.gateways.keys import payment_keys_cache_clear

    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")
    settings.PAYMENT_KEYS_DIR = tmp_path / "gone"
    payment_keys_cache_clear()

    counts = services.payments_reconcile_pending(now=_later())

    started.payment.refresh_from_db()
    assert counts == {"unavailable": 1}
    assert started.payment.status == "pending"


def test_the_reconciler_is_a_beat_task(user, settings):
    _paid_without_notification(user)
    settings.PAYMENT_NOTIFY_WINDOW = 0

    assert tasks.reconcile_pending.name == "payments.reconcile_pending"
    assert tasks.reconcile_pending.apply().get() == {"succeeded": 1}
    schedule = django_settings.CELERY_BEAT_SCHEDULE["payments-reconcile-pending"]
    assert schedule["task"] == "payments.reconcile_pending"
