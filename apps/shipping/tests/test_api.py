"""GET /api/v1/orders/{number}/tracking/: the customer's own orders only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.shipping.services import tracking_event_record
from apps.shipping.tests.conftest import paid_order, ship
from apps.shipping.tests.test_services import scan

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/{number}/tracking/"


def test_the_tracking_of_my_shipped_order_newest_scan_first(auth_client, order):
    # given my order shipped with SF and scanned twice
    ship(order, carrier="sf", tracking_number="SF1000000001")
    tracking_event_record(carrier="sf", update=scan("picked_up", event_id="E1", hour=1))
    tracking_event_record(carrier="sf", update=scan("in_transit", event_id="E2", hour=5))

    # when
    with CaptureQueriesContext(connection) as queries:
        response = auth_client.get(URL.format(number=order.number))

    # then: the user (token), the order (mine?), the shipment and its events
    assert response.status_code == 200
    assert len(queries) == 4
    body = response.json()
    assert body["order"] == order.number
    shipment = body["shipment"]
    assert {k: shipment[k] for k in ("carrier", "carrier_name", "tracking_number", "status", "status_display")} == {
        "carrier": "sf",
        "carrier_name": "SF Express",
        "tracking_number": "SF1000000001",
        "status": "in_transit",
        "status_display": "in transit",
    }
    assert shipment["delivered_at"] is None
    assert shipment["events"] == [
        {
            "time": "2026-03-01T13:00:00+08:00",
            "status": "in_transit",
            "status_display": "in transit",
            "location": "上海",
            "description": "in_transit scan",
        },
        {
            "time": "2026-03-01T09:00:00+08:00",
            "status": "picked_up",
            "status_display": "picked up",
            "location": "上海",
            "description": "picked_up scan",
        },
    ]


def test_an_order_not_shipped_yet_has_no_shipment(auth_client, order):
    response = auth_client.get(URL.format(number=order.number))

    assert response.status_code == 200
    assert response.json() == {"order": order.number, "shipment": None}


def test_another_customers_order_is_not_found(auth_client, other_user):
    theirs = paid_order(user=other_user)
    ship(theirs)

    response = auth_client.get(URL.format(number=theirs.number))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unknown_number_is_not_found(auth_client, order):
    response = auth_client.get(URL.format(number="no-such-order"))

    assert response.status_code == 404


def test_tracking_needs_a_signed_in_customer(api_client, order):
    response = api_client.get(URL.format(number=order.number))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_labels_follow_accept_language(auth_client, order):
    ship(order)

    response = auth_client.get(URL.format(number=order.number), headers={"Accept-Language": "zh-hans"})

    assert response.status_code == 200
    assert response.json()["shipment"]["status_display"] == "已发货"  # "shipped" in the catalogue already
