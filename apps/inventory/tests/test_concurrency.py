"""No oversell and no deadlock under real concurrency: threads with their own PostgreSQL
connections, released at the same moment. SQLite serialises writers, so it cannot show
either problem; these run against PostgreSQL only."""

import threading

import pytest
from django.db import connection

from apps.inventory import services
from apps.inventory.domain.exceptions import OutOfStock
from apps.inventory.models import Stock, StockMovement
from apps.inventory.tests.factories import stock_of, stocked_sku

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

BUYERS = 50
UNITS = 20
ROUNDS = 40


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite runs one writer at a time")


def run_threads(targets) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"


def closing_connection(func):
    """Each thread has its own database connection; close it, or the test database
    cannot be dropped at the end."""

    def run(*args):
        try:
            func(*args)
        finally:
            connection.close()

    return run


def test_fifty_buyers_for_twenty_units_never_oversell():
    sku = stocked_sku(on_hand=UNITS)
    start = threading.Barrier(BUYERS + 1)
    buyers_done = threading.Event()
    outcomes: dict[str, str] = {}
    availability_seen: list[int] = []

    @closing_connection
    def buy(n: int) -> None:
        reference = f"order-{n}"
        start.wait()
        try:
            services.stock_reserve(lines=[(sku.pk, 1)], reference=reference)
        except OutOfStock:
            outcomes[reference] = "out_of_stock"
        except Exception as exc:  # anything else is a failure the assertions below must show
            outcomes[reference] = repr(exc)
        else:
            outcomes[reference] = "reserved"

    @closing_connection
    def watch() -> None:
        start.wait()
        while True:
            finished = buyers_done.is_set()
            on_hand, reserved = Stock.objects.filter(sku_id=sku.pk).values_list("on_hand", "reserved").get()
            availability_seen.append(on_hand - reserved)
            if finished:
                return

    watcher = threading.Thread(target=watch)
    watcher.start()
    run_threads([lambda n=n: buy(n) for n in range(BUYERS)])
    buyers_done.set()
    watcher.join(timeout=60)

    results = sorted(outcomes.values())
    assert results == ["out_of_stock"] * (BUYERS - UNITS) + ["reserved"] * UNITS
    assert stock_of(sku) == (UNITS, UNITS)
    assert len(availability_seen) > 1
    assert min(availability_seen) >= 0
    assert availability_seen[-1] == 0
    reserve_rows = StockMovement.objects.filter(sku_id=sku.pk, reason="reserve")
    assert reserve_rows.count() == UNITS
    assert set(reserve_rows.values_list("reference", flat=True)) == {
        reference for reference, outcome in outcomes.items() if outcome == "reserved"
    }


def test_orders_listing_the_same_skus_in_opposite_orders_do_not_deadlock():
    a, b = stocked_sku(on_hand=1000), stocked_sku(on_hand=1000)
    in_step = threading.Barrier(2)
    errors: list[str] = []

    def reserve_repeatedly(name: str, lines: list[tuple[int, int]]):
        @closing_connection
        def run() -> None:
            for n in range(ROUNDS):
                in_step.wait()
                try:
                    services.stock_reserve(lines=lines, reference=f"{name}-{n}")
                except Exception as exc:
                    errors.append(repr(exc))

        return run

    run_threads(
        [
            reserve_repeatedly("ab", [(a.pk, 1), (b.pk, 1)]),
            reserve_repeatedly("ba", [(b.pk, 1), (a.pk, 1)]),
        ]
    )

    assert errors == []
    assert (stock_of(a), stock_of(b)) == ((1000, 2 * ROUNDS), (1000, 2 * ROUNDS))
    assert StockMovement.objects.filter(reason="reserve").count() == 4 * ROUNDS
