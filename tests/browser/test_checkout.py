"""A customer's whole purchase in headless Chromium: browse, two SKUs into the cart, a
coupon, checkout with a new address, and the order page waiting for payment."""

from decimal import Decimal

import pytest

from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.catalog import services
from apps.inventory.services import stock_adjust
from apps.orders.models import Order
from apps.promotions.tests.factories import CouponFactory
from tests.browser.support import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(eager_celery):
    tea = services.category_create(name="Tea", slug="tea")
    value = services.attribute_value_get_or_create
    small, large = value(attribute="Size", value="50 g"), value(attribute="Size", value="200 g")
    longjing = services.product_create(name="West Lake Longjing", category=tea, description="Spring picking.")
    for code, price, size in [("LJ-50", "68.00", small), ("LJ-200", "238.00", large)]:
        sku = services.sku_create(product=longjing, code=code, price=price, attribute_values=[size])
        stock_adjust(sku_id=sku.pk, delta=20, reference="opening count")
    services.product_publish(product=longjing)
    CouponFactory(code="TEA30", value=Decimal("30.00"), min_spend=Decimal("100.00"))
    return UserFactory(email="buyer@example.com")


def test_browse_add_two_skus_apply_a_coupon_and_check_out_with_a_new_address(browser, live_server, shop):
    from playwright.sync_api import expect

    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)

    # browse as a guest: home -> category -> product, and add both sizes
    page.goto(f"{base}/")
    page.locator(".category-tiles").get_by_role("link", name="Tea", exact=True).click()
    page.get_by_role("link", name="West Lake Longjing").first.click()
    expect(page.get_by_role("heading", name="West Lake Longjing", level=1)).to_be_visible()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".messages")).to_contain_text("Added to your cart.")
    page.locator("label.option").filter(has_text="200 g").click()
    expect(page.locator("[data-sku-price]")).to_have_text("¥238.00")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".messages")).to_contain_text("Added to your cart.")

    # the cart holds two lines: 68 + 238 = 306, plus ¥10 standard shipping
    page.goto(f"{base}/cart/")
    expect(page.locator("tr.cart-line")).to_have_count(2)
    expect(page.locator("[data-cart-total]")).to_have_text("¥316.00")

    # checkout asks for a sign-in; the guest cart comes along
    page.get_by_role("link", name="Proceed to checkout").click()
    page.locator("#id_username").fill("buyer@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{base}/checkout/"
    expect(page.locator(".checkout-lines li")).to_have_count(2)

    # a new address (the customer has none yet), express shipping, and the coupon
    page.locator("#id_new-recipient").fill("韩梅梅")
    page.locator("#id_new-phone").fill("13800138000")
    page.locator("#id_new-province").fill("浙江省")
    page.locator("#id_new-city").fill("杭州市")
    page.locator("#id_new-district").fill("西湖区")
    page.locator("#id_new-street").fill("龙井路 1 号")
    page.get_by_label("Express delivery").check()
    expect(page.locator("[data-total]")).to_have_text("¥331.00")  # 306 + 25
    page.locator("#id_coupon").fill("TEA30")
    expect(page.locator("[data-coupon-feedback]")).to_contain_text("Coupon TEA30 applied.")  # live, no reload
    expect(page.locator("[data-total]")).to_have_text("¥301.00")  # 306 - 30 + 25
    page.screenshot(path=str(ARTIFACTS / "checkout.png"), full_page=True)
    page.get_by_role("button", name="Place order").click()

    # the order page: waiting for payment, the right total
    order = Order.objects.get()
    assert page.url == f"{base}/orders/{order.number}/"
    expect(page.locator(".order-head .order-status")).to_have_text("pending payment")
    expect(page.locator(".order-columns [data-total]")).to_have_text("¥301.00")
    assert order.total == Decimal("301.00")
    assert order.coupon_code == "TEA30"
    assert order.lines.count() == 2
    page.screenshot(path=str(ARTIFACTS / "order-pending-payment.png"), full_page=True)

    # and the cart is empty now
    page.goto(f"{base}/cart/")
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    context.close()
