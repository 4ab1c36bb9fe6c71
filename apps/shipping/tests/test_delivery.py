"""The simulated carrier, ShipmentDelivered -> the order's delivered_at, and completion
after ORDER_AUTO_COMPLETE_DAYS unless the customer confirms first (time frozen by `now=`)."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.public import points_balance
from apps.core.models import OutboxMessage
from apps.orders import handlers as order_handlers
from apps.orders import services as order_services
from apps.orders import tasks as order_tasks
from apps.orders.models import Order
from apps.shipping import tasks
from apps.shipping.models import Shipment
from apps.shipping.services import shipments_simulate_progress
from apps.shipping.tests.conftest import paid_order, ship

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
STEP = timedelta(seconds=60)
COMPLETED = "orders.order_completed.v1"


@pytest.fixture(autouse=True)
def _timing(settings):
    settings.SHIPPING_SIMULATOR_STEP_SECONDS = 60
    settings.ORDER_AUTO_COMPLETE_DAYS = 7


def simulate_until_delivered(shipment, capture) -> list[str]:
    """Run the simulated carrier once per step, each run's events delivered (eager Celery)."""
    seen = []
    for step in range(1, 5):
        with capture(execute=True):
            shipments_simulate_progress(now=T0 + step * STEP)
        shipment.refresh_from_db()
        seen.append(shipment.status)
    return seen


def test_the_simulated_carrier_waits_a_step_between_scans(order):
    shipment = ship(order, shipped_at=T0)

    early = shipments_simulate_progress(now=T0 + STEP - timedelta(seconds=1))
    on_time = shipments_simulate_progress(now=T0 + STEP)
    same_time_again = shipments_simulate_progress(now=T0 + STEP)

    shipment.refresh_from_db()
    assert (early, on_time, same_time_again) == (0, 1, 0)
    assert (shipment.status, shipment.status_changed_at) == ("picked_up", T0 + STEP)


def test_the_simulated_carrier_delivers_and_the_order_completes_after_the_days(
    user, order, eager_celery, django_capture_on_commit_callbacks
):
    # given an order of a ¥99 item shipped at T0
    with django_capture_on_commit_callbacks(execute=True):
        shipment = ship(order, shipped_at=T0)

    # when the simulated carrier takes its four steps
    statuses = simulate_until_delivered(shipment, django_capture_on_commit_callbacks)

    # then the parcel went picked up, in transit, out for delivery, delivered, on its timeline
    assert statuses == ["picked_up", "in_transit", "out_for_delivery", "delivered"]
    assert list(shipment.events.values_list("event_id", "status", "time")) == [
        (f"SIM-{shipment.pk}-picked_up", "picked_up", T0 + STEP),
        (f"SIM-{shipment.pk}-in_transit", "in_transit", T0 + 2 * STEP),
        (f"SIM-{shipment.pk}-out_for_delivery", "out_for_delivery", T0 + 3 * STEP),
        (f"SIM-{shipment.pk}-delivered", "delivered", T0 + 4 * STEP),
    ]
    assert shipment.events.get(status="delivered").location == "广东省深圳市南山区"  # the order's destination
    # and ShipmentDelivered gave the order its delivery time; it is still shipped
    delivered_at = T0 + 4 * STEP
    order.refresh_from_db()
    assert (order.status, order.delivered_at) == (Order.Status.SHIPPED, delivered_at)

    # when the auto-complete job runs exactly 7 days later, nothing yet ("more than" 7 days)
    assert order_services.orders_complete_delivered(now=delivered_at + timedelta(days=7)) == 0
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED

    # when it runs a second after that
    with django_capture_on_commit_callbacks(execute=True):
        completed = order_services.orders_complete_delivered(now=delivered_at + timedelta(days=7, seconds=1))

    # then the order completes as if the customer had confirmed: OrderCompleted, points
    order.refresh_from_db()
    assert completed == 1
    assert (order.status, order.completed_at) == (Order.Status.COMPLETED, delivered_at + timedelta(days=7, seconds=1))
    assert [m.payload["number"] for m in OutboxMessage.objects.filter(topic=COMPLETED)] == [order.number]
    assert points_balance(user=user) == order.points_earned == 99  # ¥1 a point on the ¥99 of goods
    # and a later run has nothing left to do
    assert order_services.orders_complete_delivered(now=delivered_at + timedelta(days=30)) == 0


