"""Placing orders and expiring them under real concurrency: threads with their own
PostgreSQL connections. SQLite serialises writers, so it cannot show the race."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.tests.factories import AddressFactory, UserFactory
from apps.inventory.public import OutOfStock, stock_available
from apps.orders import services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 12
UNITS = 5


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite runs one writer at a time")


def _race(workers: int, work) -> list[str]:
    start = threading.Barrier(workers)
    outcomes: list[str] = []

    def run(n: int) -> None:
        try:
            start.wait()
            outcomes.append(work(n))
        except OutOfStock:
            outcomes.append("out_of_stock")
        except Exception as exc:  # anything else is a failure the assertions must show
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
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
