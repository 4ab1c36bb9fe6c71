"""The orders back office: list, filters, search, a read-only detail, and cancel by action."""

import logging
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import AddressFactory, UserFactory
from apps.core.models import OutboxMessage
from apps.inventory.public import stock_available
from apps.orders import services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock
from apps.promotions.tests.factories import CouponFactory, ThresholdPromotionFactory

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUS = "\u2212"  # the breakdown takes amounts off with a real minus sign


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def staff_with(db):
    """make(*codenames) -> a staff user holding those orders permissions."""

    def make(*codenames: str):
        user = UserFactory(is_staff=True)
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="orders", codename__in=codenames))
        return user

    return make


def place(*, sku, quantity=1, user=None, phone="13912345678", coupon_code=None) -> Order:
    """A real order through the service, by a customer with an address of their own."""
    user = user or UserFactory()
    address = AddressFactory(user=user, phone=phone)
    return services.order_place(user=user, lines=[(sku.pk, quantity)], address_id=address.pk, coupon_code=coupon_code)


def listed(client, query: dict | str = "") -> list[str]:
    """The order numbers the list shows for `query`, in the list's order."""
    query = urlencode(query) if isinstance(query, dict) else query
    response = client.get(f"{ORDERS}?{query}")
    assert response.status_code == 200
    return [order.number for order in response.context["cl"].result_list]


def shown_messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def cancel(client, orders):
    return client.post(ORDERS, {"action": "cancel_unpaid", "_selected_action": [order.pk for order in orders]})


def placed_on(order: Order, day: datetime) -> Order:
    # given: the service stamps "now"; move the order back to the day the test needs
    Order.objects.filter(pk=order.pk).update(placed_at=day)
    order.refresh_from_db()
    return order


# --- the list ---------------------------------------------------------------------------


def test_the_list_shows_number_customer_status_total_items_and_date(admin_client):
    # given an order of three cups at 99.00 (shipping 10.00 below the free-shipping line)
    customer = UserFactory(email="li.lei@example.com")
    order = place(sku=sku_in_stock(price="99.00", units=5), quantity=3, user=customer)

    # when
    response = admin_client.get(ORDERS)

    # then
    page = response.content.decode()
    row = response.context["cl"].result_list[0]
    assert response.status_code == 200
    assert order.number in page
    assert "li.lei@example.com" in page
    assert "pending payment" in page
    assert "¥307.00" in page
    assert row.items == 3
    assert "cancel_unpaid" in page
    assert "delete_selected" not in page


def test_the_list_is_newest_first(admin_client):
    sku = sku_in_stock(units=10)
    old = placed_on(place(sku=sku), datetime(2026, 1, 5, 10, tzinfo=SHANGHAI))
    new = placed_on(place(sku=sku), datetime(2026, 3, 5, 10, tzinfo=SHANGHAI))
    middle = placed_on(place(sku=sku), datetime(2026, 2, 5, 10, tzinfo=SHANGHAI))

    assert listed(admin_client) == [new.number, middle.number, old.number]


def test_the_list_takes_as_many_queries_for_many_orders_as_for_few(admin_client, django_assert_max_num_queries):
    def queries_for_list():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(ORDERS).status_code == 200
        return len(captured)

    # given one order, each with two lines
    sku_a, sku_b = sku_in_stock(units=50, name="Cup"), sku_in_stock(units=50, name="Pot")

    def place_two_lines():
        user = UserFactory()
        address = AddressFactory(user=user)
        return services.order_place(user=user, lines=[(sku_a.pk, 1), (sku_b.pk, 2)], address_id=address.pk)

    place_two_lines()
    few = queries_for_list()

    # when there are many more, of several customers
    for _ in range(12):
        place_two_lines()
    many = queries_for_list()

    # then the count does not grow, and stays small
    assert many == few
    with django_assert_max_num_queries(8):
        response = admin_client.get(ORDERS)
    assert [row.items for row in response.context["cl"].result_list] == [3] * 13


def test_the_status_filter_narrows_the_list(admin_client):
    sku = sku_in_stock(units=10)
    pending = place(sku=sku)
    cancelled = services.order_cancel(order=place(sku=sku), reason=services.CANCELLED_BY_CUSTOMER)

    assert listed(admin_client, {"status__exact": "pending_payment"}) == [pending.number]
    assert listed(admin_client, {"status__exact": "cancelled"}) == [cancelled.number]
    assert listed(admin_client, {"status__exact": "paid"}) == []


