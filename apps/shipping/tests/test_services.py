"""Shipping a paid order, and recording the carrier's scans."""

from datetime import UTC, datetime

import pytest

from apps.core.models import OutboxMessage
from apps.orders.domain.status import IllegalTransition
from apps.orders.models import Order
from apps.shipping import services
from apps.shipping.domain import exceptions
from apps.shipping.domain.status import ShipmentStatus
from apps.shipping.domain.updates import TrackingUpdate
from apps.shipping.models import Shipment, TrackingEvent
from apps.shipping.tests.conftest import paid_order, ship

pytestmark = pytest.mark.django_db

SHIPPED_TOPIC = "orders.order_shipped.v1"
DELIVERED_TOPIC = "shipping.shipment_delivered.v1"
SHIPPED_AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def scan(status: str, *, event_id: str, hour: int, tracking_number: str = "SF1000000001") -> TrackingUpdate:
    return TrackingUpdate(
        event_id=event_id,
        tracking_number=tracking_number,
        status=ShipmentStatus(status),
        time=datetime(2026, 3, 1, hour, 0, tzinfo=UTC),
        location="上海",
        description=f"{status} scan",
    )


def test_shipping_creates_the_shipment_and_ships_the_order(user, order):
    # when staff hand the parcel to SF Express
    shipment = ship(order, carrier="sf", tracking_number=" sf1000000001 ", shipped_at=SHIPPED_AT)

    # then the shipment is there, its tracking number normalised
    shipment.refresh_from_db()
    assert (shipment.order_id, shipment.order_number, shipment.carrier, shipment.tracking_number) == (
        order.pk,
        order.number,
        "sf",
        "SF1000000001",
    )
    assert (shipment.status, shipment.shipped_at, shipment.status_changed_at, shipment.delivered_at) == (
        Shipment.Status.SHIPPED,
        SHIPPED_AT,
        SHIPPED_AT,
        None,
    )
    # and the order is shipped, with one OrderShipped carrying the parcel
    order.refresh_from_db()
    assert (order.status, order.shipped_at) == (Order.Status.SHIPPED, SHIPPED_AT)
    assert [m.payload for m in OutboxMessage.objects.filter(topic=SHIPPED_TOPIC)] == [
        {
            "order_id": order.pk,
            "number": order.number,
            "user_id": user.pk,
            "carrier": "sf",
            "tracking_number": "SF1000000001",
        }
    ]


def test_an_order_ships_once(order):
    ship(order, tracking_number="SF1000000001")

    with pytest.raises(IllegalTransition):
        ship(order, tracking_number="SF1000000002")

    assert list(Shipment.objects.values_list("tracking_number", flat=True)) == ["SF1000000001"]
    assert OutboxMessage.objects.filter(topic=SHIPPED_TOPIC).count() == 1


def test_an_unpaid_order_does_not_ship(user):
    order = paid_order(user=user)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PENDING_PAYMENT, paid_at=None)

    with pytest.raises(IllegalTransition):
        ship(order)

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert not Shipment.objects.exists()
    assert not OutboxMessage.objects.filter(topic=SHIPPED_TOPIC).exists()


def test_a_tracking_number_of_the_same_carrier_is_used_once(order):
    # given another order already shipped with SF under this number
    ship(paid_order(), carrier="sf", tracking_number="SF1000000001")

    # when
    with pytest.raises(exceptions.TrackingNumberTaken):
        ship(order, carrier="sf", tracking_number="sf1000000001")

    # then this order is still waiting, and another carrier may use the same digits
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    ship(order, carrier="zto", tracking_number="SF1000000001")
    assert Shipment.objects.filter(order=order, carrier="zto").exists()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"carrier": "ups"}, exceptions.UnknownCarrier),
        ({"tracking_number": "12 34"}, exceptions.InvalidTrackingNumber),
        ({"tracking_number": ""}, exceptions.InvalidTrackingNumber),
    ],
)
def test_bad_input_ships_nothing(order, kwargs, error):
    with pytest.raises(error):
        ship(order, **kwargs)

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert not Shipment.objects.exists()


