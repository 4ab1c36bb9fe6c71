"""The roll-up's increments under real concurrency: handler tasks on threads with their
own PostgreSQL connections, all adding to the same rows at once (SQLite runs one
writer at a time, so it cannot show the race). At most WORKERS connections."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from apps.reports.models import DailyCategorySales, DailyProductSales, DailyProductTotals, DailySales, PaidOrder
from apps.reports.tests.helpers import deliver

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

WORKERS = 8
ORDERS = 48


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite runs one writer at a time")


def _race(calls: list) -> list:
    """Run the calls on WORKERS threads that start together; each thread has its own connection."""
    start = threading.Barrier(WORKERS)
    pending = iter(calls)
    take = threading.Lock()
    outcomes: list = []

    def run() -> None:
        try:
            start.wait(timeout=30)
            while True:
                with take:
                    call = next(pending, None)
                if call is None:
                    return
                try:
                    outcomes.extend(call())
                except Exception as exc:  # the assertions must show it
                    outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    return outcomes


def paid(n: int, paid_at) -> dict:
    """OrderPaid of an order of the same two products as every other (one row each for all)."""
    return {
        "order_id": 10_000 + n,
        "number": f"RACE{n:04d}",
        "user_id": 1,
        "total": "40.00",
        "discount_total": "2.00",
        "provider": "alipay",
        "paid_at": paid_at.isoformat(),
        "lines": [
            {"sku_id": 1, "product_id": 900001, "quantity": 1, "unit_price": "10.00", "line_total": "9.00"},
            {"sku_id": 2, "product_id": 900002, "quantity": 3, "unit_price": "10.00", "line_total": "29.00"},
        ],
    }


def refund(n: int) -> dict:
    return {
        "refund_id": 50_000 + n,
        "payment_id": 1,
        "order_number": f"RACE{n:04d}",
        "user_id": 1,
        "amount": "3.80",
        "refunded_total": "3.80",
        "fully_refunded": False,
        "return_goods": False,
        "lines": [],
    }


def test_concurrent_handlers_add_up_exactly_on_the_same_rows():
    # given the same two product rows and day row, which no order has created yet
    paid_at = timezone.now()
    message_ids = [str(uuid.uuid4()) for _ in range(ORDERS)]

    # when 48 OrderPaid (each delivered twice, the copies racing each other) and then 24
    # refunds mixed with the duplicates again run on 8 workers at once
    first = _race(
        [
            (lambda n=n: deliver("orders.order_paid.v1", paid(n, paid_at), message_id=message_ids[n]))
            for n in range(ORDERS)
            for _copy in range(2)
        ]
    )
    second = _race(
        [(lambda n=n: deliver("payments.refund_succeeded.v1", refund(n))) for n in range(0, ORDERS, 2)]
        + [(lambda n=n: deliver("orders.order_paid.v1", paid(n, paid_at))) for n in range(ORDERS)]
    )

    # then every order counted once, every refund once, to the cent
    assert sorted(first) == ["duplicate"] * ORDERS + ["handled"] * ORDERS
    assert sorted(second) == ["handled"] * (ORDERS // 2 + ORDERS)
    assert PaidOrder.objects.count() == ORDERS
    rows = {
        row.product_id: (row.orders, row.units, row.revenue, row.discounts, row.refunds)
        for row in DailyProductSales.objects.all()
    }
    # each refund of 3.80 splits 9:29 -> 0.90 and 2.90
    assert rows == {
        900001: (ORDERS, ORDERS, Decimal("432.00"), Decimal("48.00"), Decimal("21.60")),
        900002: (ORDERS, 3 * ORDERS, Decimal("1392.00"), Decimal("48.00"), Decimal("69.60")),
    }
    totals = {
        row.product_id: (row.orders, row.units, row.revenue, row.discounts, row.refunds)
        for row in DailyProductTotals.objects.all()
    }
    assert totals == rows
    # both products are of an unknown category (0): one category row, each order once
    category = DailyCategorySales.objects.get()
    assert (category.category_id, category.orders, category.revenue, category.refunds) == (
        0,
        ORDERS,
        Decimal("1824.00"),
        Decimal("91.20"),
    )
    day = DailySales.objects.get()
    assert (day.paid_orders, day.units, day.revenue, day.shipping, day.refunds, day.refund_count) == (
        ORDERS,
        4 * ORDERS,
        Decimal("1824.00"),
        Decimal("96.00"),
        Decimal("91.20"),
        ORDERS // 2,
    )