def test_the_date_range_filter_takes_whole_days_in_the_shop_time_zone(admin_client):
    sku = sku_in_stock(units=10)
    # 23:30 on 1 March in Shanghai is still 1 March, although it is 15:30 UTC
    first = placed_on(place(sku=sku), datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI))
    second = placed_on(place(sku=sku), datetime(2026, 3, 2, 0, 30, tzinfo=SHANGHAI))
    later = placed_on(place(sku=sku), datetime(2026, 3, 20, 12, 0, tzinfo=SHANGHAI))

    only_first = {"placed_at__range__gte": "2026-03-01", "placed_at__range__lte": "2026-03-01"}
    from_second = {"placed_at__range__gte": "2026-03-02"}
    until_second = {"placed_at__range__lte": "2026-03-02"}

    assert listed(admin_client, only_first) == [first.number]
    assert listed(admin_client, from_second) == [later.number, second.number]
    assert listed(admin_client, until_second) == [second.number, first.number]


def test_the_amount_range_filter_narrows_the_list_by_total(admin_client):
    # given totals of 59.00, 109.00 and 208.00 (49 + 10 shipping, 99 + 10, 198 + 10)
    cheap = place(sku=sku_in_stock(price="49.00"))
    middle = place(sku=sku_in_stock(price="99.00"))
    dear = place(sku=sku_in_stock(price="99.00"), quantity=2)
    assert [cheap.total, middle.total, dear.total] == [Decimal("59.00"), Decimal("109.00"), Decimal("208.00")]

    assert listed(admin_client, {"total__range__gte": "100", "total__range__lte": "200"}) == [middle.number]
    assert listed(admin_client, {"total__range__gte": "109.00"}) == [dear.number, middle.number]
    assert listed(admin_client, {"total__range__lte": "59"}) == [cheap.number]


@pytest.mark.parametrize(
    "query",
    [
        {"total__range__gte": "abc"},
        {"total__range__gte": "1.234"},
        {"total__range__lte": "-5"},
        {"total__range__gte": "1e999"},
        {"placed_at__range__gte": "not-a-date"},
        {"placed_at__range__lte": "2026-13-45"},
    ],
)
def test_bad_range_input_shows_a_message_and_leaves_the_list_unfiltered(admin_client, query):
    order = place(sku=sku_in_stock())

    response = admin_client.get(f"{ORDERS}?{urlencode(query)}")

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert [row.number for row in response.context["cl"].result_list] == [order.number]


@pytest.mark.parametrize("field", ["number", "email", "delivery phone", "account phone"])
def test_search_finds_an_order_by_number_email_or_phone(admin_client, field):
    sku = sku_in_stock(units=10)
    wanted = place(sku=sku, user=UserFactory(email="han.meimei@example.com", phone="13700001111"), phone="13811112222")
    place(sku=sku, user=UserFactory(email="li.lei@example.com", phone="13900003333"), phone="13999998888")
    term = {
        "number": wanted.number,
        "email": "han.meimei",
        "delivery phone": "13811112222",
        "account phone": "13700001111",
    }[field]

    assert listed(admin_client, {"q": term}) == [wanted.number]


# --- one order --------------------------------------------------------------------------


def test_the_order_page_shows_lines_address_and_the_breakdown_read_only(admin_client):
    # given an order with a threshold promotion and a coupon: 240 - 20 - 10 + 10 shipping
    ThresholdPromotionFactory(name="满200减20", tiers=[("200", "20")])
    CouponFactory(code="SAVE10", value=Decimal("10.00"))
    cup = sku_in_stock(price="120.00", units=5, name="Celadon cup")
    order = place(sku=cup, quantity=2, coupon_code="SAVE10")
    assert (order.subtotal, order.discount_total, order.total) == (
        Decimal("240.00"),
        Decimal("30.00"),
        Decimal("220.00"),
    )

    # when
    response = admin_client.get(f"{ORDERS}{order.pk}/change/")

    # then the lines, the address and each part of the price are there, in words and yuan
    page = response.content.decode()
    assert response.status_code == 200
    assert "Celadon cup" in page
    assert cup.code in page
    assert "¥120.00" in page
    assert "Delivery address" in page
    assert "科技园路 1 号" in page
    assert "Goods" in page
    assert "¥240.00" in page
    assert "满200减20" in page
    assert f"{MINUS}¥20.00" in page
    assert "SAVE10" in page
    assert f"{MINUS}¥10.00" in page
    assert "Shipping" in page
    assert "¥10.00" in page
    assert "¥220.00" in page
    assert "&quot;adjustments&quot;" not in page  # not the raw JSON
    # and nothing can be edited, saved or deleted
    for name in ("status", "total", "subtotal", "recipient", "phone", "breakdown", "_save", "lines-0-quantity"):
        assert f'name="{name}"' not in page, name
    assert f"{ORDERS}{order.pk}/delete/" not in page


