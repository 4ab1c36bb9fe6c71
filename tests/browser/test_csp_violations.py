"""Content-Security-Policy in headless Chromium: the storefront's scripts (SKU picker, live
coupon), Swagger UI and the sales dashboard's charts run with no policy violation, and an
injected inline script is refused (so the check would see one). tests/test_csp.py checks the
headers and markup of every page."""

from decimal import Decimal

import pytest
from django.test import Client

from apps.accounts.tests.factories import AddressFactory, UserFactory
from apps.cart import services as cart_services
from apps.cart.domain.keys import user_cart_key
from apps.orders.tests.conftest import sku_in_stock
from apps.promotions.tests.factories import CouponFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_the_scripts_run_and_nothing_breaks_the_policy(browser, live_server, eager_celery):
    from playwright.sync_api import expect

    # given a customer with an address, a cup in the cart and a coupon, and a superuser
    sku = sku_in_stock(price="120.00", name="Tea cup")
    customer = UserFactory()
    AddressFactory(user=customer, is_default=True)
    cart_services.cart_add(key=user_cart_key(customer.pk), sku_id=sku.pk, quantity=1)
    CouponFactory(code="CUP20", value=Decimal("20.00"), min_spend=Decimal("0.00"))
    staff = UserFactory(is_staff=True, is_superuser=True)
    violations = []

    def signed_in_page(user):
        signed_in = Client()
        signed_in.force_login(user)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        cookie = {"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_server.url}
        context.add_cookies([cookie])
        page = context.new_page()
        page.on("console", lambda message: violations.append(message.text) if "Policy" in message.text else None)
        return context, page

    # when the customer uses the scripted pages: the product's SKU picker, the live coupon, the API docs
    context, page = signed_in_page(customer)
    page.goto(f"{live_server.url}{sku.product.get_absolute_url()}")
    expect(page.locator("[data-sku-price]")).to_have_text("¥120.00")
    page.goto(f"{live_server.url}/checkout/")
    page.locator("#id_coupon").fill("CUP20")
    expect(page.locator("[data-coupon-feedback]")).to_contain_text("Coupon CUP20 applied.")  # fetched by checkout.js
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()  # Swagger UI built the page
    # and the superuser opens the sales dashboard (Chart.js)
    staff_context, staff_page = signed_in_page(staff)
    staff_page.goto(f"{live_server.url}/admin/reports/dashboard/")
    expect(staff_page.locator("canvas").first).to_be_visible()
    staff_context.close()
    seen = list(violations)

    # then nothing was refused; and a script injected into the page would be (the check works)
    page.goto(f"{live_server.url}/cart/")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        ran = page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
            " document.body.append(s); return window.injected === 1; }"
        )
    context.close()
    assert seen == []
    assert ran is False
