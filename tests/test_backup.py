"""Backup and restore of the whole shop: real orders, payments, stock movements and coupons
are backed up, destroyed, restored, and must all be back, row for row.

The embedded suite does it on SQLite (the test database is in memory: the backup API reads
and writes Django's own connection); the services suite on PostgreSQL with the real
pg_dump and pg_restore against the test database, dropping the tables in between.
The command-level behaviour (rotation, refusals, the beat entry) is in
apps/core/tests/test_backup.py.
"""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import Client

from apps.accounts.tests.factories import AddressFactory
from apps.core.models import OutboxMessage
from apps.inventory.models import Stock, StockMovement
from apps.orders import services as order_services
from apps.orders.models import Order, OrderLine
from apps.orders.tests.conftest import sku_in_stock
from apps.payments.models import Payment
from apps.payments.services import payments as payment_services
from apps.payments.tests.payment_helpers import alipay_params, payment_keys_dir, post_alipay  # noqa: F401 (fixture)
from apps.promotions.models import Coupon, CouponRedemption
from apps.promotions.tests.factories import CouponFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("payment_keys_dir", "eager_celery"),
]

COUNTED = {
    "orders": Order,
    "order lines": OrderLine,
    "payments": Payment,
    "stock": Stock,
    "stock movements": StockMovement,
    "coupons": Coupon,
    "coupon redemptions": CouponRedemption,
    "outbox messages": OutboxMessage,
}
DESTROYED = (Payment, OrderLine, Order, StockMovement, CouponRedemption, Coupon)


def counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in COUNTED.items()}


def shop_with_orders(user) -> None:
    """Four orders of three SKUs: two paid through a signed Alipay notification (stock
    committed), one pending payment with a coupon, one cancelled (stock released)."""
    skus = [sku_in_stock(price=price, units=20, name=f"Backup item {price}") for price in ("99.00", "59.00", "15.50")]
    CouponFactory(code="BACKUP20", value="20.00")
    CouponFactory(code="UNUSED10", value="10.00")
    address = AddressFactory(user=user)
    orders = [
        order_services.order_place(user=user, lines=[(skus[0].pk, 2), (skus[1].pk, 1)], address_id=address.pk),
        order_services.order_place(user=user, lines=[(skus[2].pk, 3)], address_id=address.pk),
        order_services.order_place(user=user, lines=[(skus[1].pk, 1)], address_id=address.pk, coupon_code="BACKUP20"),
        order_services.order_place(user=user, lines=[(skus[0].pk, 1)], address_id=address.pk),
    ]
    for n, order in enumerate(orders[:3]):
        started = payment_services.payment_create(user=user, order_number=order.number, provider="alipay")
        if n < 2:
            payment = started.payment
            params = alipay_params(
                out_trade_no=payment.out_trade_no, amount=str(payment.amount), trade_no=f"2088{n:024d}"
            )
            assert post_alipay(Client(), params).content == b"success"
    order_services.order_cancel(order=orders[3])


def contents() -> list[tuple]:
    """What the counts could miss: every order's number, status and money, every payment and movement."""
    return [
        *Order.objects.order_by("pk").values_list("number", "status", "total", "coupon_code"),
        *Payment.objects.order_by("pk").values_list("out_trade_no", "status", "amount"),
        *StockMovement.objects.order_by("pk").values_list("sku_id", "reason", "delta_on_hand", "delta_reserved"),
        *Stock.objects.order_by("sku_id").values_list("sku_id", "on_hand", "reserved"),
    ]


def round_trip(tmp_path, destroy) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    before, rows_before = counts(), contents()
    call_command("backup", dir=str(tmp_path))
    (backup,) = tmp_path.iterdir()
    destroy()
    destroyed = {name: _count_or_missing(model) for name, model in COUNTED.items()}
    call_command("restore", str(backup), interactive=False)
    after, rows_after = counts(), contents()
    print(f"\n{connection.vendor} backup {backup.name} ({backup.stat().st_size} bytes)")
    for name in COUNTED:
        print(f"  {name:20} before {before[name]:3}  destroyed {destroyed[name]:>7}  after {after[name]:3}")
    assert rows_after == rows_before
    return before, destroyed, after


def _count_or_missing(model) -> int | str:
    try:
        return model.objects.count()
    except DatabaseError:  # the table was dropped
        return "dropped"


def assert_everything_back(before, destroyed, after):
    assert before["orders"] == 4
    assert before["payments"] == 3
    assert before["coupons"] == 2
    assert before["coupon redemptions"] == 1
    assert before["stock movements"] == 12  # 3 receipts, 5 lines reserved, 3 committed, 1 released
    assert {name: value for name, value in destroyed.items() if value not in (0, "dropped")} == {
        "stock": 3,
        "outbox messages": before["outbox messages"],
    }
    assert after == before  # not one row more or less
    paid = Order.objects.filter(status=Order.Status.PAID).count()
    assert paid == 2
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 2
    assert Coupon.objects.get(code="BACKUP20").used_count == 1


def test_given_a_shop_on_sqlite_when_backed_up_destroyed_and_restored_then_every_row_is_back(user, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip runs in the embedded suite")
    shop_with_orders(user)

    def destroy():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for model in DESTROYED:
                cursor.execute(f'DROP TABLE "{model._meta.db_table}"')
            cursor.execute("PRAGMA foreign_keys = ON")

    before, destroyed, after = round_trip(tmp_path, destroy)

    assert_everything_back(before, destroyed, after)


@pytest.mark.services
def test_given_a_shop_on_postgresql_when_dumped_tables_dropped_and_restored_then_every_row_is_back(user, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL (pg_dump and pg_restore)")
    shop_with_orders(user)

    def destroy():
        tables = ", ".join(f'"{model._meta.db_table}"' for model in DESTROYED)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {tables} CASCADE")

    before, destroyed, after = round_trip(tmp_path, destroy)

    assert_everything_back(before, destroyed, after)
    # and the constraints came back with the tables: a payment still needs its order
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass",
            [Payment._meta.db_table],
        )
        assert cursor.fetchone()[0] >= 1