def test_posting_to_the_order_page_changes_nothing(admin_client):
    order = place(sku=sku_in_stock())

    response = admin_client.post(
        f"{ORDERS}{order.pk}/change/", {"status": "completed", "total": "0.01", "recipient": "Someone else"}
    )

    assert response.status_code == 403
    order.refresh_from_db()
    assert (order.status, order.total, order.recipient) == (Order.Status.PENDING_PAYMENT, Decimal("109.00"), "李雷")


def test_orders_cannot_be_added_or_deleted(admin_client):
    order = place(sku=sku_in_stock())

    assert admin_client.get(f"{ORDERS}add/").status_code == 403
    assert admin_client.post(f"{ORDERS}add/", {"number": "1"}).status_code == 403
    assert admin_client.get(f"{ORDERS}{order.pk}/delete/").status_code == 403
    assert admin_client.post(f"{ORDERS}{order.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()


def test_an_unknown_order_page_is_not_a_server_error(admin_client):
    response = admin_client.get(f"{ORDERS}999999/change/")

    assert response.status_code == 302  # the admin goes back to the list with a message


# --- the cancel action ------------------------------------------------------------------


def test_cancelling_unpaid_orders_returns_their_stock_and_is_logged(admin_client, superuser, caplog):
    # given two unpaid orders that hold 2 and 3 of the 10 cups
    sku = sku_in_stock(units=10)
    first, second = place(sku=sku, quantity=2), place(sku=sku, quantity=3)
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 5}

    # when staff cancel both
    with caplog.at_level(logging.INFO, logger="shop.business"):
        response = cancel(admin_client, [first, second])

    # then they are cancelled through the service: stock back, event out, logs kept
    assert response.status_code == 302
    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.CANCELLED}
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 10}
    cancelled_events = OutboxMessage.objects.filter(topic="orders.order_cancelled.v1")
    assert sorted((m.payload["number"], m.payload["reason"]) for m in cancelled_events) == sorted(
        [(first.number, "staff"), (second.number, "staff")]
    )
    assert sorted(LogEntry.objects.values_list("object_id", "action_flag", "change_message", "user_id")) == sorted(
        [
            (str(first.pk), CHANGE, "Cancelled by staff.", superuser.pk),
            (str(second.pk), CHANGE, "Cancelled by staff.", superuser.pk),
        ]
    )
    staff_records = [r for r in caplog.records if getattr(r, "event", None) == "order_cancelled_by_staff"]
    assert sorted((r.number, r.staff_user_id) for r in staff_records) == sorted(
        [(first.number, superuser.pk), (second.number, superuser.pk)]
    )
    assert shown_messages(response) == [("success", "Cancelled 2 orders.")]


def test_cancelling_skips_orders_that_are_no_longer_unpaid_and_names_them(admin_client):
    # given an unpaid order, one already cancelled and one completed
    sku = sku_in_stock(units=10)
    unpaid = place(sku=sku, quantity=1)
    cancelled = services.order_cancel(order=place(sku=sku, quantity=2), reason=services.CANCELLED_BY_CUSTOMER)
    customer = UserFactory()
    completed = place(sku=sku, quantity=3, user=customer)
    Order.objects.filter(pk=completed.pk).update(status=Order.Status.SHIPPED)  # shipping comes with a later issue
    completed = services.order_confirm_receipt(order=completed, user=customer)
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 6}

    # when staff select all three
    response = cancel(admin_client, [unpaid, cancelled, completed])

    # then only the unpaid one is cancelled; the others are named in a warning
    statuses = dict(Order.objects.values_list("number", "status"))
    assert statuses == {
        unpaid.number: Order.Status.CANCELLED,
        cancelled.number: Order.Status.CANCELLED,
        completed.number: Order.Status.COMPLETED,
    }
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 7}
    skipped = sorted([cancelled, completed], key=lambda order: order.pk)
    assert shown_messages(response) == [
        (
            "warning",
            f"Skipped 2 orders that are no longer unpaid: {skipped[0].number}, {skipped[1].number}",
        ),
        ("success", "Cancelled 1 order."),
    ]
    assert list(LogEntry.objects.values_list("object_id", flat=True)) == [str(unpaid.pk)]


def test_cancelling_only_orders_that_cannot_be_cancelled_shows_just_the_warning(admin_client):
    order = services.order_cancel(order=place(sku=sku_in_stock()), reason=services.CANCELLED_BY_TIMEOUT)

    response = cancel(admin_client, [order])

    assert shown_messages(response) == [("warning", f"Skipped 1 order that is no longer unpaid: {order.number}")]
    assert LogEntry.objects.count() == 0


# --- who may ----------------------------------------------------------------------------


