"""Placing orders and expiring them under real concurrency: threads with their own
PostgreSQL connections. SQLite serialises writers, so it cannot show the race.

PostgreSQL's max_connections is shared with whatever else runs against the server:
a race uses at most POOL threads (one connection each, closed when the thread ends).
"""

import threading
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.tests.factories import AddressFactory, UserFactory
from apps.core.models import IdempotencyKey
from apps.inventory.models import Stock, StockMovement
from apps.inventory.public import OutOfStock, stock_available
from apps.orders import services
from apps.orders.api import views
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 12
UNITS = 5
POOL = 40
URL = "/api/v1/orders/"


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite runs one writer at a time")


def _race(workers: int, work, *, calls: int | None = None) -> list:
    """Run work(0) .. work(calls - 1) on `workers` threads that start together.

    Each thread has its own database connection and takes the next call number until
    none are left, so `calls` may exceed the threads (a pool). Returns one outcome per
    call: work's result, "out_of_stock", or the repr of any other exception.
    """
    calls = workers if calls is None else calls
    start = threading.Barrier(workers)
    numbers = iter(range(calls))
    take = threading.Lock()
    outcomes: list = []

    def next_number() -> int | None:
        with take:
            return next(numbers, None)

    def run() -> None:
        try:
            start.wait(timeout=30)
            while (n := next_number()) is not None:
                try:
                    outcomes.append(work(n))
                except OutOfStock:
                    outcomes.append("out_of_stock")
                except Exception as exc:  # anything else is a failure the assertions must show
                    outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    return outcomes


def test_twelve_customers_racing_for_five_units_place_exactly_five_orders():
    # given
    sku = sku_in_stock(units=UNITS)
    customers = [(user, AddressFactory(user=user)) for user in (UserFactory() for _ in range(CUSTOMERS))]

    # when
    outcomes = _race(
        CUSTOMERS,
        lambda n: services.order_place(user=customers[n][0], lines=[(sku.pk, 1)], address_id=customers[n][1].pk).status,
    )

    # then
    assert sorted(outcomes) == ["out_of_stock"] * (CUSTOMERS - UNITS) + ["pending_payment"] * UNITS
    assert Order.objects.count() == UNITS
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 0}


def test_two_expiry_runs_at_once_cancel_each_order_once():
    # given three overdue orders
    sku = sku_in_stock(units=UNITS)
    user = UserFactory()
    address = AddressFactory(user=user)
    for _ in range(3):
        services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)
    now = timezone.now()
    Order.objects.update(payment_deadline=now - timedelta(minutes=1))

    # when two beat runs overlap
    outcomes = _race(2, lambda n: services.orders_expire_unpaid(now=now))

    # then every order was cancelled by exactly one of them and the stock came back once
    assert sum(outcomes) == 3
    assert set(Order.objects.values_list("status", flat=True)) == {"cancelled"}
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: UNITS}


def test_two_hundred_orders_racing_for_fifty_units_place_exactly_fifty():
    # given 50 units and 200 customers, each with an address (no per-customer limit in play)
    units, calls = 50, 200
    sku = sku_in_stock(units=units)
    customers = [(user, AddressFactory(user=user)) for user in (UserFactory() for _ in range(calls))]

    # when all 200 place an order for one unit at once, on a pool of 40 connections
    outcomes = _race(
        POOL,
        lambda n: services.order_place(user=customers[n][0], lines=[(sku.pk, 1)], address_id=customers[n][1].pk).status,
        calls=calls,
    )

    # then exactly 50 succeed, the other 150 are told it is sold out, and nothing else happens
    assert sorted(outcomes) == ["out_of_stock"] * (calls - units) + ["pending_payment"] * units
    orders = Order.objects.all()
    assert orders.count() == units
    assert len({order.user_id for order in orders}) == units
    assert set(orders.values_list("status", flat=True)) == {Order.Status.PENDING_PAYMENT}
    # and the stock row holds all 50 units reserved: none sold twice, none lost
    stock = Stock.objects.get(sku_id=sku.pk)
    assert (stock.on_hand, stock.reserved, stock.available) == (units, units, 0)
    reservations = StockMovement.objects.filter(sku_id=sku.pk, reason=StockMovement.Reason.RESERVE)
    assert sorted(reservations.values_list("reference", flat=True)) == sorted(o.number for o in orders)


