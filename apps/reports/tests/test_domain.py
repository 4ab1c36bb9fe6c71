"""The roll-up's arithmetic and the dashboard's periods, without a database."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from apps.reports.domain.kpis import kpis_for
from apps.reports.domain.periods import Period, default_range, each_day, kpi_periods
from apps.reports.domain.rollup import UNKNOWN_CATEGORY, ProductSale, order_sale, refund_shares


def line(product_id, quantity, unit_price, line_total):
    return {"product_id": product_id, "quantity": quantity, "unit_price": unit_price, "line_total": line_total}


def test_an_order_merges_its_lines_per_product_and_keeps_discounts_and_shipping_apart():
    # given two SKUs of product 7 and one of product 3 (payload amounts are strings), ¥20 off, ¥10 shipping
    lines = [line(7, 2, "50.00", "90.00"), line(3, 1, "120.00", "110.00"), line(7, 1, "30.00", "30.00")]

    # when
    sale = order_sale(total=Decimal("240.00"), lines=lines, categories={7: 70})

    # then
    assert sale.products == (
        ProductSale(3, UNKNOWN_CATEGORY, 1, Decimal("110.00"), Decimal("10.00")),
        ProductSale(7, 70, 3, Decimal("120.00"), Decimal("10.00")),
    )
    assert (sale.revenue, sale.discounts, sale.units, sale.shipping) == (
        Decimal("230.00"),
        Decimal("20.00"),
        4,
        Decimal("10.00"),
    )


def test_a_refund_is_spread_by_revenue_to_the_cent():
    # given products with revenue 100 and 200
    products = [ProductSale(1, 10, 1, Decimal("100.00"), Decimal(0)), ProductSale(2, 10, 1, Decimal("200.00"), 0)]

    # when ¥100.01 goes back
    shares = refund_shares(Decimal("100.01"), products)

    # then the shares add up exactly: 33.3367 and 66.6733, the odd cent to the share rounded down most
    assert [share for _product, share in shares] == [Decimal("33.34"), Decimal("66.67")]


def test_a_refund_of_free_goods_is_spread_evenly():
    products = [ProductSale(1, 10, 1, Decimal("0.00"), Decimal(0)), ProductSale(2, 10, 1, Decimal("0.00"), 0)]

    assert [share for _p, share in refund_shares(Decimal("10.00"), products)] == [Decimal("5.00"), Decimal("5.00")]


def test_a_product_sale_survives_its_json_round_trip():
    sale = ProductSale(5, 9, 2, Decimal("19.90"), Decimal("0.10"))

    assert ProductSale.from_row(sale.as_row()) == sale


def test_kpi_periods_end_today_and_the_default_range_is_thirty_days():
    today = date(2026, 3, 31)

    assert [(p.key, p.start, p.end) for p in kpi_periods(today=today)] == [
        ("today", today, today),
        ("7d", date(2026, 3, 25), today),
        ("30d", date(2026, 3, 2), today),
    ]
    assert default_range(today=today).days == 30
    assert each_day(date(2026, 2, 27), date(2026, 3, 1)) == [date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1)]


def test_kpis_sum_the_days_of_their_period_only():
    # given three days of the roll-up, one outside the period
    days = [
        SimpleNamespace(
            day=date(2026, 3, d), revenue=Decimal(r), paid_orders=p, placed_orders=n, refunds=Decimal(f), refund_count=c
        )
        for d, r, p, n, f, c in [(1, "100.00", 2, 3, "0.00", 0), (2, "50.00", 1, 1, "20.00", 1), (9, "999", 9, 9, 0, 0)]
    ]

    # when
    kpis = kpis_for(Period("range", date(2026, 3, 1), date(2026, 3, 2)), days)

    # then
    assert (kpis.revenue, kpis.paid_orders, kpis.placed_orders, kpis.refunds, kpis.refund_count) == (
        Decimal("150.00"),
        3,
        4,
        Decimal("20.00"),
        1,
    )
    assert kpis.average_order_value == Decimal("50.00")
    assert kpis.paid_rate == Decimal("75.0")


def test_kpis_of_a_quiet_period_have_no_average_and_no_rate():
    kpis = kpis_for(Period("today", date(2026, 3, 1), date(2026, 3, 1)), [])

    assert (kpis.revenue, kpis.average_order_value, kpis.paid_rate) == (Decimal("0.00"), None, None)
