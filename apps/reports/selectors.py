"""Reads: the roll-up for the dashboard, and the sources the roll-up is rebuilt from.

The sources (orders, order lines, refunds) belong to the orders and payments apps. Their
public modules have no functions for reports yet, so these read the tables through
`django.apps.apps.get_model` (no import of the other apps' code), read-only and in one
place; docs/reports.md lists the public functions that should replace them.
"""

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

from django.apps import apps as django_apps
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.catalog import public as catalog_public
from apps.core.domain.money import ZERO, to_money
from apps.inventory import public as inventory_public
from apps.reports.domain.kpis import PERCENT, Kpis, kpis_for
from apps.reports.domain.periods import Period, each_day, kpi_periods
from apps.reports.models import DailyCategorySales, DailyProductTotals, DailySales, PaidOrder

REFUND_SUCCEEDED = "succeeded"


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the shop's time zone (days are local)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


# --- Sources: the orders and refunds the roll-up is made of ---------------------------------


@dataclasses.dataclass(frozen=True)
class SourceOrder:
    order_id: int
    number: str
    provider: str
    paid_at: datetime
    total: Decimal
    lines: tuple[dict, ...]  # {"product_id", "quantity", "unit_price", "line_total"}, in line order


@dataclasses.dataclass(frozen=True)
class SourceRefund:
    refund_id: int
    order_number: str
    amount: Decimal
    succeeded_at: datetime


def _order_model():
    return django_apps.get_model("orders", "Order")


def _line_model():
    return django_apps.get_model("orders", "OrderLine")


def _refund_model():
    return django_apps.get_model("payments", "Refund")


def source_paid_orders(*, paid_from: datetime | None = None, paid_to: datetime | None = None, numbers=None):
    """Paid orders with their lines: paid in [paid_from, paid_to), or with these numbers.

    Two queries (orders, then their lines), however many orders.
    """
    orders = _order_model().objects.filter(paid_at__isnull=False)
    if paid_from is not None:
        orders = orders.filter(paid_at__gte=paid_from, paid_at__lt=paid_to)
    if numbers is not None:
        orders = orders.filter(number__in=list(numbers))
    heads = list(orders.order_by("id").values_list("id", "number", "payment_provider", "paid_at", "total"))
    if not heads:
        return []
    lines: dict[int, list[dict]] = defaultdict(list)
    line_rows = (
        _line_model()
        .objects.filter(order_id__in=[head[0] for head in heads])
        .order_by("order_id", "id")
        .values_list("order_id", "product_id", "quantity", "unit_price", "line_total")
    )
    for order_id, product_id, quantity, unit_price, line_total in line_rows.iterator(chunk_size=5000):
        lines[order_id].append(
            {"product_id": product_id, "quantity": quantity, "unit_price": unit_price, "line_total": line_total}
        )
    return [
        SourceOrder(
            order_id=order_id,
            number=number,
            provider=provider or "",
            paid_at=paid_at,
            total=total,
            lines=tuple(lines[order_id]),
        )
        for order_id, number, provider, paid_at, total in heads
    ]


