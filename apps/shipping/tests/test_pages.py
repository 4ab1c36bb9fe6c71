"""The order page's tracking timeline (a template tag of shipping, loaded by the orders page)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.shipping.services import tracking_event_record
from apps.shipping.tests.conftest import ship
from apps.shipping.tests.test_services import scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(client, user):
    client.force_login(user)
    return client


def timeline(html: str) -> list[tuple[str, str]]:
    """(classes, title) of each timeline entry, top to bottom."""
    return [
        (classes, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", title)).strip())
        for classes, title in re.findall(
            r'<li class="(timeline-item[^"]*)">.*?<p class="timeline-title">(.*?)</p>', html, flags=re.S
        )
    ]


def test_no_timeline_before_the_order_ships(shopper, order):
    response = shopper.get(f"/orders/{order.number}/")

    assert response.status_code == 200
    assert 'class="timeline"' not in response.content.decode()


def test_the_timeline_shows_the_scans_newest_first_down_to_the_hand_over(shopper, order):
    # given an order shipped with SF and scanned three times
    ship(order, carrier="sf", tracking_number="SF1000000001")
    tracking_event_record(carrier="sf", update=scan("picked_up", event_id="E1", hour=1))
    tracking_event_record(carrier="sf", update=scan("in_transit", event_id="E2", hour=4))
    tracking_event_record(carrier="sf", update=scan("delivered", event_id="E3", hour=9))

    # when the customer opens the order
    response = shopper.get(f"/orders/{order.number}/")

    # then the timeline runs from delivered (current) down to the shop's hand-over
    html = response.content.decode()
    assert timeline(html) == [
        ("timeline-item timeline-delivered timeline-current", "Delivered · 上海"),
        ("timeline-item timeline-in_transit", "In transit · 上海"),
        ("timeline-item timeline-picked_up", "Picked up · 上海"),
        ("timeline-item timeline-shipped", "Shipped"),
    ]
    assert "SF Express · Tracking number" in html
    assert '<span class="tracking-number">SF1000000001</span>' in html
    assert '<time class="timeline-time muted" datetime="2026-03-01T17:00:00+08:00">2026-03-01 17:00</time>' in html
    assert "Handed to SF Express." in html


def test_a_shipment_without_scans_shows_the_hand_over_as_current(shopper, order):
    ship(order)

    response = shopper.get(f"/orders/{order.number}/")

    assert timeline(response.content.decode()) == [("timeline-item timeline-shipped timeline-current", "Shipped")]


def test_the_timeline_costs_two_queries_however_many_scans(shopper, order):
    ship(order)
    tracking_event_record(carrier="sf", update=scan("picked_up", event_id="E1", hour=1))
    shopper.get(f"/orders/{order.number}/")  # the first page fills the caches (category menu, ...)
    with CaptureQueriesContext(connection) as one_scan:
        shopper.get(f"/orders/{order.number}/")
    tracking_event_record(carrier="sf", update=scan("in_transit", event_id="E2", hour=2))
    tracking_event_record(carrier="sf", update=scan("out_for_delivery", event_id="E3", hour=3))

    with CaptureQueriesContext(connection) as three_scans:
        shopper.get(f"/orders/{order.number}/")

    assert len(three_scans) == len(one_scan)
    shipping_queries = [q["sql"] for q in three_scans.captured_queries if 'FROM "shipping_' in q["sql"]]
    assert len(shipping_queries) == 2
