"""What follows a verified payment: PaymentSucceeded -> the order is paid (once), the
customer is mailed, and money the order cannot take goes back automatically."""

import uuid

import pytest
from django.core import mail
from django.test import Client

from apps.core.models import OutboxMessage
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.payments import handlers
from apps.payments.models import Payment, Refund, SandboxRefund, SandboxTrade
from apps.payments.services import payments as services
from apps.payments.tests.payment_helpers import (  # noqa: F401 (fixture)
    ORDER_PAID,
    PAYMENT_SUCCEEDED,
    alipay_params,
    fen,
    payment_keys_dir,
    post_alipay,
    post_wechat,
    unpaid_order,
    wechat_notification,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("payment_keys_dir")]


def _refunds_module_ready() -> bool:
    try:
        from apps.payments.services.refunds import refund_for_cancelled_order  # noqa: F401
    except ImportError:
        return False
    return True


needs_refunds = pytest.mark.skipif(
    not _refunds_module_ready(),
    reason="apps.payments.services.refunds.refund_for_cancelled_order is written by the refunds work",
)


def _deliver(handler, payload: dict) -> str:
    return handler.apply(kwargs={"message_id": str(uuid.uuid4()), "topic": "t", "payload": payload}).get()


def test_the_same_payment_succeeded_message_twice_pays_the_order_once(user, eager_celery):
    # given a verified payment (its PaymentSucceeded in the outbox, not yet delivered)
    payment = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay").payment
    post_alipay(Client(), alipay_params(out_trade_no=payment.out_trade_no, amount="109.00"))
    message = OutboxMessage.objects.get(topic=PAYMENT_SUCCEEDED)
    kwargs = {"message_id": str(message.message_id), "topic": message.topic, "payload": message.payload}

    # when the relay delivers it twice
    first = handlers.mark_order_paid.apply(kwargs=kwargs).get()
    second = handlers.mark_order_paid.apply(kwargs=kwargs).get()

    # then the order was marked paid once
    assert (first, second) == ("handled", "duplicate")
    assert Order.objects.get(number=payment.order_number).status == "paid"
    assert OutboxMessage.objects.filter(topic=ORDER_PAID).count() == 1


def test_a_payment_that_is_not_succeeded_marks_nothing(user):
    payment = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay").payment

    handlers.mark_order_paid.func({"payment_id": payment.pk})

    assert Order.objects.get(number=payment.order_number).status == "pending_payment"


def test_the_customer_is_mailed_once_when_the_order_is_paid(user, eager_celery, django_capture_on_commit_callbacks):
    payment = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="wechat").payment
    headers, body = wechat_notification(out_trade_no=payment.out_trade_no, fen=fen(payment.amount))

    with django_capture_on_commit_callbacks(execute=True):
        post_wechat(Client(), headers, body)
        post_wechat(Client(), headers, body)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == f"Payment received for order {payment.order_number}"
    assert "We received your payment of ¥109.00 with WeChat Pay" in message.body
    assert f"http://127.0.0.1:8000/orders/{payment.order_number}/" in message.body
    assert "&amp;" not in message.body


def test_the_payment_mail_speaks_the_customers_language(user, eager_celery):
    from django.utils import translation

    user.language = "zh-hans"
    user.save(update_fields=["language"])
    order = unpaid_order(user)

    _deliver(
        handlers.mail_payment_received,
        {"number": order.number, "user_id": user.pk, "total": "109.00", "provider": "alipay", "paid_at": "x"},
    )

    # rendered under the customer's language (the catalogue may not have these strings yet)
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        expected_provider = gettext("Alipay")
    assert len(mail.outbox) == 1
    assert expected_provider in mail.outbox[0].body


@needs_refunds
def test_a_payment_for_an_order_cancelled_meanwhile_is_refunded_in_full(
    user, eager_celery, django_capture_on_commit_callbacks
):
    # given a payment started, then the order cancelled when its window closed
    payment = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay").payment
    order_services.order_cancel(order=Order.objects.get(number=payment.order_number), reason="payment_timeout")
    trade = SandboxTrade.objects.get()
    SandboxTrade.objects.filter(pk=trade.pk).update(status="succeeded")  # the customer paid at Alipay

    # when the customer's money arrives all the same
    with django_capture_on_commit_callbacks(execute=True):
        answer = post_alipay(
            Client(), alipay_params(out_trade_no=payment.out_trade_no, amount="109.00", trade_no=trade.trade_no)
        )

    # then the money is taken (acknowledged) and goes straight back; the order stays cancelled
    assert answer.content == b"success"
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert Order.objects.get(number=payment.order_number).status == "cancelled"
    assert not OutboxMessage.objects.filter(topic=ORDER_PAID).exists()
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.status, refund.reason) == (payment.amount, "succeeded", "order cancelled")
    assert SandboxRefund.objects.get().amount == payment.amount


@needs_refunds
def test_a_second_payment_of_a_paid_order_goes_back(user, eager_celery, django_capture_on_commit_callbacks):
    # given an order with a pending Alipay and a pending WeChat payment
    order = unpaid_order(user)
    alipay = services.payment_create(user=user, order_number=order.number, provider="alipay").payment
    wechat = services.payment_create(user=user, order_number=order.number, provider="wechat").payment
    # (both trades really paid at the providers)
    for trade in SandboxTrade.objects.all():
        SandboxTrade.objects.filter(pk=trade.pk).update(status="succeeded")

    # when both notifications arrive
    with django_capture_on_commit_callbacks(execute=True):
        trade_nos = dict(SandboxTrade.objects.values_list("out_trade_no", "trade_no"))
        params = alipay_params(
            out_trade_no=alipay.out_trade_no, amount="109.00", trade_no=trade_nos[alipay.out_trade_no]
        )
        post_alipay(Client(), params)
        headers, body = wechat_notification(
            out_trade_no=wechat.out_trade_no, fen=10900, transaction_id=trade_nos[wechat.out_trade_no]
        )
        post_wechat(Client(), headers, body)

    # then the order is paid once, by the first, and the second goes back in full
    order.refresh_from_db()
    assert (order.status, order.payment_provider) == ("paid", "alipay")
    assert OutboxMessage.objects.filter(topic=ORDER_PAID).count() == 1
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.amount, refund.status) == (wechat.pk, wechat.amount, "succeeded")
    assert SandboxRefund.objects.get().trade.out_trade_no == wechat.out_trade_no
    assert Payment.objects.get(pk=alipay.pk).refund_held == 0
