"""The sales dashboard in the back office: who may open it, what it shows, its CSV
exports, bad input, and its fixed number of queries."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.inventory.services import stock_adjust
from apps.orders.models import Order
from apps.reports.seeding import seed_orders
from apps.reports.services import (
    sales_rebuild,
    sales_record_order_paid,
    sales_record_order_placed,
    sales_record_refund,
)
from apps.reports.tests.conftest import DASHBOARD, export_url

pytestmark = pytest.mark.django_db


def _paid(number: str, product, *, provider: str, at, lines: list[tuple[int, str, str]]) -> None:
    """An order of (quantity, unit price, line total) lines of one product, counted as paid."""
    sales_record_order_paid(
        number=number,
        order_id=int(number[1:]),
        provider=provider,
        paid_at=at,
        total=sum((Decimal(total) for _q, _p, total in lines), Decimal("0.00")),
        lines=[
            {"product_id": product.pk, "quantity": quantity, "unit_price": price, "line_total": total}
            for quantity, price, total in lines
        ],
    )


@pytest.fixture
def sales(catalog, buyers):
    """Two days of sales through the roll-up's services: today 8 orders placed, 5 paid (two
    phones with Alipay, ¥10 off each; three tea orders with WeChat Pay, ¥15 of them
    refunded), and five days ago 2 placed, 1 tea order paid with Alipay."""
    now = timezone.now()
    earlier = now - timedelta(days=5)
    tea, phone = catalog["绿茶 1"], catalog["手机 Phones 1"]
    for n in range(8):
        sales_record_order_placed(order_id=900 + n, placed_at=now)
    for n in range(2):
        sales_record_order_placed(order_id=950 + n, placed_at=earlier)
    _paid("P1", phone, provider="alipay", at=now, lines=[(1, "469.00", "459.00")])
    _paid("P2", phone, provider="alipay", at=now, lines=[(1, "469.00", "459.00")])
    _paid("P3", tea, provider="wechat", at=now, lines=[(2, "15.00", "30.00")])
    _paid("P4", tea, provider="wechat", at=now, lines=[(1, "15.00", "15.00")])
    _paid("P5", tea, provider="wechat", at=now, lines=[(1, "15.00", "15.00")])
    sales_record_refund(refund_id=1, order_number="P3", amount=Decimal("15.00"), succeeded_at=now)
    _paid("P6", tea, provider="alipay", at=earlier, lines=[(1, "15.00", "15.00")])
    return {"today": timezone.localdate(now), "tea": tea, "phone": phone}


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- Who may open it -----------------------------------------------------------------------


def test_anonymous_visitors_and_customers_are_sent_to_the_admin_login(client):
    # given nobody signed in, then a customer
    for user in (None, UserFactory()):
        if user:
            client.force_login(user)

        # when they open the dashboard and an export
        for url in (DASHBOARD, export_url("daily")):
            response = client.get(url)

            # then the admin's login page it is
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/?next=")


@pytest.mark.parametrize("role", ["Operations", "Customer Service", None])
def test_staff_without_the_reports_permission_get_403(client, staff_in, role):
    client.force_login(staff_in(role) if role else UserFactory(is_staff=True))

    assert client.get(DASHBOARD).status_code == 403
    assert client.get(export_url("products")).status_code == 403


def test_finance_opens_the_dashboard_and_finds_it_under_reports(finance_client):
    # when
    page = finance_client.get(DASHBOARD)
    index = finance_client.get("/admin/?apps")

    # then
    assert page.status_code == 200
    assert page.templates[0].name == "admin/reports/dashboard.html"
    assert DASHBOARD in index.content.decode()


def test_superusers_open_the_dashboard(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get(DASHBOARD).status_code == 200


# --- What it shows -------------------------------------------------------------------------


def test_the_kpis_cover_today_seven_and_thirty_days_and_the_range(finance_client, sales):
    # when
    response = finance_client.get(DASHBOARD)

    # then today: ¥978 from 5 paid of 8 placed orders; 7 and 30 days add the day 5 days ago
    report = response.context["report"]
    kpis = [(k.period.key, k.revenue, k.paid_orders, k.placed_orders, k.refunds) for k in report.kpis]
    assert kpis == [
        ("today", Decimal("978.00"), 5, 8, Decimal("15.00")),
        ("7d", Decimal("993.00"), 6, 10, Decimal("15.00")),
        ("30d", Decimal("993.00"), 6, 10, Decimal("15.00")),
        ("range", Decimal("993.00"), 6, 10, Decimal("15.00")),
    ]
    today = response.context["report"].kpis[0]
    assert (today.average_order_value, today.paid_rate) == (Decimal("195.60"), Decimal("62.5"))
    html = response.content.decode()
    assert "¥978.00" in html
    assert "¥195.60" in html
    assert "62.5%" in html


def test_the_charts_get_their_data_as_json_for_the_static_script(finance_client, sales):
    # when
    response = finance_client.get(DASHBOARD)
    html = response.content.decode()

    # then the data sits in a json_script block, the script is a static file, and nothing inline runs
    data = json.loads(html.split('<script id="dashboard-data" type="application/json">')[1].split("</script>")[0])
    assert data["products"] == {"labels": ["手机 Phones 1", "绿茶 1"], "revenue": ["918.00", "75.00"]}
    assert data["categories"] == {"labels": ["数码 Electronics", "茶 Tea"], "revenue": ["918.00", "75.00"]}
    assert data["providers"] == {"labels": ["Alipay", "WeChat Pay"], "revenue": ["933.00", "60.00"]}
    assert len(data["daily"]["labels"]) == 30
    assert data["daily"]["labels"][-1] == sales["today"].isoformat()
    assert data["daily"]["revenue"][-1] == "978.00"
    assert data["daily"]["orders"][-1] == 5
    assert data["daily"]["revenue"][-6] == "15.00"
    assert "/static/vendor/chartjs/4.6.1/chart.umd.min.js" in html
    assert "/static/js/reports-dashboard.js" in html
    assert "<script>" not in html
    assert "onclick" not in html


def test_the_range_picker_narrows_the_tables_and_charts(finance_client, sales):
    # when only today is picked
    today = sales["today"].isoformat()
    response = finance_client.get(DASHBOARD, {"start": today, "end": today})

    # then the day 5 days ago is left out of the range (not of the fixed KPI windows)
    report = response.context["report"]
    assert [(row.name, row.revenue) for row in report.top_products] == [
        ("手机 Phones 1", Decimal("918.00")),
        ("绿茶 1", Decimal("60.00")),
    ]
    assert [(row.key, row.revenue, row.share) for row in report.providers] == [
        ("alipay", Decimal("918.00"), Decimal("93.9")),
        ("wechat", Decimal("60.00"), Decimal("6.1")),
    ]
    assert report.kpis[-1].revenue == Decimal("978.00")
    assert report.kpis[1].revenue == Decimal("993.00")
    assert f"start={today}&amp;end={today}" in response.content.decode()  # the CSV links keep the range


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-02-30", "end": "2026-03-01"}, "Enter a valid date."),
        ({"start": "yesterday"}, "Enter a valid date."),
        ({"start": "2026-03-02", "end": "2026-03-01"}, "The start date must not be after the end date."),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "Pick at most 366 days."),
        ({"start": "9999-12-31"}, None),  # far in the future: valid, and simply empty
        ({"end": "0001-01-01"}, None),
    ],
)
def test_bad_dates_give_a_message_and_the_default_range_never_a_500(finance_client, sales, query, message):
    # when
    response = finance_client.get(DASHBOARD, query)

    # then
    assert response.status_code == 200
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    if message:
        assert shown == [message]
        assert response.context["report"].period.days == 30
    else:
        assert shown == []
    # and a CSV export with the same dates answers 400 with the reason, or the file
    export = finance_client.get(export_url("daily"), query)
    assert export.status_code == (400 if message else 200)
    if message:
        assert export.content.decode() == message


def test_low_stock_and_orders_waiting_to_ship_are_shown_with_links(finance_client, catalog, buyers):
    # given a SKU down to 2 units (threshold 5) and seeded orders, some paid and not shipped
    low = catalog["红茶 1"].skus.get()
    stock_adjust(sku_id=low.pk, delta=-48, reason="adjust")
    seed_orders(orders=60, days=3, seed=5)
    waiting = Order.objects.filter(status="paid").count()
    assert waiting > 0

    # when
    response = finance_client.get(DASHBOARD)

    # then
    report = response.context["report"]
    assert [(row.sku_code, row.available, row.threshold) for row in report.low_stock] == [(low.code, 2, 5)]
    assert report.awaiting_shipment == waiting
    html = response.content.decode()
    assert 'href="/admin/orders/order/?status__exact=paid"' in html
    assert 'href="/admin/inventory/stock/"' in html


# --- CSV -----------------------------------------------------------------------------------


def test_the_products_csv_lists_every_product_of_the_range(finance_client, sales):
    # when
    response = finance_client.get(export_url("products"))

    # then
    today = sales["today"]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    start = today - timedelta(days=29)
    assert response["Content-Disposition"] == f'attachment; filename="products-{start}-{today}.csv"'
    assert csv_rows(response) == [
        ["product id", "product", "orders", "units", "revenue", "discounts", "refunds"],
        [str(sales["phone"].pk), "手机 Phones 1", "2", "2", "918.00", "20.00", "0.00"],
        [str(sales["tea"].pk), "绿茶 1", "4", "5", "75.00", "0.00", "15.00"],
    ]


def test_the_kpi_daily_category_and_provider_csvs_hold_the_page_figures(finance_client, sales):
    today = sales["today"]
    query = {"start": (today - timedelta(days=6)).isoformat(), "end": today.isoformat()}

    kpis = csv_rows(finance_client.get(export_url("kpis"), query))
    assert kpis[0][:4] == ["period", "from", "to", "revenue"]
    assert kpis[1] == ["today", str(today), str(today), "978.00", "5", "8", "62.5", "195.60", "15.00", "1"]
    assert kpis[4][0] == "range"
    assert kpis[4][3] == "993.00"

    daily = csv_rows(finance_client.get(export_url("daily"), query))
    assert len(daily) == 1 + 7
    assert daily[-1] == [str(today), "8", "5", "6", "978.00", "20.00", "0.00", "15.00", "1"]
    assert daily[2] == [str(today - timedelta(days=5)), "2", "1", "1", "15.00", "0.00", "0.00", "0.00", "0"]

    categories = csv_rows(finance_client.get(export_url("categories"), query))
    assert [row[1:] for row in categories[1:]] == [
        ["数码 Electronics", "2", "918.00", "20.00", "0.00", "92.4"],
        ["茶 Tea", "5", "75.00", "0.00", "15.00", "7.6"],
    ]

    providers = csv_rows(finance_client.get(export_url("providers"), query))
    assert providers[1:] == [
        ["alipay", "Alipay", "3", "933.00", "20.00", "0.00", "94.0"],
        ["wechat", "WeChat Pay", "4", "60.00", "0.00", "15.00", "6.0"],
    ]


def test_the_low_stock_csv_and_spreadsheet_formulas(finance_client, catalog):
    # given a low SKU whose product's name would run as a formula in a spreadsheet
    product = catalog["绿茶 2"]
    product.name = "=HYPERLINK(1)"
    product.save(update_fields=["name"])
    stock_adjust(sku_id=product.skus.get().pk, delta=-50, reason="adjust")

    # when
    rows = csv_rows(finance_client.get(export_url("low-stock")))

    # then it is exported as text
    assert rows[0] == ["SKU id", "SKU code", "product", "on hand", "reserved", "available", "low-stock threshold"]
    assert rows[1][2:] == ["'=HYPERLINK(1)", "0", "0", "0", "5"]


def test_an_unknown_table_is_404(finance_client):
    assert finance_client.get(export_url("salaries")).status_code == 404


# --- Queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("superuser", [False, True])
def test_the_dashboard_takes_at_most_ten_queries(
    client, staff_in, catalog, buyers, django_assert_max_num_queries, superuser
):
    # given a few hundred orders over two months, rolled up, and some low stock
    result = seed_orders(orders=300, days=60, refund_rate=0.1, seed=11)
    sales_rebuild(date_from=result.first_day, date_to=result.last_day)
    stock_adjust(sku_id=catalog["红茶 2"].skus.get().pk, delta=-49, reason="adjust")
    client.force_login(UserFactory(is_staff=True, is_superuser=True) if superuser else staff_in("Finance"))
    client.get(DASHBOARD)  # the session in the cache, as for any signed-in user

    # when / then
    with django_assert_max_num_queries(10):
        response = client.get(DASHBOARD, {"start": result.first_day.isoformat(), "end": result.last_day.isoformat()})
    assert response.status_code == 200
    assert len(response.context["report"].top_products) == 8
