"""The roll-up equals the raw aggregation over orders and refunds: a seeded month with
refunds, rolled up by the rebuild and by the event handlers, against a direct
aggregation of the orders, order lines and refunds tables."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.catalog.models import Product
from apps.core.domain.money import to_money
from apps.orders.models import Order, OrderLine
from apps.payments.models import Refund
from apps.reports.models import DailyCategorySales, DailyProductSales, DailyProductTotals, DailySales, PaidOrder
from apps.reports.seeding import seed_orders
from apps.reports.services import sales_rebuild
from apps.reports.tests.helpers import (
    day_rows,
    deliver,
    paid_payload,
    placed_payload,
    product_rows,
    refund_payload,
)

pytestmark = pytest.mark.django_db

DAYS = 30
MONEY = ("revenue", "discounts", "refunds")


@pytest.fixture
def month(catalog, buyers):
    """A month of seeded orders (bulk, no events) with about 15% of the paid ones refunded."""
    result = seed_orders(orders=400, days=DAYS, refund_rate=0.15, seed=20261126)
    assert Refund.objects.count() > 20  # the month really has refunds
    assert Order.objects.filter(status="cancelled").exists()
    return result


def raw_products() -> dict:
    """(day, product, provider) -> (orders, units, revenue, discounts), straight from the order lines."""
    tz = timezone.get_current_timezone()
    rows = (
        OrderLine.objects.filter(order__paid_at__isnull=False)
        .annotate(day=TruncDate("order__paid_at", tzinfo=tz), provider=F("order__payment_provider"))
        .values("day", "product_id", "provider")
        .annotate(
            orders=Count("order_id", distinct=True),
            units=Sum("quantity"),
            revenue=Sum("line_total"),
            discounts=Sum("line_discount"),
        )
    )
    return {
        (row["day"], row["product_id"], row["provider"]): (
            row["orders"],
            row["units"],
            to_money(row["revenue"]),
            to_money(row["discounts"]),
        )
        for row in rows
    }


def raw_refunds() -> dict:
    """(day, provider) -> refunded amount, straight from the refunds and their orders."""
    tz = timezone.get_current_timezone()
    provider = Order.objects.filter(number=OuterRef("order_number")).values("payment_provider")[:1]
    rows = (
        Refund.objects.filter(status="succeeded")
        .annotate(day=TruncDate("succeeded_at", tzinfo=tz), provider=Subquery(provider))
        .values("day", "provider")
        .annotate(amount=Sum("amount"))
    )
    return {(row["day"], row["provider"]): to_money(row["amount"]) for row in rows}


def raw_days() -> dict:
    """day -> (placed, paid, revenue, shipping, refunds, refund count) from the raw tables."""
    tz = timezone.get_current_timezone()
    days: dict = defaultdict(lambda: [0, 0, Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 0])
    placed = Order.objects.annotate(day=TruncDate("placed_at", tzinfo=tz)).values("day").annotate(n=Count("id"))
    for row in placed:
        days[row["day"]][0] = row["n"]
    paid = (
        Order.objects.filter(paid_at__isnull=False)
        .annotate(day=TruncDate("paid_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"), total=Sum("total"))
    )
    goods = (
        OrderLine.objects.filter(order__paid_at__isnull=False)
        .annotate(day=TruncDate("order__paid_at", tzinfo=tz))
        .values("day")
        .annotate(revenue=Sum("line_total"))
    )
    goods_by_day = {row["day"]: to_money(row["revenue"]) for row in goods}
    for row in paid:
        days[row["day"]][1] = row["n"]
        days[row["day"]][2] = goods_by_day[row["day"]]
        days[row["day"]][3] = to_money(row["total"]) - goods_by_day[row["day"]]
    refunds = (
        Refund.objects.filter(status="succeeded")
        .annotate(day=TruncDate("succeeded_at", tzinfo=tz))
        .values("day")
        .annotate(amount=Sum("amount"), n=Count("id"))
    )
    for row in refunds:
        days[row["day"]][4] = to_money(row["amount"])
        days[row["day"]][5] = row["n"]
    return {day: tuple(values) for day, values in days.items()}


def rolled_up_products() -> dict:
    rows = (
        DailyProductSales.objects.values("day", "product_id", "provider")
        .annotate(o=Sum("orders"), u=Sum("units"), r=Sum("revenue"), d=Sum("discounts"))
        .filter(o__gt=0)
    )
    return {
        (row["day"], row["product_id"], row["provider"]): (row["o"], row["u"], to_money(row["r"]), to_money(row["d"]))
        for row in rows
    }


def rolled_up_refunds() -> dict:
    rows = DailyProductSales.objects.values("day", "provider").annotate(amount=Sum("refunds")).filter(amount__gt=0)
    return {(row["day"], row["provider"]): to_money(row["amount"]) for row in rows}


def rolled_up_days() -> dict:
    return {
        row.day: (row.placed_orders, row.paid_orders, row.revenue, row.shipping, row.refunds, row.refund_count)
        for row in DailySales.objects.all()
    }


def assert_rollup_equals_raw():
    assert rolled_up_products() == raw_products()
    assert rolled_up_refunds() == raw_refunds()
    assert rolled_up_days() == raw_days()
    # every row carries its product's category
    categories = dict(Product.objects.values_list("pk", "category_id"))
    assert all(categories[p] == c for p, c in DailyProductSales.objects.values_list("product_id", "category_id"))
    # and the per-category roll-up is the product rows summed per category
    fields = ("orders", "units", "revenue", "discounts", "refunds")
    summed = {
        (row["day"], row["category_id"], row["provider"]): tuple(
            to_money(row[f]) if f in MONEY else row[f] for f in fields
        )
        for row in DailyProductSales.objects.values("day", "category_id", "provider").annotate(
            orders=Sum("orders"),
            units=Sum("units"),
            revenue=Sum("revenue"),
            discounts=Sum("discounts"),
            refunds=Sum("refunds"),
        )
    }
    # the per-product totals are the product rows summed over categories and providers
    per_product = {
        (row["day"], row["product_id"]): tuple(to_money(row[f]) if f in MONEY else row[f] for f in fields)
        for row in DailyProductSales.objects.values("day", "product_id").annotate(
            orders=Sum("orders"),
            units=Sum("units"),
            revenue=Sum("revenue"),
            discounts=Sum("discounts"),
            refunds=Sum("refunds"),
        )
    }
    assert {
        (row.day, row.product_id): (row.orders, row.units, row.revenue, row.discounts, row.refunds)
        for row in DailyProductTotals.objects.all()
    } == per_product
    # (an order with two products of one category counts once in the category row)
    kept = {
        (row.day, row.category_id, row.provider): (row.orders, row.units, row.revenue, row.discounts, row.refunds)
        for row in DailyCategorySales.objects.all()
    }
    assert {key: values[1:] for key, values in kept.items()} == {key: values[1:] for key, values in summed.items()}
    tz = timezone.get_current_timezone()
    orders_per_category = defaultdict(set)
    for order_id, paid_at, provider, product_id in OrderLine.objects.filter(order__paid_at__isnull=False).values_list(
        "order_id", "order__paid_at", "order__payment_provider", "product_id"
    ):
        orders_per_category[(paid_at.astimezone(tz).date(), categories[product_id], provider)].add(order_id)
    assert {key: values[0] for key, values in kept.items() if values[0]} == {
        key: len(ids) for key, ids in orders_per_category.items()
    }


def test_the_rebuild_equals_the_raw_aggregation_over_a_month_with_refunds(month):
    # when the month is rebuilt
    result = sales_rebuild(date_from=month.first_day, date_to=month.last_day)

    # then every (day, product, provider) has the orders, units, revenue and discounts of its
    # order lines, every (day, provider) the refunds of its orders, and every day its totals
    assert result.paid_orders == Order.objects.filter(paid_at__isnull=False).count() == month.paid
    assert result.refunds == Refund.objects.count()
    assert_rollup_equals_raw()
    totals = DailyProductSales.objects.aggregate(revenue=Sum("revenue"), refunds=Sum("refunds"))
    sold = OrderLine.objects.filter(order__paid_at__isnull=False).aggregate(s=Sum("line_total"))["s"]
    assert to_money(totals["revenue"]) == to_money(sold)
    assert to_money(totals["refunds"]) == to_money(Refund.objects.aggregate(s=Sum("amount"))["s"])


def test_the_event_handlers_build_the_same_roll_up_as_the_rebuild(month):
    # given the month's events, delivered to the handlers as the orders and payments apps
    # publish them (placed, paid, then the refunds in the order they succeeded)
    orders = list(Order.objects.prefetch_related("lines").order_by("placed_at"))
    for order in orders:
        deliver("orders.order_placed.v1", placed_payload(order))
    for order in sorted((o for o in orders if o.paid_at), key=lambda o: o.paid_at):
        deliver("orders.order_paid.v1", paid_payload(order))
    for refund in Refund.objects.select_related("payment").order_by("succeeded_at"):
        deliver("payments.refund_succeeded.v1", refund_payload(refund))

    # then the incremental roll-up equals the raw aggregation
    assert_rollup_equals_raw()
    incremental = product_rows(), day_rows()

    # and the rebuild of the month replaces it with exactly the same rows
    sales_rebuild(date_from=month.first_day, date_to=month.last_day)
    assert (product_rows(), day_rows()) == incremental


def test_rebuilding_twice_gives_the_same_rows(month):
    # given the month rebuilt once
    sales_rebuild(date_from=month.first_day, date_to=month.last_day)
    first = product_rows(), day_rows(), sorted(PaidOrder.objects.values_list("number", "paid_on", "provider", "sales"))

    # when it is rebuilt again, and a part of it once more
    sales_rebuild(date_from=month.first_day, date_to=month.last_day)
    sales_rebuild(date_from=month.first_day + timedelta(days=10), date_to=month.first_day + timedelta(days=12))

    # then nothing changed
    assert (
        product_rows(),
        day_rows(),
        sorted(PaidOrder.objects.values_list("number", "paid_on", "provider", "sales")),
    ) == first


def test_rebuilding_a_part_of_the_month_leaves_the_other_days_alone(month):
    # given the month rolled up, and a rebuild of its last week only
    sales_rebuild(date_from=month.first_day, date_to=month.last_day)
    last_week = month.last_day - timedelta(days=6)
    outside = [row for row in product_rows() if row[0] < last_week]
    DailyProductSales.objects.filter(day__gte=last_week).update(revenue=0)  # stale rows to be replaced

    # when
    sales_rebuild(date_from=last_week, date_to=month.last_day)

    # then the week is right again and the days before it untouched
    assert_rollup_equals_raw()
    assert [row for row in product_rows() if row[0] < last_week] == outside


def test_the_rebuild_command_rolls_up_a_range_and_says_what_it_did(month):
    # when
    from io import StringIO

    out = StringIO()
    call_command("reports_rebuild", "--from", str(month.first_day), "--to", str(month.last_day), stdout=out)

    # then
    assert f"Rebuilt {DAYS} days ({month.first_day} to {month.last_day})" in out.getvalue()
    assert f"{month.paid} paid" in out.getvalue()
    assert_rollup_equals_raw()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-02-30"], "not a date (YYYY-MM-DD): '2026-02-30'"),
        (["--from", "2026-03-02", "--to", "2026-03-01"], "--from 2026-03-02 is after --to 2026-03-01."),
        (["--from", "1990-01-01", "--to", "2026-01-01"], "rebuild at most 3660 days at a time."),
        (["--from", "9999-12-30", "--to", "9999-12-31"], "--to must be before 9999-12-31."),
    ],
)
def test_the_rebuild_command_refuses_bad_dates(db, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        call_command("reports_rebuild", *args)


def test_the_seed_command_adds_orders_and_rolls_them_up(catalog, buyers):
    from io import StringIO

    # when
    out = StringIO()
    call_command("reports_seed_orders", "--orders", "120", "--days", "10", "--seed", "3", stdout=out)

    # then the orders are there, with lines, and the roll-up matches them
    assert Order.objects.count() == 120
    assert not Order.objects.filter(lines__isnull=True).exists()
    assert "Seeded 120 orders" in out.getvalue()
    assert "Rebuilt the roll-up for 10 days" in out.getvalue()
    assert_rollup_equals_raw()


def test_the_seed_command_needs_a_catalog(db):
    with pytest.raises(CommandError, match="no buyable SKU"):
        call_command("reports_seed_orders", "--orders", "5")