def test_an_unknown_order_number_is_not_found(db):
    with pytest.raises(exceptions.OrderNotFound):
        services.shipment_create(order_number="20260301000000", carrier="sf", tracking_number="SF1000000001")


def test_scans_move_the_shipment_forward_and_build_the_timeline(order):
    shipment = ship(order)

    first = services.tracking_event_record(carrier="sf", update=scan("picked_up", event_id="E1", hour=9))
    second = services.tracking_event_record(carrier="sf", update=scan("in_transit", event_id="E2", hour=12))

    shipment.refresh_from_db()
    assert (first.created, first.status, second.created, second.status) == (True, "picked_up", True, "in_transit")
    assert (shipment.status, shipment.status_changed_at) == ("in_transit", datetime(2026, 3, 1, 12, tzinfo=UTC))
    assert list(shipment.events.values_list("event_id", "status", "location", "description")) == [
        ("E1", "picked_up", "上海", "picked_up scan"),
        ("E2", "in_transit", "上海", "in_transit scan"),
    ]


def test_a_late_scan_joins_the_timeline_but_never_moves_the_parcel_back(order):
    shipment = ship(order)
    services.tracking_event_record(carrier="sf", update=scan("delivered", event_id="E9", hour=18))

    late = services.tracking_event_record(carrier="sf", update=scan("in_transit", event_id="E2", hour=12))

    shipment.refresh_from_db()
    assert (late.created, late.status) == (True, "delivered")
    assert shipment.status == "delivered"
    assert shipment.delivered_at == datetime(2026, 3, 1, 18, tzinfo=UTC)
    assert list(shipment.events.values_list("event_id", flat=True)) == ["E2", "E9"]  # by time


def test_the_same_event_twice_is_recorded_once(order):
    ship(order)
    services.tracking_event_record(carrier="sf", update=scan("picked_up", event_id="E1", hour=9))

    again = services.tracking_event_record(carrier="sf", update=scan("in_transit", event_id="E1", hour=12))

    assert (again.created, again.status) == (False, "picked_up")
    assert list(TrackingEvent.objects.values_list("event_id", "status")) == [("E1", "picked_up")]


def test_an_event_id_reused_on_another_parcel_is_a_duplicate_too(order):
    ship(order, tracking_number="SF1000000001")
    ship(paid_order(), tracking_number="SF1000000002")
    services.tracking_event_record(carrier="sf", update=scan("picked_up", event_id="E1", hour=9))

    again = services.tracking_event_record(
        carrier="sf", update=scan("picked_up", event_id="E1", hour=9, tracking_number="SF1000000002")
    )

    assert again.created is False
    assert TrackingEvent.objects.count() == 1


def test_a_scan_for_an_unknown_parcel_changes_nothing(order):
    ship(order, carrier="sf")

    with pytest.raises(exceptions.UnknownTrackingNumber):
        services.tracking_event_record(carrier="zto", update=scan("picked_up", event_id="E1", hour=9))

    assert not TrackingEvent.objects.exists()


def test_delivery_publishes_shipment_delivered_once(user, order):
    shipment = ship(order)

    services.tracking_event_record(carrier="sf", update=scan("delivered", event_id="E1", hour=18))
    services.tracking_event_record(carrier="sf", update=scan("delivered", event_id="E2", hour=19))

    assert [m.payload for m in OutboxMessage.objects.filter(topic=DELIVERED_TOPIC)] == [
        {
            "shipment_id": shipment.pk,
            "order_id": order.pk,
            "order_number": order.number,
            "user_id": user.pk,
            "carrier": "sf",
            "tracking_number": "SF1000000001",
            "delivered_at": "2026-03-01T18:00:00+00:00",
        }
    ]
