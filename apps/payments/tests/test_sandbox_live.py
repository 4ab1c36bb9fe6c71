"""The sandbox's notification over real HTTP (urllib) to a live server, as with runserver:
SITE_URL points at the server, nothing in the delivery is swapped out."""

from urllib.parse import urlsplit

import pytest

from apps.orders.models import Order
from apps.payments.models import Payment, PaymentNotification, SandboxTrade
from apps.payments.sandbox import delivery
from apps.payments.services import payments as services
from apps.payments.tests.payment_helpers import payment_keys_dir, unpaid_order  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("payment_keys_dir")]


@pytest.mark.parametrize("provider", ["alipay", "wechat"])
def test_the_notification_travels_over_http_to_the_notify_url(
    provider, live_server, settings, client, user, eager_celery
):
    # given a shop reachable at the live server's address
    settings.SITE_URL = live_server.url
    assert delivery._transport is delivery.http_post
    started = services.payment_create(user=user, order_number=unpaid_order(user).number, provider=provider)
    trade = SandboxTrade.objects.get()
    assert trade.notify_url == f"{live_server.url}/api/v1/payments/notify/{provider}/"

    # when the customer pays at the cashier (the request commits, then the delivery runs)
    client.force_login(user)
    page = client.get(f"{urlsplit(started.cashier_url).path}?{urlsplit(started.cashier_url).query}")
    paid = client.post(
        f"/payments/sandbox/{trade.out_trade_no}/settle/",
        {"t": page.context["token"], "redirect_url": page.context["redirect_url"], "action": "pay"},
    )

    # then the shop, over HTTP, acknowledged the notification and the order is paid
    assert paid.status_code == 302
    assert paid["Location"].startswith(f"{live_server.url}/payments/return/{trade.out_trade_no}/")
    trade.refresh_from_db()
    assert (trade.notify_attempts, trade.last_notify_error) == (1, "")
    assert trade.notified_at is not None
    assert Payment.objects.get().status == "succeeded"
    assert PaymentNotification.objects.get().outcome == "accepted"
    assert Order.objects.get().status == "paid"
