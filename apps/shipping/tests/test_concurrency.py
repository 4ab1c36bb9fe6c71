"""Carriers retry and staff double-click: the same update or the same order at once, on
PostgreSQL with one connection per thread (SQLite runs one writer at a time)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.models import OutboxMessage
from apps.orders.domain.status import IllegalTransition
from apps.shipping import services
from apps.shipping.models import Shipment, TrackingEvent
from apps.shipping.tests.conftest import paid_order, ship, signed, update_body

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 8


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite runs one writer at a time")


def race(work) -> list:
    """work(n) on THREADS threads started together; one outcome (or exception name) each."""
    start = threading.Barrier(THREADS)
    outcomes: list = []

    def run(n: int) -> None:
        try:
            start.wait(timeout=30)
            try:
                outcomes.append(work(n))
            except Exception as exc:
                outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    return outcomes


def test_the_same_delivery_posted_at_once_is_recorded_and_published_once():
    # given a shipped order, and the carrier's "delivered" update retried 8 times at once
    ship(paid_order(), carrier="sf", tracking_number="SF1000000001")
    body = update_body(event_id="E-DELIVERED", status="delivered")
    signature_hex = signed("sf", body)

    outcomes = race(
        lambda n: services.tracking_update_receive(carrier="sf", body=body, signature_hex=signature_hex).created
    )

    # then exactly one took effect
    assert sorted(outcomes) == [False] * (THREADS - 1) + [True]
    assert TrackingEvent.objects.count() == 1
    assert Shipment.objects.get().status == "delivered"
    assert OutboxMessage.objects.filter(topic="shipping.shipment_delivered.v1").count() == 1


def test_one_order_shipped_eight_times_at_once_ships_once():
    order = paid_order()

    outcomes = race(lambda n: ship(order, tracking_number=f"SF100000000{n}").tracking_number)

    assert outcomes.count(IllegalTransition.__name__) == THREADS - 1
    assert Shipment.objects.filter(order=order).count() == 1
    assert OutboxMessage.objects.filter(topic="orders.order_shipped.v1").count() == 1


def test_two_simulator_runs_at_once_take_each_step_once():
    shipment = ship(paid_order(), shipped_at=timezone.now() - timedelta(hours=1))
    now = timezone.now()

    outcomes = race(lambda n: services.shipments_simulate_progress(now=now))

    assert sum(outcomes) == 1
    assert list(TrackingEvent.objects.values_list("event_id", flat=True)) == [f"SIM-{shipment.pk}-picked_up"]