def source_placed_counts(*, placed_from: datetime, placed_to: datetime) -> dict[date, int]:
    """Orders placed per local day in [placed_from, placed_to), whatever became of them."""
    rows = (
        _order_model()
        .objects.filter(placed_at__gte=placed_from, placed_at__lt=placed_to)
        .annotate(day=TruncDate("placed_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return dict(rows)


def source_order_placed_at(*, order_id: int) -> datetime | None:
    return _order_model().objects.filter(pk=order_id).values_list("placed_at", flat=True).first()


def _counted_refunds():
    """Succeeded refunds that give a customer's order money back.

    Left out: refunds the system decided (approved at creation, by nobody), which payments
    makes only for a payment the order did not take: a payment for a cancelled order, or
    a second payment of an order paid already (payments publishes no RefundSucceeded for
    those, or one for an order that was never paid).
    """
    system_decided = Q(approved_by__isnull=True, approved_at__isnull=False)
    return _refund_model().objects.filter(status=REFUND_SUCCEEDED, succeeded_at__isnull=False).exclude(system_decided)


def source_refunds(*, succeeded_from: datetime, succeeded_to: datetime) -> list[SourceRefund]:
    rows = (
        _counted_refunds()
        .filter(succeeded_at__gte=succeeded_from, succeeded_at__lt=succeeded_to)
        .order_by("succeeded_at", "id")
        .values_list("id", "order_number", "amount", "succeeded_at")
    )
    return [SourceRefund(*row) for row in rows]


def source_refund_succeeded_at(*, refund_id: int) -> datetime | None:
    return _refund_model().objects.filter(pk=refund_id).values_list("succeeded_at", flat=True).first()


def orders_awaiting_shipment() -> int:
    """Orders paid and not shipped yet (status paid: what the order admin's status filter
    lists), counted on the orders' status index."""
    return _order_model().objects.filter(status="paid").count()


# --- The roll-up ---------------------------------------------------------------------------


def paid_orders_by_number(*, numbers: Iterable[str]) -> dict[str, PaidOrder]:
    return {paid.number: paid for paid in PaidOrder.objects.filter(number__in=list(numbers))}


def daily_sales_between(*, start: date, end: date) -> dict[date, DailySales]:
    """The days that have a row (a day without sales or orders has none)."""
    return {row.day: row for row in DailySales.objects.filter(day__gte=start, day__lte=end)}


def product_sales_between(*, start: date, end: date, limit: int | None = None) -> list[dict]:
    """Products sold (or refunded) in the range, best revenue first, then by product id:
    product_id, orders, units, revenue, discounts, refunds (from the per-product totals)."""
    rows = (
        DailyProductTotals.objects.filter(day__gte=start, day__lte=end)
        .values("product_id")
        .annotate(
            orders_sum=Sum("orders"),
            units_sum=Sum("units"),
            revenue_sum=Sum("revenue"),
            discounts_sum=Sum("discounts"),
            refunds_sum=Sum("refunds"),
        )
        .order_by("-revenue_sum", "product_id")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        {
            "product_id": row["product_id"],
            "orders": row["orders_sum"],
            "units": row["units_sum"],
            "revenue": to_money(row["revenue_sum"]),
            "discounts": to_money(row["discounts_sum"]),
            "refunds": to_money(row["refunds_sum"]),
        }
        for row in rows
    ]


def category_provider_sales_between(*, start: date, end: date) -> list[dict]:
    """Revenue, discounts, refunds and units per (category, provider) in the range: the
    source of both doughnuts, in one query on the small per-category roll-up."""
    rows = (
        DailyCategorySales.objects.filter(day__gte=start, day__lte=end)
        .values("category_id", "provider")
        .annotate(
            units_sum=Sum("units"),
            revenue_sum=Sum("revenue"),
            discounts_sum=Sum("discounts"),
            refunds_sum=Sum("refunds"),
        )
        .order_by("category_id", "provider")
    )
    return [
        {
            "category_id": row["category_id"],
            "provider": row["provider"],
            "units": row["units_sum"],
            "revenue": to_money(row["revenue_sum"]),
            "discounts": to_money(row["discounts_sum"]),
            "refunds": to_money(row["refunds_sum"]),
        }
        for row in rows
    ]


# --- The dashboard -----------------------------------------------------------------------------

TOP_PRODUCTS = 10
LOW_STOCK_ROWS = 15


@dataclasses.dataclass(frozen=True)
class ProductRow:
    product_id: int
    name: str  # "" when the catalog no longer has the product
    orders: int
    units: int
    revenue: Decimal
    discounts: Decimal
    refunds: Decimal


@dataclasses.dataclass(frozen=True)
class ShareRow:
    """Revenue of a category (top level) or a payment provider, and its share."""

    key: int | str  # the top-level category id (0: unknown), or the provider's code
    name: str  # the category's name ("" when unknown); the provider's code
    units: int
    revenue: Decimal
    discounts: Decimal
    refunds: Decimal
    share: Decimal | None  # percent of the range's revenue, one decimal


@dataclasses.dataclass(frozen=True)
class DashboardReport:
    today: date
    period: Period
    kpis: tuple[Kpis, ...]  # today, 7 days, 30 days, the picked range
    days: tuple[DailySales, ...]  # every day of the range (unsaved zero rows for quiet days)
    top_products: tuple[ProductRow, ...]
    categories: tuple[ShareRow, ...]
    providers: tuple[ShareRow, ...]
    low_stock: tuple
    awaiting_shipment: int  # orders paid, not shipped yet


def dashboard_report(*, period: Period, today: date) -> DashboardReport:
    """Everything the dashboard shows, in 7 queries whatever the number of orders: the
    days (KPI windows and the range together), top products, revenue by category and
    provider, the catalog's names, low stock, and orders waiting to ship.

    Four read the roll-up, whose size is bounded by days x products x providers (the
    doughnuts by days x categories x providers), not by orders; the waiting orders are
    counted on the orders' status index.
    """
    windows = kpi_periods(today=today)
    first = min(period.start, windows[-1].start)
    last = max(period.end, today)
    stored = daily_sales_between(start=first, end=last)
    kpis = tuple(kpis_for(window, stored.values()) for window in (*windows, period))
    days = tuple(stored.get(day) or DailySales(day=day) for day in each_day(period.start, period.end))

    top = product_sales_between(start=period.start, end=period.end, limit=TOP_PRODUCTS)
    mix = category_provider_sales_between(start=period.start, end=period.end)
    labels = catalog_public.report_labels(
        product_ids=[row["product_id"] for row in top], category_ids={row["category_id"] for row in mix}
    )
    return DashboardReport(
        today=today,
        period=period,
        kpis=kpis,
        days=days,
        top_products=tuple(_product_rows(top, labels.products)),
        categories=_shares(mix, key=lambda row: labels.categories.get(row["category_id"], (0, ""))),
        providers=_shares(mix, key=lambda row: (row["provider"], row["provider"])),
        low_stock=tuple(inventory_public.stock_low_list(limit=LOW_STOCK_ROWS)),
        awaiting_shipment=orders_awaiting_shipment(),
    )


def product_rows_between(*, start: date, end: date) -> list[ProductRow]:
    """Every product sold or refunded in the range (the products CSV), best revenue first."""
    rows = product_sales_between(start=start, end=end)
    labels = catalog_public.report_labels(product_ids=[row["product_id"] for row in rows], category_ids=[])
    return _product_rows(rows, labels.products)


def low_stock_all(*, limit: int = 10_000) -> list:
    return inventory_public.stock_low_list(limit=limit)


def _product_rows(rows: list[dict], names: dict[int, str]) -> list[ProductRow]:
    return [ProductRow(name=names.get(row["product_id"], ""), **row) for row in rows]


def _shares(rows: list[dict], *, key) -> tuple[ShareRow, ...]:
    """Group (category, provider) rows by key(row) -> (key, name): best revenue first."""
    groups: dict = {}
    for row in rows:
        group_key, name = key(row)
        group = groups.setdefault(
            group_key, {"name": name, "units": 0, "revenue": ZERO, "discounts": ZERO, "refunds": ZERO}
        )
        for field in ("units", "revenue", "discounts", "refunds"):
            group[field] += row[field]
    total = sum((group["revenue"] for group in groups.values()), ZERO)
    ordered = sorted(groups.items(), key=lambda item: (-item[1]["revenue"], str(item[0])))
    return tuple(
        ShareRow(
            key=group_key,
            share=(group["revenue"] * 100 / total).quantize(PERCENT) if total > 0 else None,
            **group,
        )
        for group_key, group in ordered
    )
