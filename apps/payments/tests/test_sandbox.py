"""The whole story through the simulated providers: the API starts a payment, the
customer pays at the sandbox cashier, the sandbox delivers the signed notification
(Celery, in-process here), the order is paid, its stock committed, the customer mailed."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail

from apps.core.models import OutboxMessage
from apps.inventory.models import Stock, StockMovement
from apps.orders.models import Order
from apps.payments.models import Payment, PaymentNotification, SandboxTrade
from apps.payments.sandbox import delivery
from apps.payments.services import payments as services
from apps.payments.tests.payment_helpers import (  # noqa: F401 (fixtures)
    ORDER_PAID,
    PAYMENT_SUCCEEDED,
    notify_via_test_client,
    payment_keys_dir,
    unpaid_order,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("payment_keys_dir")]


@pytest.fixture
def shopper(client, user):
    client.force_login(user)
    return client


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _cashier_form(client, cashier_url: str) -> dict:
    page = client.get(_path(cashier_url))
    assert page.status_code == 200
    return {"t": page.context["token"], "redirect_url": page.context["redirect_url"]}


def _settle_at_cashier(client, out_trade_no: str, cashier_url: str, action: str):
    form = _cashier_form(client, cashier_url)
    return client.post(f"/payments/sandbox/{out_trade_no}/settle/", {**form, "action": action})


@pytest.mark.parametrize("provider", ["alipay", "wechat"])
@pytest.mark.usefixtures("notify_via_test_client")
def test_pay_at_the_sandbox_and_the_order_is_paid_and_its_stock_committed(
    provider, auth_client, shopper, user, eager_celery, django_capture_on_commit_callbacks
):
    # given an order of 3 units (10 on hand, 3 reserved)
    order = unpaid_order(user, price="20.00", units=10, quantity=3)
    sku_id = order.lines.get().sku_id
    assert Stock.objects.filter(sku_id=sku_id).values_list("on_hand", "reserved").get() == (10, 3)

    # when the customer starts a payment through the API and pays at the provider's cashier
    created = auth_client.post("/api/v1/payments/", {"order": order.number, "provider": provider}, format="json")
    assert created.status_code == 201
    payment = created.json()
    with django_capture_on_commit_callbacks(execute=True):
        paid = _settle_at_cashier(shopper, payment["out_trade_no"], payment["cashier_url"], "pay")

    # then the browser goes back to the shop's return page
    assert paid.status_code == 302
    assert urlsplit(paid["Location"]).path == f"/payments/return/{payment['out_trade_no']}/"
    # and the notification arrived once, signed, and was acknowledged
    trade = SandboxTrade.objects.get(out_trade_no=payment["out_trade_no"])
    assert (trade.status, trade.notify_attempts, trade.last_notify_error) == ("succeeded", 1, "")
    assert trade.notified_at is not None
    assert list(PaymentNotification.objects.values_list("outcome", flat=True)) == ["accepted"]
    # the payment succeeded, the order is paid, and the reservation left the warehouse
    stored = Payment.objects.get(out_trade_no=payment["out_trade_no"])
    assert (stored.status, stored.provider_trade_no) == ("succeeded", trade.trade_no)
    order.refresh_from_db()
    assert (order.status, order.payment_provider) == ("paid", provider)
    assert Stock.objects.filter(sku_id=sku_id).values_list("on_hand", "reserved").get() == (7, 0)
    assert StockMovement.objects.filter(sku_id=sku_id, reference=order.number, reason="commit").count() == 1
    assert OutboxMessage.objects.filter(topic=PAYMENT_SUCCEEDED).count() == 1
    assert OutboxMessage.objects.filter(topic=ORDER_PAID).count() == 1
    # the customer is told, and the return page says paid (from the database)
    assert [m.subject for m in mail.outbox] == [f"Payment received for order {order.number}"]
    assert "¥70.00" in mail.outbox[0].body
    page = shopper.get(urlsplit(paid["Location"]).path)
    assert page.status_code == 200
    assert page.context["payment"].status == "succeeded"
    assert "We received your payment" in page.content.decode()


@pytest.mark.usefixtures("notify_via_test_client")
def test_alipay_sends_the_browser_back_with_its_signed_return_parameters(
    shopper, user, eager_celery, django_capture_on_commit_callbacks
):
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")

    with django_capture_on_commit_callbacks(execute=True):
        paid = _settle_at_cashier(shopper, started.payment.out_trade_no, started.cashier_url, "pay")

    query = parse_qs(urlsplit(paid["Location"]).query)
    assert query["out_trade_no"] == [started.payment.out_trade_no]
    assert query["sign_type"] == ["RSA2"]
    assert query["sign"][0]


def test_the_return_page_never_trusts_the_query_string(shopper, user):
    # given a payment still pending
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")

    # when someone types a "paid" return URL
    page = shopper.get(
        f"/payments/return/{started.payment.out_trade_no}/",
        {"trade_status": "TRADE_SUCCESS", "total_amount": "109.00", "sign": "x"},
    )

    # then the page says what the database says: waiting
    assert page.status_code == 200
    assert page.context["payment"].status == "pending"
    assert page.context["waiting"] is True
    assert "We received your payment" not in page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page.content.decode()


def test_the_return_page_is_the_payers_only(client, user, other_user):
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")
    client.force_login(other_user)

    assert client.get(f"/payments/return/{started.payment.out_trade_no}/").status_code == 404


@pytest.mark.usefixtures("notify_via_test_client")
def test_alipay_fail_at_the_cashier_fails_the_payment(shopper, user, eager_celery, django_capture_on_commit_callbacks):
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")

    with django_capture_on_commit_callbacks(execute=True):
        failed = _settle_at_cashier(shopper, started.payment.out_trade_no, started.cashier_url, "fail")

    # Alipay notifies TRADE_CLOSED: the payment failed, the order still waits for payment
    assert failed.status_code == 302
    started.payment.refresh_from_db()
    assert started.payment.status == "failed"
    assert Order.objects.get(number=started.payment.order_number).status == "pending_payment"
    page = shopper.get(urlsplit(failed["Location"]).path)
    assert "did not go through" in page.content.decode()


@pytest.mark.usefixtures("notify_via_test_client")
def test_wechat_fail_sends_no_notification_and_the_payment_waits_for_the_reconciler(
    shopper, user, eager_celery, django_capture_on_commit_callbacks
):
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="wechat")

    with django_capture_on_commit_callbacks(execute=True):
        failed = _settle_at_cashier(shopper, started.payment.out_trade_no, started.cashier_url, "fail")

    assert failed.status_code == 302  # to the H5 redirect_url the shop appended
    assert urlsplit(failed["Location"]).path == f"/payments/return/{started.payment.out_trade_no}/"
    started.payment.refresh_from_db()
    assert started.payment.status == "pending"
    assert not PaymentNotification.objects.exists()
    assert services.payment_reconcile(payment_id=started.payment.pk) == "failed"


@pytest.mark.usefixtures("notify_via_test_client")
def test_a_trade_is_paid_once(shopper, user, eager_celery, django_capture_on_commit_callbacks):
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")
    form = _cashier_form(shopper, started.cashier_url)
    url = f"/payments/sandbox/{started.payment.out_trade_no}/settle/"

    with django_capture_on_commit_callbacks(execute=True):
        first = shopper.post(url, {**form, "action": "pay"})
        second = shopper.post(url, {**form, "action": "fail"})

    assert first.status_code == 302
    assert second.status_code == 200
    assert "This trade is no longer open." in [str(m) for m in second.context["messages"]]
    assert SandboxTrade.objects.get().status == "succeeded"
    assert PaymentNotification.objects.count() == 1


def test_the_cashier_needs_the_token_of_its_link(client, user):
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")
    path = f"/payments/sandbox/{started.payment.out_trade_no}/"

    assert client.get(path).status_code == 404
    assert client.get(path, {"t": "guess"}).status_code == 404
    assert client.post(f"{path}settle/", {"t": "guess", "action": "pay"}).status_code == 404
    assert client.get(_path(started.cashier_url)).status_code == 200
    assert SandboxTrade.objects.get().status == "pending"


def test_the_cashier_can_be_told_to_refuse_refunds(client, user):
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="wechat")
    trade = SandboxTrade.objects.get()
    SandboxTrade.objects.filter(pk=trade.pk).update(status="succeeded")

    response = client.post(f"/payments/sandbox/{trade.out_trade_no}/refunds/", {"t": trade.token, "refuse": "1"})

    trade.refresh_from_db()
    assert response.status_code == 302
    assert trade.fail_refunds is True
    page = client.get(_path(started.cashier_url))
    assert "Refunds of this trade are refused." in page.content.decode()


def test_a_notification_the_shop_refuses_is_retried_later_with_backoff(user, monkeypatch):
    # given a paid trade whose notification the shop does not acknowledge (down for maintenance)
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")
    trade = SandboxTrade.objects.get()
    SandboxTrade.objects.filter(pk=trade.pk).update(status="succeeded", paid_at=trade.created_at)
    previous = delivery.transport_set(lambda url, headers, body: (503, b"down"))
    retries = []

    class Retry(Exception):
        pass

    def retry(*, countdown):  # what Celery would schedule with a broker
        retries.append(countdown)
        return Retry()

    monkeypatch.setattr(delivery.deliver_notification, "retry", retry)
    try:
        # when a worker (not in-process) runs the delivery twice
        for attempt in range(2):
            delivery.deliver_notification.push_request(is_eager=False, retries=attempt)
            try:
                with pytest.raises(Retry):
                    delivery.deliver_notification.run(trade_id=trade.pk)
            finally:
                delivery.deliver_notification.pop_request()
    finally:
        delivery.transport_set(previous)

    # then each refusal schedules the next try later than the one before
    trade.refresh_from_db()
    assert retries == [15, 60]
    assert (trade.notify_attempts, trade.notified_at) == (2, None)
    assert trade.last_notify_error == "HTTP 503: down"
    started.payment.refresh_from_db()
    assert started.payment.status == "pending"


def test_in_process_a_refused_delivery_is_left_to_the_reconciler(user, eager_celery):
    services.payment_create(user=user, order_number=unpaid_order(user).number, provider="alipay")
    trade = SandboxTrade.objects.get()
    SandboxTrade.objects.filter(pk=trade.pk).update(status="succeeded", paid_at=trade.created_at)

    def unreachable(url, headers, body):
        raise ConnectionRefusedError("connection refused")

    previous = delivery.transport_set(unreachable)
    try:
        outcome = delivery.deliver_notification.apply(kwargs={"trade_id": trade.pk}).get()
    finally:
        delivery.transport_set(previous)

    trade.refresh_from_db()
    assert outcome == "not_acknowledged"
    assert trade.notify_attempts == 1
    assert trade.last_notify_error.startswith("ConnectionRefusedError")


def test_the_order_page_offers_both_providers_and_the_button_leads_to_the_cashier(shopper, user):
    order = unpaid_order(user)

    page = shopper.get(f"/orders/{order.number}/")
    response = shopper.post(f"/payments/pay/{order.number}/", {"provider": "wechat"})

    html = page.content.decode()
    assert f'action="/payments/pay/{order.number}/"' in html
    assert 'value="alipay"' in html
    assert 'value="wechat"' in html
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == f"/payments/sandbox/{order.number}W01/"
    assert Payment.objects.get().provider == "wechat"


def test_the_pay_button_on_a_paid_order_explains_instead_of_failing(shopper, user):
    from apps.orders import services as order_services

    order = unpaid_order(user)
    order_services.order_mark_paid(order_number=order.number, amount=order.total, provider="alipay")

    response = shopper.post(f"/payments/pay/{order.number}/", {"provider": "alipay"}, follow=True)

    assert response.redirect_chain[-1][0] == f"/orders/{order.number}/"
    assert "This order is not waiting for payment." in [str(m) for m in response.context["messages"]]
    assert not Payment.objects.exists()


def test_the_pay_button_for_another_customers_order_is_a_404(shopper, other_user):
    order = unpaid_order(other_user)

    assert shopper.post(f"/payments/pay/{order.number}/", {"provider": "alipay"}).status_code == 404


def test_the_sandbox_pages_are_gone_when_the_sandbox_is_off(client, settings):
    settings.PAYMENT_SANDBOX = False

    responses = [
        client.get("/payments/sandbox/ANY/"),
        client.post("/payments/sandbox/ANY/settle/", {"outcome": "pay"}),
        client.post("/payments/sandbox/ANY/refunds/"),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]


def test_a_production_deploy_with_the_sandbox_on_is_warned(settings):
    from apps.payments.checks import check_payment_sandbox

    settings.PRODUCTION = True
    settings.PAYMENT_SANDBOX = True
    on = check_payment_sandbox(None)
    settings.PAYMENT_SANDBOX = False
    off = check_payment_sandbox(None)

    assert [w.id for w in on] == ["shop.W101"]
    assert off == []