def test_staff_without_orders_permissions_are_refused(client):
    order = place(sku=sku_in_stock())
    client.force_login(UserFactory(is_staff=True))

    assert client.get(ORDERS).status_code == 403
    assert client.get(f"{ORDERS}{order.pk}/change/").status_code == 403
    assert cancel(client, [order]).status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_staff_who_may_only_view_orders_see_them_with_their_lines_but_cannot_cancel(client, staff_with):
    sku = sku_in_stock(units=5, name="Celadon cup")
    order = place(sku=sku, quantity=2)
    client.force_login(staff_with("view_order"))

    page = client.get(ORDERS)
    detail = client.get(f"{ORDERS}{order.pk}/change/")
    response = cancel(client, [order])

    assert page.status_code == 200
    assert "cancel_unpaid" not in page.content.decode()
    assert detail.status_code == 200
    assert "Celadon cup" in detail.content.decode()
    assert response.status_code in (200, 302)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 3}


def test_staff_who_may_change_orders_can_cancel_them(client, staff_with):
    sku = sku_in_stock(units=5)
    order = place(sku=sku, quantity=2)
    client.force_login(staff_with("view_order", "change_order"))

    response = cancel(client, [order])

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 5}


def test_every_column_sorts_and_the_items_column_sorts_by_units(admin_client):
    sku = sku_in_stock(units=10)
    one, three = place(sku=sku, quantity=1), place(sku=sku, quantity=3)

    # columns: 1 number, 2 customer, 3 status, 4 total, 5 items, 6 placed at
    for column in range(1, 7):
        assert admin_client.get(f"{ORDERS}?o={column}").status_code == 200, column
    assert listed(admin_client, {"o": "5"}) == [one.number, three.number]
    assert listed(admin_client, {"o": "-5"}) == [three.number, one.number]


def test_customer_service_may_cancel_and_finance_may_only_look(client, db):
    from django.contrib.auth.models import Group

    from apps.accounts.tests.factories import UserFactory

    service = UserFactory(is_staff=True)
    service.groups.add(Group.objects.get(name="Customer Service"))
    finance = UserFactory(is_staff=True)
    finance.groups.add(Group.objects.get(name="Finance"))

    client.force_login(service)
    service_list = client.get("/admin/orders/order/")
    client.force_login(finance)
    finance_list = client.get("/admin/orders/order/")

    assert service_list.status_code == 200
    assert "cancel_unpaid" in str(service_list.context["action_form"].fields["action"].choices)
    assert finance_list.status_code == 200
    assert finance_list.context["action_form"] is None  # no action at all to offer


def test_a_paid_order_links_to_shipping_and_an_unpaid_one_does_not(admin_client):
    sku = sku_in_stock(units=5)
    customer = UserFactory()
    address = AddressFactory(user=customer)
    paid = services.order_place(user=customer, lines=[(sku.pk, 1)], address_id=address.pk)
    services.order_mark_paid(order_number=paid.number, amount=paid.total, provider="alipay")
    unpaid = services.order_place(user=customer, lines=[(sku.pk, 1)], address_id=address.pk)

    paid_page = admin_client.get(f"/admin/orders/order/{paid.pk}/change/").content.decode()
    unpaid_page = admin_client.get(f"/admin/orders/order/{unpaid.pk}/change/").content.decode()

    assert f"/admin/shipping/shipment/add/?order={paid.number}" in paid_page
    assert "/admin/shipping/shipment/add/?order=" not in unpaid_page


def test_the_filtered_list_exports_to_csv_in_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    # given three orders, one cancelled
    sku = sku_in_stock(price="99.00", units=10)
    customer = UserFactory(email="csv@example.com")
    address = AddressFactory(user=customer)
    orders = [services.order_place(user=customer, lines=[(sku.pk, 1)], address_id=address.pk) for _ in range(3)]
    services.order_cancel(order=orders[0])
    listing = admin_client.get("/admin/orders/order/?status__exact=pending_payment")

    # when the list filtered to unpaid orders is exported
    with django_assert_max_num_queries(8):
        response = admin_client.get("/admin/orders/order/export.csv?status__exact=pending_payment")
        body = b"".join(response.streaming_content).decode("utf-8")

    # then the export holds exactly the filtered rows, newest first
    assert "/admin/orders/order/export.csv?status__exact=pending_payment" in listing.content.decode()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("number,placed at,status,customer")
    assert [line.split(",")[0] for line in lines[1:]] == [orders[2].number, orders[1].number]
    assert all(",pending payment,csv@example.com," in line for line in lines[1:])
    assert all(",99.00,0.00,10.00,0.00,109.00," in line for line in lines[1:])


def test_exporting_needs_the_view_permission_and_valid_filters(admin_client):
    from django.test import Client

    staff_client = Client()
    staff_client.force_login(UserFactory(is_staff=True))

    refused = staff_client.get("/admin/orders/order/export.csv")
    bad = admin_client.get("/admin/orders/order/export.csv?no_such_field=1")

    assert refused.status_code == 403
    assert bad.status_code == 400
