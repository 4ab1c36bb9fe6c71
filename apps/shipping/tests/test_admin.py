"""The back office: ship one or many paid orders, follow shipments and their scans."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import UserFactory
from apps.core.models import OutboxMessage
from apps.orders.models import Order
from apps.shipping.models import Shipment
from apps.shipping.services import tracking_event_record
from apps.shipping.tests.conftest import paid_order, ship
from apps.shipping.tests.test_services import scan

pytestmark = pytest.mark.django_db

SHIPMENTS = "/admin/shipping/shipment/"
SHIP = "/admin/shipping/shipment/add/"


@pytest.fixture
def operations(client, staff_in):
    """A client signed in as Operations staff (they ship)."""
    client.force_login(staff_in("Operations"))
    return client


def shown_messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def ship_form(rows: list[tuple[Order, bool, str]], carrier: str = "sf") -> dict:
    """The ship page's POST: one carrier, then per order (order, ticked, tracking number)."""
    data = {"carrier": carrier, "rows-TOTAL_FORMS": len(rows), "rows-INITIAL_FORMS": len(rows)}
    for i, (order, ticked, tracking_number) in enumerate(rows):
        data[f"rows-{i}-order_number"] = order.number
        data[f"rows-{i}-tracking_number"] = tracking_number
        if ticked:
            data[f"rows-{i}-ship"] = "on"
    return data


def test_the_ship_page_lists_the_paid_orders_waiting_longest_first(operations):
    # given two paid orders, one shipped order and one unpaid order
    first, second = paid_order(), paid_order()
    ship(paid_order(), tracking_number="SF1000000009")
    Order.objects.filter(pk=first.pk).update(paid_at=second.paid_at.replace(year=2020))

    response = operations.get(SHIP)

    assert response.status_code == 200
    assert [order.number for _, order in response.context["rows"]] == [first.number, second.number]
    assert [form["ship"].value() for form, _ in response.context["rows"]] == [False, False]


def test_ship_one_order(operations, order):
    # given the page opened for one order (the single-order link), which comes ticked
    page = operations.get(SHIP, {"order": order.number})
    assert [(o.number, form["ship"].value()) for form, o in page.context["rows"]] == [(order.number, True)]

    # when staff pick the carrier and type the tracking number
    response = operations.post(SHIP, ship_form([(order, True, "sf1000000001")], carrier="sf"))

    # then the shipment exists, the order is shipped, OrderShipped is out, and it is logged
    assert response.status_code == 302
    assert response["Location"] == SHIPMENTS
    assert shown_messages(response) == [("success", "Shipped 1 order.")]
    shipment = Shipment.objects.get()
    assert (shipment.order_id, shipment.carrier, shipment.tracking_number) == (order.pk, "sf", "SF1000000001")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert OutboxMessage.objects.filter(topic="orders.order_shipped.v1").count() == 1
    assert LogEntry.objects.get().action_flag == ADDITION


def test_ship_many_orders_with_one_carrier(operations):
    # given three paid orders; staff tick two and leave the third for tomorrow
    a, b, c = paid_order(), paid_order(), paid_order()

    response = operations.post(
        SHIP,
        ship_form([(a, True, "YT1000000001"), (b, False, ""), (c, True, "YT1000000003")], carrier="yto"),
    )

    assert response.status_code == 302
    assert shown_messages(response) == [("success", "Shipped 2 orders.")]
    assert set(Shipment.objects.values_list("order_number", "carrier", "tracking_number")) == {
        (a.number, "yto", "YT1000000001"),
        (c.number, "yto", "YT1000000003"),
    }
    assert dict(Order.objects.values_list("number", "status")) == {
        a.number: Order.Status.SHIPPED,
        b.number: Order.Status.PAID,
        c.number: Order.Status.SHIPPED,
    }


@pytest.mark.parametrize(
    ("rows", "carrier", "errors"),
    [
        ([(0, True, "")], "sf", {"rows-0-tracking_number": ["Enter the tracking number."]}),
        (
            [(0, True, "SF 1")],
            "sf",
            {"rows-0-tracking_number": ["A tracking number has 6 to 40 letters, digits or hyphens."]},
        ),
        (
            [(0, True, "SF1000000001"), (1, True, "sf1000000001")],
            "sf",
            {"rows-1-tracking_number": ["Each order needs its own tracking number."]},
        ),
        ([(0, False, "SF1000000001")], "sf", {"__all__": ["Tick at least one order to ship."]}),
        ([(0, True, "SF1000000001")], "", {"carrier": ["This field is required."]}),
        (
            [(0, True, "SF1000000001")],
            "ups",
            {"carrier": ["Select a valid choice. ups is not one of the available choices."]},
        ),
    ],
)
def test_bad_input_shows_the_page_again_and_ships_nothing(operations, rows, carrier, errors):
    orders = [paid_order(), paid_order()]

    response = operations.post(SHIP, ship_form([(orders[i], t, n) for i, t, n in rows], carrier=carrier))

    assert response.status_code == 200
    shown = {}
    for name, messages in response.context["carrier_form"].errors.items():
        shown[name] = messages
    for i, form in enumerate(response.context["formset"].forms):
        for name, messages in form.errors.items():
            shown[f"rows-{i}-{name}"] = messages
    if response.context["formset"].non_form_errors():
        shown["__all__"] = list(response.context["formset"].non_form_errors())
    assert shown == errors
    assert not Shipment.objects.exists()
    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.PAID}