def test_the_customer_confirming_first_wins(user, order, eager_celery, django_capture_on_commit_callbacks):
    # given a delivered order
    with django_capture_on_commit_callbacks(execute=True):
        shipment = ship(order, shipped_at=T0)
    simulate_until_delivered(shipment, django_capture_on_commit_callbacks)

    # when the customer confirms receipt before the days are up
    confirmed = order_services.order_confirm_receipt(order=order, user=user)
    # and the job runs afterwards
    later = order_services.orders_complete_delivered(now=T0 + timedelta(days=30))

    # then the customer's completion stands, and there is exactly one OrderCompleted
    order.refresh_from_db()
    assert later == 0
    assert (order.status, order.completed_at) == (Order.Status.COMPLETED, confirmed.completed_at)
    assert OutboxMessage.objects.filter(topic=COMPLETED).count() == 1


def test_orders_not_delivered_or_not_shipped_are_left_alone(user, order):
    # given a shipped order the carrier never delivered, and a paid one
    ship(order, shipped_at=T0)
    waiting = paid_order(user=user)

    # when
    completed = order_services.orders_complete_delivered(now=T0 + timedelta(days=365))

    # then
    assert completed == 0
    assert set(Order.objects.values_list("number", "status")) == {
        (order.number, Order.Status.SHIPPED),
        (waiting.number, Order.Status.PAID),
    }


def test_a_partly_refunded_order_that_was_delivered_completes_too(order):
    ship(order, shipped_at=T0)
    order_services.order_mark_delivered(order_number=order.number, delivered_at=T0)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PARTIALLY_REFUNDED)

    completed = order_services.orders_complete_delivered(now=T0 + timedelta(days=8))

    order.refresh_from_db()
    assert (completed, order.status) == (1, Order.Status.COMPLETED)


def test_the_first_delivery_time_counts(order):
    ship(order, shipped_at=T0)
    payload = {"order_number": order.number, "delivered_at": (T0 + STEP).isoformat()}

    first = order_handlers.record_delivery.apply(
        kwargs={"message_id": "00000000-0000-0000-0000-000000000001", "topic": "x", "payload": payload}
    ).get()
    replay = order_handlers.record_delivery.apply(
        kwargs={"message_id": "00000000-0000-0000-0000-000000000001", "topic": "x", "payload": payload}
    ).get()
    later = order_handlers.record_delivery.apply(
        kwargs={
            "message_id": "00000000-0000-0000-0000-000000000002",
            "topic": "x",
            "payload": {**payload, "delivered_at": (T0 + 9 * STEP).isoformat()},
        }
    ).get()

    order.refresh_from_db()
    assert (first, replay, later) == ("handled", "duplicate", "handled")
    assert order.delivered_at == T0 + STEP


def test_the_beat_tasks_run_the_services(order, settings):
    shipment = ship(order, shipped_at=T0)  # long ago: due for its next step now

    moved = tasks.simulate_carriers.apply().get()
    settings.SHIPPING_SIMULATOR_ENABLED = False
    switched_off = tasks.simulate_carriers.apply().get()
    completed = order_tasks.complete_delivered.apply().get()

    shipment.refresh_from_db()
    assert (moved, switched_off, completed) == (1, 0, 0)
    assert shipment.status == Shipment.Status.PICKED_UP


def test_an_order_the_state_machine_refuses_does_not_stop_the_others(order):
    # given two delivered orders, one of them (artificially) partly refunded before it shipped
    refused = paid_order()
    order_services.order_mark_delivered(order_number=refused.number, delivered_at=T0)
    Order.objects.filter(pk=refused.pk).update(status=Order.Status.PARTIALLY_REFUNDED)
    ship(order, shipped_at=T0)
    order_services.order_mark_delivered(order_number=order.number, delivered_at=T0 + STEP)

    completed = order_services.orders_complete_delivered(now=T0 + timedelta(days=8))

    assert completed == 1
    assert dict(Order.objects.values_list("number", "status")) == {
        refused.number: Order.Status.PARTIALLY_REFUNDED,
        order.number: Order.Status.COMPLETED,
    }