def _place_over_api(user, body: dict, key: str) -> tuple[int, dict, str | None]:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    response = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    data = response.json() if is_json else {"body": response.content.decode(errors="replace")[:200]}
    return response.status_code, data, response.headers.get("Idempotent-Replayed")


def test_eight_simultaneous_requests_with_one_idempotency_key_place_one_order():
    # given a customer whose client sends the same checkout 8 times at once (a retry storm)
    sku = sku_in_stock(units=10)
    user = UserFactory()
    body = {"address": AddressFactory(user=user).pk, "lines": [{"sku": sku.pk, "quantity": 2}]}

    # when
    outcomes = _race(8, lambda n: _place_over_api(user, body, "checkout-1"))

    # then one request placed the order; each other one was either refused while it ran
    # (409 idempotency_key_in_progress) or answered with the stored response
    assert len(outcomes) == 8, outcomes
    order = Order.objects.get()
    placed = [data for status, data, replayed in outcomes if status == 201 and replayed is None]
    replays = [data for status, data, replayed in outcomes if status == 201 and replayed == "true"]
    refused = [data for status, data, _ in outcomes if status == 409]
    assert len(placed) == 1, outcomes
    assert placed[0]["number"] == order.number
    assert all(data["number"] == order.number for data in replays)
    assert all(data["code"] == "idempotency_key_in_progress" for data in refused)
    assert len(placed) + len(replays) + len(refused) == 8, outcomes
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 8}
    assert IdempotencyKey.objects.get().status == IdempotencyKey.Status.COMPLETED


def test_a_retry_arriving_while_the_first_request_fails_is_not_a_server_error(monkeypatch):
    """Fails until apps.core.idempotency's claim copes with a key released between its
    INSERT (IntegrityError: the key is taken) and its read-back (.get(): DoesNotExist, a 500)."""
    # given a checkout that will be out of stock, and its retry, interleaved deterministically:
    # the retry finds the key taken, then the first request fails and releases the key,
    # then the retry carries on
    sku = sku_in_stock(units=1)
    user = UserFactory()
    body = {"address": AddressFactory(user=user).pk, "lines": [{"sku": sku.pk, "quantity": 2}]}
    retry_found_key_taken = threading.Event()
    first_finished = threading.Event()
    order_place, key_create = services.order_place, IdempotencyKey.objects.create

    def order_place_once_the_retry_collided(**kwargs):
        retry_found_key_taken.wait(timeout=10)
        return order_place(**kwargs)

    def key_create_pausing_on_collision(**kwargs):
        try:
            return key_create(**kwargs)
        except IntegrityError:
            if not retry_found_key_taken.is_set():
                retry_found_key_taken.set()
                first_finished.wait(timeout=10)
            raise

    monkeypatch.setattr(views.services, "order_place", order_place_once_the_retry_collided)
    monkeypatch.setattr(IdempotencyKey.objects, "create", key_create_pausing_on_collision)

    def first():
        try:
            return _place_over_api(user, body, "checkout-1")
        finally:
            first_finished.set()

    def retry():
        # sent once the first request holds the key
        for _ in range(500):
            if IdempotencyKey.objects.filter(key="checkout-1").exists():
                break
            time.sleep(0.01)
        return _place_over_api(user, body, "checkout-1")

    # when
    outcomes = dict(_race(2, lambda n: (n, (first, retry)[n]())))

    # then the requests did interleave as intended
    assert retry_found_key_taken.is_set()
    # and the first is out of stock, and so is the retry (it ran once the key was free)
    # or it is told the key is busy: either way a 409 the client understands, never a 500
    first_status, first_data, _ = outcomes[0]
    retry_status, retry_data, _ = outcomes[1]
    assert (first_status, first_data["code"]) == (409, "out_of_stock")
    assert (retry_status, retry_data.get("code")) in {(409, "out_of_stock"), (409, "idempotency_key_in_progress")}
    assert Order.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0
