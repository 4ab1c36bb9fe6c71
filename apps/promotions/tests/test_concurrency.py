"""The total limit of a coupon holds under real concurrency: threads with their own
PostgreSQL connections, released at the same moment. SQLite serialises writers, so it
cannot show the race; this runs against PostgreSQL only."""

import threading

import pytest
from django.db import connection

from apps.accounts.tests.factories import UserFactory
from apps.promotions import services
from apps.promotions.domain.exceptions import CouponLimitReached
from apps.promotions.models import Coupon, CouponRedemption
from apps.promotions.tests.factories import CouponFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ORDERS = 100
LIMIT = 10
# 100 orders race from 40 threads (each its own connection), so the test stays well
# inside PostgreSQL's default max_connections of 100 alongside other clients.
WORKERS = 40


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite runs one writer at a time")


def test_a_coupon_limited_to_ten_uses_is_redeemed_exactly_ten_times_by_a_hundred_orders():
    # given
    coupon = CouponFactory(code="FIRST10", total_limit=LIMIT, per_user_limit=1)
    users = [UserFactory() for _ in range(ORDERS)]
    start = threading.Barrier(WORKERS)
    outcomes: dict[str, str] = {}

    def place_order(n: int) -> None:
        reference = f"order-{n}"
        try:
            services.coupon_redeem(code="first10", user_id=users[n].pk, order_reference=reference)
        except CouponLimitReached:
            outcomes[reference] = "limit_reached"
        except Exception as exc:  # anything else is a failure the assertions below must show
            outcomes[reference] = repr(exc)
        else:
            outcomes[reference] = "redeemed"

    def worker(first: int) -> None:
        try:
            start.wait()
            for n in range(first, ORDERS, WORKERS):
                place_order(n)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(outcomes.values()) == ["limit_reached"] * (ORDERS - LIMIT) + ["redeemed"] * LIMIT
    assert Coupon.objects.get(pk=coupon.pk).used_count == LIMIT
    redeemed = CouponRedemption.objects.filter(coupon=coupon, released_at__isnull=True)
    assert redeemed.count() == LIMIT
    assert set(redeemed.values_list("order_reference", flat=True)) == {
        reference for reference, outcome in outcomes.items() if outcome == "redeemed"
    }


def test_one_customer_racing_with_many_orders_gets_only_the_per_user_uses():
    coupon = CouponFactory(code="ONCE", total_limit=None, per_user_limit=1)
    user = UserFactory()
    racers = 20
    start = threading.Barrier(racers)
    outcomes: list[str] = []

    def place_order(n: int) -> None:
        try:
            start.wait()
            services.coupon_redeem(code="ONCE", user_id=user.pk, order_reference=f"order-{n}")
        except CouponLimitReached:
            outcomes.append("limit_reached")
        except Exception as exc:
            outcomes.append(repr(exc))
        else:
            outcomes.append("redeemed")
        finally:
            connection.close()

    threads = [threading.Thread(target=place_order, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == ["limit_reached"] * (racers - 1) + ["redeemed"]
    assert Coupon.objects.get(pk=coupon.pk).used_count == 1