def test_an_order_shipped_meanwhile_is_reported_and_the_rest_ship(operations):
    # given two orders on the page; someone else ships the first before this form is sent
    a, b = paid_order(), paid_order()
    ship(a, tracking_number="SF1000000001")

    response = operations.post(SHIP, ship_form([(a, True, "SF1000000002"), (b, True, "SF1000000003")]))

    # then b ships, a is named, and the page comes back with a only (to check)
    assert shown_messages(response) == [
        ("error", f"{a.number} not shipped: it is no longer waiting to ship."),
        ("success", "Shipped 1 order."),
    ]
    assert response["Location"] == f"{SHIP}?order={a.number}"
    assert dict(Shipment.objects.values_list("order_number", "tracking_number")) == {
        a.number: "SF1000000001",
        b.number: "SF1000000003",
    }


def test_a_tracking_number_in_use_is_reported(operations):
    a, b = paid_order(), paid_order()
    ship(a, tracking_number="SF1000000001")

    response = operations.post(SHIP, ship_form([(b, True, "SF1000000001")]))

    assert shown_messages(response) == [
        ("error", f"{b.number} not shipped: Another shipment of this carrier already has that tracking number.")
    ]
    b.refresh_from_db()
    assert b.status == Order.Status.PAID


def test_customer_service_follows_parcels_but_does_not_ship(client, staff_in, order):
    ship(order)
    client.force_login(staff_in("Customer Service"))

    listed = client.get(SHIPMENTS)
    page = client.get(SHIP)
    posted = client.post(SHIP, ship_form([(paid_order(), True, "SF1000000002")]))

    assert listed.status_code == 200
    assert "Ship paid orders" not in listed.content.decode()
    assert (page.status_code, posted.status_code) == (403, 403)
    assert Shipment.objects.count() == 1


def test_staff_without_a_role_see_nothing(client):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(SHIPMENTS).status_code == 403
    assert client.get(SHIP).status_code == 403


def test_the_list_filters_searches_and_keeps_its_queries(operations):
    # given three shipments with two carriers, one delivered
    one = ship(paid_order(), carrier="sf", tracking_number="SF1000000001")
    ship(paid_order(), carrier="sf", tracking_number="SF1000000002")
    ship(paid_order(), carrier="zto", tracking_number="ZT1000000003")
    tracking_event_record(carrier="sf", update=scan("delivered", event_id="E1", hour=9))

    def listed(query: dict) -> list[str]:
        response = operations.get(SHIPMENTS, query)
        assert response.status_code == 200
        return sorted(s.tracking_number for s in response.context["cl"].result_list)

    assert listed({}) == ["SF1000000001", "SF1000000002", "ZT1000000003"]
    assert listed({"carrier": "zto"}) == ["ZT1000000003"]
    assert listed({"status": "delivered"}) == ["SF1000000001"]
    assert listed({"q": "zt1000000003"}) == ["ZT1000000003"]
    assert listed({"q": one.order_number}) == ["SF1000000001"]
    today = one.shipped_at.astimezone().date().isoformat()
    assert listed({"shipped_at__range__gte": today, "shipped_at__range__lte": today}) == [
        "SF1000000001",
        "SF1000000002",
        "ZT1000000003",
    ]
    assert listed({"shipped_at__range__gte": "2000-01-01", "shipped_at__range__lte": "2000-01-02"}) == []

    # and the list's queries do not grow with its rows
    with CaptureQueriesContext(connection) as few:
        operations.get(SHIPMENTS)
    ship(paid_order(), carrier="zto", tracking_number="ZT1000000004")
    with CaptureQueriesContext(connection) as more:
        operations.get(SHIPMENTS)
    assert len(more) == len(few)


def test_a_shipment_page_shows_its_scans_read_only(operations, order):
    shipment = ship(order)
    tracking_event_record(carrier="sf", update=scan("picked_up", event_id="E1", hour=9))
    tracking_event_record(carrier="sf", update=scan("in_transit", event_id="E2", hour=12))

    response = operations.get(f"{SHIPMENTS}{shipment.pk}/change/")

    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0]
    assert [form.original.event_id for form in inline] == ["E1", "E2"]
    assert (inline.has_add_permission, inline.has_change_permission, inline.has_delete_permission) == (
        False,
        False,
        False,
    )
    content = response.content.decode()
    assert f'href="/admin/orders/order/{order.pk}/change/"' in content
    assert 'name="_save"' not in content  # nothing to save: carrier updates change a shipment
    assert operations.post(f"{SHIPMENTS}{shipment.pk}/delete/").status_code == 403
