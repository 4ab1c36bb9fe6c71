"""Inventory's reactions to orders' events, delivered the way the relay does (twice, too)."""

import threading

import pytest
from django.db import connection

from apps.inventory import handlers, services
from apps.inventory.tests.factories import movements, stock_of, stocked_sku

pytestmark = pytest.mark.django_db

PAID = "orders.order_paid.v1"
FIRST = "00000000-0000-0000-0000-000000000001"
SECOND = "00000000-0000-0000-0000-000000000002"


def _deliver(payload: dict, *, message_id: str = FIRST) -> str:
    return handlers.commit_reservation.apply(kwargs={"message_id": message_id, "topic": PAID, "payload": payload}).get()


def _order_paid(number: str) -> dict:
    # Only the number matters to inventory; the rest is orders' contract, as it is sent.
    return {"order_id": 1, "number": number, "user_id": 1, "total": "10.00", "lines": []}


def test_a_paid_order_commits_its_reservation_once_however_often_it_is_delivered():
    # given 10 cups and 6 mugs on hand, 3 cups and 1 mug reserved by order 1 and 2 cups by order 2
    cup, mug = stocked_sku(on_hand=10), stocked_sku(on_hand=6)
    services.stock_reserve(lines=[(cup.pk, 3), (mug.pk, 1)], reference="2026030100000001")
    services.stock_reserve(lines=[(cup.pk, 2)], reference="2026030100000002")

    # when order 1's OrderPaid arrives, again (the same message), and once more under another id
    results = [
        _deliver(_order_paid("2026030100000001")),
        _deliver(_order_paid("2026030100000001")),
        _deliver(_order_paid("2026030100000001"), message_id=SECOND),
    ]

    # then its units left on hand and reserve once; order 2's reservation is untouched
    assert results == ["handled", "duplicate", "handled"]
    assert stock_of(cup) == (7, 2)
    assert stock_of(mug) == (5, 0)
    assert movements(reason="commit") == [
        (cup.pk, -3, -3, "commit", "2026030100000001"),
        (mug.pk, -1, -1, "commit", "2026030100000001"),
    ]


def test_a_released_reservation_is_not_committed():
    # given an order whose reservation was released (cancelled; the payments app refunds it)
    cup = stocked_sku(on_hand=10)
    services.stock_reserve(lines=[(cup.pk, 3)], reference="2026030100000001")
    services.stock_release(lines=[(cup.pk, 3)], reference="2026030100000001")

    # when
    result = _deliver(_order_paid("2026030100000001"))

    # then
    assert result == "handled"
    assert stock_of(cup) == (10, 0)
    assert movements(reason="commit") == []


def test_a_number_without_a_reservation_commits_nothing():
    cup = stocked_sku(on_hand=10)
    services.stock_reserve(lines=[(cup.pk, 3)], reference="2026030100000001")

    assert services.stock_commit_reservation(reference="2026030199999999") == []

    assert stock_of(cup) == (10, 3)
    assert movements(reason="commit") == []


def test_committing_a_reservation_returns_what_it_committed_and_then_nothing():
    cup, mug = stocked_sku(on_hand=10), stocked_sku(on_hand=6)
    services.stock_reserve(lines=[(mug.pk, 2), (cup.pk, 1), (mug.pk, 1)], reference="order-7")

    first = services.stock_commit_reservation(reference="order-7")
    second = services.stock_commit_reservation(reference="order-7")

    assert first == sorted([(cup.pk, 1), (mug.pk, 3)])
    assert second == []
    assert (stock_of(cup), stock_of(mug)) == ((9, 0), (3, 0))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_deliveries_racing_each_other_commit_once():
    # given a reservation, and OrderPaid delivered to eight workers at the same moment
    # (each its own PostgreSQL connection; SQLite runs one writer at a time)
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite runs one writer at a time")
    cup = stocked_sku(on_hand=10)
    services.stock_reserve(lines=[(cup.pk, 3)], reference="2026030100000001")
    start = threading.Barrier(8)
    outcomes: list = []

    def deliver() -> None:
        try:
            start.wait()
            outcomes.append(services.stock_commit_reservation(reference="2026030100000001"))
        except Exception as exc:  # the assertions below must show it
            outcomes.append(repr(exc))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then one of them committed the 3 units, the others found nothing left
    assert sorted(outcomes, key=len) == [[]] * 7 + [[(cup.pk, 3)]]
    assert stock_of(cup) == (7, 0)
    assert movements(reason="commit") == [(cup.pk, -3, -3, "commit", "2026030100000001")]
