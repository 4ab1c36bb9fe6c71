"""Paying in headless Chromium: the order page's Pay button, the simulated Alipay cashier,
the notification over HTTP to the live server, and the order paid."""

import pytest

from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.inventory.models import Stock
from apps.orders.models import Order
from apps.payments.models import Payment
from apps.payments.tests.payment_helpers import payment_keys_dir, unpaid_order  # noqa: F401 (fixture)
from tests.browser.support import ARTIFACTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("payment_keys_dir", "eager_celery"),
]


@pytest.mark.parametrize(("button", "provider"), [("Pay with Alipay", "alipay"), ("Pay with WeChat Pay", "wechat")])
def test_pay_an_order_in_the_simulated_cashier(browser, live_server, settings, button, provider):
    from playwright.sync_api import expect

    # given a customer with an order waiting for payment, and the shop reachable at the live server
    settings.SITE_URL = live_server.url
    customer = UserFactory(email="payer@example.com")
    order = unpaid_order(customer, price="68.00", units=5, quantity=2)
    sku_id = order.lines.get().sku_id
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/accounts/login/?next=/orders/{order.number}/")
    page.locator("#id_username").fill("payer@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # when they press Pay and pay at the provider's cashier
    page.get_by_role("button", name=button).click()
    expect(page.locator("[data-amount]")).to_have_text("¥146.00")
    page.screenshot(path=str(ARTIFACTS / f"sandbox-cashier-{provider}.png"), full_page=True)
    page.get_by_role("button", name="Pay", exact=True).click()

    # then they are back at the shop, which says the payment arrived
    expect(page.locator("[data-payment-status]")).to_have_attribute("data-payment-status", "succeeded")
    expect(page.get_by_text("We received your payment of ¥146.00")).to_be_visible()
    page.get_by_role("link", name="View the order").click()
    expect(page.locator(".order-head .order-status")).to_have_text("paid")
    page.screenshot(path=str(ARTIFACTS / f"order-paid-{provider}.png"), full_page=True)
    context.close()

    assert Payment.objects.get().status == "succeeded"
    assert Order.objects.get().status == "paid"
    assert Stock.objects.filter(sku_id=sku_id).values_list("on_hand", "reserved").get() == (3, 0)
