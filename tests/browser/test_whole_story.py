"""The whole story of one order in headless Chromium, against the live server.

A customer checks out, pays in the simulated Alipay cashier and sees the order paid;
Operations staff ship it from the back office; the carrier's signed webhook updates
arrive over HTTP; the order page's timeline shows the parcel delivered; the customer
confirms receipt and the order's points appear on the account's points page.

Screenshots of each step go to test-artifacts/story-*.png.
"""

import importlib
import json
import re
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from apps.accounts.models import PointsEntry
from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.catalog import services as catalog_services
from apps.inventory.models import Stock
from apps.inventory.services import stock_adjust
from apps.orders.models import Order
from apps.payments.models import Payment
from apps.payments.tests.payment_helpers import payment_keys_dir  # noqa: F401 (fixture)
from apps.shipping.domain import signature
from apps.shipping.models import Shipment, TrackingEvent
from apps.shipping.services import carrier_webhook_secret
from tests.browser.support import ARTIFACTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("payment_keys_dir", "eager_celery"),
]

CUSTOMER = "buyer@example.com"
OPERATOR = "ops@example.com"
TRACKING_NUMBER = "SF1234567890"
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
# The role migrations that grant Operations what this story needs: the orders to read,
# the ship page ("add shipment") and the shipments with their scans.
OPERATIONS_GRANTS = {"orders": "apps.orders.migrations.0003_roles", "shipping": "apps.shipping.migrations.0002_roles"}
# What the carrier reports, in order: (status, location, description).
SCANS = [
    ("picked_up", "杭州", "The courier picked up the parcel."),
    ("in_transit", "上海转运中心", "The parcel left the sorting centre."),
    ("out_for_delivery", "杭州市西湖区", "The courier is on the way to the recipient."),
    ("delivered", "杭州市西湖区", "Delivered and signed for by 韩梅梅."),
]


@pytest.fixture
def shop():
    """One tea on sale (¥98.00, 10 in stock) and a customer with an empty address book."""
    tea = catalog_services.category_create(name="Tea", slug="tea")
    biluochun = catalog_services.product_create(name="Dongting Biluochun", category=tea, description="Spring tips.")
    sku = catalog_services.sku_create(product=biluochun, code="BLC-100", price="98.00")
    stock_adjust(sku_id=sku.pk, delta=10, reference="opening count")
    catalog_services.product_publish(product=biluochun)
    UserFactory(email=CUSTOMER)
    return sku


@pytest.fixture
def operator():
    """A staff member in the Operations role.

    The role is the group the apps' data migrations create; a transactional test run
    before this one flushes the database (permissions come back, groups do not), so the
    group gets back exactly what those migrations grant it.
    """
    group, _ = Group.objects.get_or_create(name="Operations")
    for app_label, module in OPERATIONS_GRANTS.items():
        codenames = importlib.import_module(module).ROLE_PERMISSIONS["Operations"]
        permissions = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        assert permissions.count() == len(codenames)
        group.permissions.add(*permissions)
    staff = UserFactory(email=OPERATOR, is_staff=True)
    staff.groups.add(group)
    return staff


def carrier_posts(base_url: str, *, carrier: str, update: dict) -> tuple[int, dict]:
    """POST one tracking update over HTTP as the carrier does: raw JSON, HMAC-SHA256 hex in X-Signature."""
    url = f"{base_url}/api/v1/shipping/webhook/{carrier}/"
    assert url.startswith(("http://", "https://"))  # the live server, never file: or the like
    body = json.dumps(update, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "X-Signature": signature.sign(secret=carrier_webhook_secret(carrier=carrier), body=body),
    }
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"story-{name}.png"), full_page=True)


