"""The sales dashboard in headless Chromium: a superuser signs in to the back office and
opens it with three months of demo-like sales; the four charts draw, and the page is kept
as test-artifacts/reports-dashboard.png."""

import pytest

from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.catalog.tests.factories import CategoryFactory, published_product
from apps.inventory.services import stock_adjust
from apps.reports.seeding import seed_orders
from apps.reports.services import sales_rebuild
from tests.browser.support import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Top-level category -> leaves -> (product, price), after the demo catalog's style.
SHOP = {
    "数码 Electronics": {
        "手机 Phones": [("小满 Smartphone 12", "2999.00"), ("青岚 Phone Lite", "1499.00")],
        "耳机 Headphones": [("声悦 Buds Pro", "399.00"), ("静界 ANC 头戴耳机", "899.00")],
    },
    "家电 Home appliances": {
        "电饭煲 Rice cookers": [("IH 电饭煲 4L", "459.00"), ("迷你电饭煲 2L", "199.00")],
        "空气炸锅 Air fryers": [("可视空气炸锅 5L", "329.00")],
    },
    "服饰 Clothing": {
        "连衣裙 Dresses": [("真丝碎花连衣裙", "568.00"), ("针织连衣裙", "299.00")],
        "运动鞋 Sneakers": [("缓震跑鞋", "499.00")],
    },
    "茶饮 Tea": {
        "绿茶 Green tea": [("西湖龙井 50g", "68.00"), ("碧螺春 100g", "98.00")],
        "红茶 Black tea": [("正山小种 100g", "88.00")],
    },
}


@pytest.fixture
def demo_sales(eager_celery):
    products = []
    for top_name, leaves in SHOP.items():
        top = CategoryFactory(name=top_name)
        for leaf_name, items in leaves.items():
            leaf = CategoryFactory(name=leaf_name, parent=top)
            for name, price in items:
                product = published_product(category=leaf, name=name, skus=((price, 100),))
                stock_adjust(sku_id=product.skus.get().pk, delta=100, reason="receive")
                products.append(product)
    UserFactory.create_batch(20)
    result = seed_orders(orders=2500, days=90, refund_rate=0.05, seed=6)
    sales_rebuild(date_from=result.first_day, date_to=result.last_day)
    # three SKUs running low, one sold out
    for product, left in zip(products[:4], (3, 1, 4, 0), strict=True):
        stock_adjust(sku_id=product.skus.get().pk, delta=left - 100, reason="adjust")
    return result


def test_a_superuser_sees_the_sales_dashboard_with_its_charts(browser, live_server, demo_sales):
    from playwright.sync_api import expect

    admin = UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)

    # sign in to the back office, then open the dashboard
    page.goto(f"{live_server.url}/admin/login/?next=/admin/reports/dashboard/")
    page.locator("#id_username").fill(admin.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.get_by_role("heading", name="Sales dashboard", level=1)).to_be_visible()

    # the four charts draw, each from data
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(4)
    points = page.evaluate(
        """() => [...document.querySelectorAll("canvas")].map(
            (canvas) => window.Chart.getChart(canvas).data.datasets[0].data.length)"""
    )
    assert points == [30, 10, 4, 2]  # 30 days, top 10 products, 4 top-level categories, 2 providers
    expect(page.locator("#top-products tbody tr")).to_have_count(10)
    expect(page.locator("#low-stock tbody tr")).to_have_count(4)
    expect(page.locator("[data-awaiting-shipment]")).not_to_have_text("0")

    page.screenshot(path=str(ARTIFACTS / "reports-dashboard.png"), full_page=True)

    # the range picker: the last 90 days redraw the daily chart with 90 points
    page.get_by_role("link", name="Last 90 days").click()
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(4)
    assert page.evaluate("() => window.Chart.getChart(document.querySelector('#chart-daily')).data.labels.length") == 90
    context.close()