def test_checkout_pay_ship_track_confirm_and_earn_points(browser, live_server, settings, shop, operator, mailoutbox):
    from playwright.sync_api import expect

    # given the shop reachable at the live server (the cashier's notification and return go there)
    settings.SITE_URL = base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    customer_context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = customer_context.new_page()

    # when the customer signs in, browses to the tea and puts two in the cart
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(CUSTOMER)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/")
    page.locator(".category-tiles").get_by_role("link", name="Tea", exact=True).click()
    page.get_by_role("link", name="Dongting Biluochun").first.click()
    expect(page.get_by_role("heading", name="Dongting Biluochun", level=1)).to_be_visible()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator(".messages")).to_contain_text("Added to your cart.")

    # and checks out with a new address and standard delivery: 2 x 98 + 10 shipping
    page.goto(f"{base}/cart/")
    expect(page.locator("[data-cart-total]")).to_have_text("¥206.00")
    page.get_by_role("link", name="Proceed to checkout").click()
    expect(page.locator(".checkout-lines li")).to_have_count(1)
    page.locator("#id_new-recipient").fill("韩梅梅")
    page.locator("#id_new-phone").fill("13800138000")
    page.locator("#id_new-province").fill("浙江省")
    page.locator("#id_new-city").fill("杭州市")
    page.locator("#id_new-district").fill("西湖区")
    page.locator("#id_new-street").fill("龙井路 1 号")
    expect(page.locator("[data-total]")).to_have_text("¥206.00")
    shot(page, "1-checkout")
    page.get_by_role("button", name="Place order").click()

    # then the order page waits for payment
    order = Order.objects.get()
    assert page.url == f"{base}/orders/{order.number}/"
    expect(page.locator(".order-head .order-status")).to_have_text("pending payment")
    expect(page.locator(".order-columns [data-total]")).to_have_text("¥206.00")
    assert (order.status, order.total, order.points_earned) == ("pending_payment", Decimal("206.00"), 196)
    shot(page, "2-pending-payment")

    # when they pay in the simulated Alipay cashier
    page.get_by_role("button", name="Pay with Alipay").click()
    expect(page.locator("[data-amount]")).to_have_text("¥206.00")
    shot(page, "3-alipay-cashier")
    page.get_by_role("button", name="Pay", exact=True).click()

    # then the shop's return page has the payment (from the database) and the order is paid
    expect(page.locator("[data-payment-status]")).to_have_attribute("data-payment-status", "succeeded")
    expect(page.get_by_text("We received your payment of ¥206.00")).to_be_visible()
    page.get_by_role("link", name="View the order").click()
    expect(page.locator(".order-head .order-status")).to_have_text("paid")
    expect(page.get_by_role("button", name="Pay with Alipay")).to_have_count(0)
    expect(page.locator(".tracking")).to_have_count(0)  # no timeline before it ships
    shot(page, "4-paid")
    payment = Payment.objects.get()
    assert (payment.provider, payment.status, payment.amount) == ("alipay", "succeeded", Decimal("206.00"))
    order.refresh_from_db()
    assert order.status == "paid"
    assert Stock.objects.filter(sku_id=shop.pk).values_list("on_hand", "reserved").get() == (8, 0)

    # when Operations staff, in a browser of their own, find the order in the back office and ship it
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    admin = staff_context.new_page()
    admin.goto(f"{base}/admin/login/?next=/admin/orders/order/%3Fq%3D{order.number}")
    admin.locator("#id_username").fill(OPERATOR)
    admin.locator("#id_password").fill(PASSWORD)
    admin.locator("input[type=submit]").click()
    admin.locator("#result_list").get_by_role("link", name=order.number).click()
    expect(admin.locator(".field-number .readonly")).to_have_text(order.number)
    expect(admin.locator(".field-status .readonly")).to_have_text("paid")
    shot(admin, "5-admin-order")
    admin.get_by_role("link", name="Ship this order").click()
    expect(admin.get_by_role("heading", name="Ship paid orders")).to_be_visible()
    expect(admin.locator("#ship-orders tbody tr")).to_have_count(1)
    expect(admin.locator("#ship-orders tbody tr")).to_contain_text(CUSTOMER)
    expect(admin.locator("#id_rows-0-ship")).to_be_checked()
    admin.get_by_label("Carrier").select_option(label="SF Express")
    admin.locator("#id_rows-0-tracking_number").fill(TRACKING_NUMBER.lower())  # normalised to upper case
    shot(admin, "6-admin-ship")
    admin.get_by_role("button", name="Ship", exact=True).click()

    # then the shipment is listed, and the order is shipped
    expect(admin.locator(".messagelist")).to_contain_text("Shipped 1 order.")
    expect(admin.locator("#result_list tbody tr")).to_have_count(1)
    expect(admin.locator("#result_list tbody tr")).to_contain_text(TRACKING_NUMBER)
    shot(admin, "7-admin-shipped")
    staff_context.close()
    shipment = Shipment.objects.get()
    assert (shipment.order_number, shipment.carrier, shipment.tracking_number) == (order.number, "sf", TRACKING_NUMBER)
    order.refresh_from_db()
    assert order.status == "shipped"
    assert order.shipped_at == shipment.shipped_at

    # when the carrier's signed updates arrive on the webhook, one of them twice (a retry)
    answers = []
    for step, (status, location, description) in enumerate(SCANS, start=1):
        update = {
            "event_id": f"SF-EV-{step}",
            "tracking_number": TRACKING_NUMBER,
            "status": status,
            "time": timezone.localtime().isoformat(),
            "location": location,
            "description": description,
        }
        answers.append(carrier_posts(base, carrier="sf", update=update))
    answers.append(carrier_posts(base, carrier="sf", update=update))

    # then each is taken once and the parcel moves forward to delivered
    assert answers == [
        (200, {"received": True, "duplicate": False, "status": "picked_up"}),
        (200, {"received": True, "duplicate": False, "status": "in_transit"}),
        (200, {"received": True, "duplicate": False, "status": "out_for_delivery"}),
        (200, {"received": True, "duplicate": False, "status": "delivered"}),
        (200, {"received": True, "duplicate": True, "status": "delivered"}),
    ]
    assert TrackingEvent.objects.count() == 4
    shipment.refresh_from_db()
    assert shipment.status == "delivered"
    order.refresh_from_db()
    assert order.status == "shipped"  # delivered, waiting for the customer (or the auto-complete)
    assert order.delivered_at == shipment.delivered_at

    # when the customer reloads the order page
    page.reload()

    # then the timeline runs from delivered (current) down to the shop's hand-over
    expect(page.locator(".order-head .order-status")).to_have_text("shipped")
    expect(page.locator(".tracking-parcel")).to_contain_text(f"SF Express · Tracking number {TRACKING_NUMBER}")
    expect(page.locator(".tracking-status")).to_have_text("delivered")
    expect(page.locator(".timeline .timeline-title")).to_have_text(
        [
            "Delivered · 杭州市西湖区",
            "Out for delivery · 杭州市西湖区",
            "In transit · 上海转运中心",
            "Picked up · 杭州",
            "Shipped",
        ]
    )
    expect(page.locator(".timeline-current")).to_have_class("timeline-item timeline-delivered timeline-current")
    expect(page.locator(".timeline")).to_contain_text("Delivered and signed for by 韩梅梅.")
    expect(page.locator(".timeline")).to_contain_text("Handed to SF Express.")
    expect(page.locator(".order-dates")).to_contain_text("Delivered:")
    shot(page, "8-delivered")

    # when they confirm receipt
    page.get_by_role("button", name="Confirm receipt").click()

    # then the order is complete and the button is gone
    expect(page.locator(".messages")).to_contain_text("Thank you for confirming: the order is complete.")
    expect(page.locator(".order-head .order-status")).to_have_text("completed")
    expect(page.get_by_role("button", name="Confirm receipt")).to_have_count(0)
    expect(page.locator(".order-dates")).to_contain_text("Completed:")
    shot(page, "9-completed")
    order.refresh_from_db()
    assert order.status == "completed"
    assert order.completed_at is not None

    # and the points page shows the order's points: ¥196 of goods at 1 point per ¥1
    page.goto(f"{base}/accounts/points/")
    expect(page.locator(".card strong")).to_have_text("196")
    rows = page.locator("table.ledger tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("td")).to_have_text([DATE_TIME, "order completed", order.number, "+196"])
    shot(page, "10-points")
    customer_context.close()
    entry = PointsEntry.objects.get()
    assert (entry.user.email, entry.delta, entry.reason, entry.reference) == (
        CUSTOMER,
        196,
        "order_completed",
        order.number,
    )
    # and the customer heard of the payment, the shipment and the delivery, once each
    assert [(message.to, message.subject) for message in mailoutbox] == [
        ([CUSTOMER], f"Payment received for order {order.number}"),
        ([CUSTOMER], f"Order {order.number} is on its way"),
        ([CUSTOMER], f"Order {order.number} has been delivered"),
    ]
