"""Keeping the sales roll-up: one order or refund at a time (the event handlers), or a
range of days from the orders and refunds themselves (the rebuild).

Both paths turn an order or a refund into the same list of increments (`_sale_increments`,
`_refund_increments`); the handlers apply them to the rows, the rebuild adds them up in
memory and inserts the sums. So the two cannot disagree on what an order adds.

Increments are `UPDATE ... SET x = x + n` (F expressions), with an insert when the row
does not exist yet: safe when handlers run at once on several workers. Every use case
touches its rows in one order (product rows by key, product totals by product, category
rows by key, the day's row last), so two of them never wait on each other in a circle;
the day's row, which every order of the day updates, is held for the shortest time.
"""

import dataclasses
import logging
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.catalog import public as catalog_public
from apps.core.domain.money import to_money
from apps.reports import selectors
from apps.reports.domain.rollup import UNKNOWN_PROVIDER, OrderSale, ProductSale, order_sale, refund_shares
from apps.reports.models import DailyCategorySales, DailyProductSales, DailyProductTotals, DailySales, PaidOrder

logger = logging.getLogger(__name__)

# The rebuild commits this many days at a time: the roll-up rows of a window are locked
# only while it is recomputed.
REBUILD_WINDOW_DAYS = 31
BULK_BATCH = 2000

# The roll-up tables in the order their rows are locked.
TABLES = (DailyProductSales, DailyProductTotals, DailyCategorySales, DailySales)


def _increment(model, key: dict, amounts: dict) -> None:
    """Add `amounts` to the row with `key`, creating it if needed, under concurrency.

    UPDATE first (the usual case: the row exists); else INSERT in a savepoint; if another
    transaction inserted the row meanwhile, the INSERT fails on the unique key once that
    transaction has committed, and the UPDATE then finds the row.
    """
    amounts = {name: value for name, value in amounts.items() if value}
    if not amounts:
        return
    changes = {name: F(name) + value for name, value in amounts.items()}
    if model.objects.filter(**key).update(**changes):
        return
    try:
        with transaction.atomic():
            model.objects.create(**key, **amounts)
    except IntegrityError:
        model.objects.filter(**key).update(**changes)


def _apply(increments: list[tuple]) -> None:
    for model, key, amounts in increments:
        _increment(model, dict(key), amounts)


# --- What an order or a refund adds -------------------------------------------------------------


def _sale_increments(*, day: date, provider: str, sale: OrderSale) -> list[tuple]:
    """(model, key, amounts) for a paid order, in lock order; keys are tuples of pairs."""
    increments = []
    totals = []
    categories: dict[int, dict] = {}
    for product in sale.products:
        amounts = {"orders": 1, "units": product.quantity, "revenue": product.revenue, "discounts": product.discount}
        increments.append((DailyProductSales, _product_key(day, product, provider), amounts))
        totals.append((DailyProductTotals, _totals_key(day, product.product_id), amounts))
        category = categories.setdefault(product.category_id, {"orders": 1, "units": 0, "revenue": 0, "discounts": 0})
        category["units"] += product.quantity
        category["revenue"] += product.revenue
        category["discounts"] += product.discount
    increments += totals
    for category_id, amounts in sorted(categories.items()):
        increments.append((DailyCategorySales, _category_key(day, category_id, provider), amounts))
    increments.append(
        (
            DailySales,
            (("day", day),),
            {
                "paid_orders": 1,
                "units": sale.units,
                "revenue": sale.revenue,
                "discounts": sale.discounts,
                "shipping": sale.shipping,
            },
        )
    )
    return increments


def _refund_increments(*, day: date, paid: PaidOrder, amount: Decimal) -> list[tuple]:
    """(model, key, amounts) for a refund of `paid`, in lock order."""
    increments = []
    totals = []
    categories: dict[int, Decimal] = defaultdict(Decimal)
    for product, share in refund_shares(amount, [ProductSale.from_row(row) for row in paid.sales]):
        increments.append((DailyProductSales, _product_key(day, product, paid.provider), {"refunds": share}))
        totals.append((DailyProductTotals, _totals_key(day, product.product_id), {"refunds": share}))
        categories[product.category_id] += share
    increments += totals
    for category_id, share in sorted(categories.items()):
        increments.append((DailyCategorySales, _category_key(day, category_id, paid.provider), {"refunds": share}))
    increments.append((DailySales, (("day", day),), {"refunds": to_money(amount), "refund_count": 1}))
    return increments


def _product_key(day: date, product: ProductSale, provider: str) -> tuple:
    return (
        ("day", day),
        ("product_id", product.product_id),
        ("category_id", product.category_id),
        ("provider", provider),
    )


def _totals_key(day: date, product_id: int) -> tuple:
    return (("day", day), ("product_id", product_id))


def _category_key(day: date, category_id: int, provider: str) -> tuple:
    return (("day", day), ("category_id", category_id), ("provider", provider))


def _paid_order_record(*, number, order_id, provider, paid_at, total, lines, categories) -> tuple[PaidOrder, OrderSale]:
    sale = order_sale(total=total, lines=lines, categories=categories)
    paid = PaidOrder(
        number=number,
        order_id=order_id,
        paid_on=selectors.local_day(paid_at),
        provider=provider or UNKNOWN_PROVIDER,
        sales=[product.as_row() for product in sale.products],
    )
    return paid, sale


# --- One order or refund at a time (the event handlers) ------------------------------------


def sales_record_order_placed(*, order_id: int, placed_at: datetime | None = None) -> None:
    """An order was placed: count it on its placement day (the paid rate's denominator)."""
    placed_at = placed_at or selectors.source_order_placed_at(order_id=order_id) or timezone.now()
    _increment(DailySales, {"day": selectors.local_day(placed_at)}, {"placed_orders": 1})


def sales_record_order_paid(
    *, number: str, order_id: int, provider: str, paid_at: datetime, total: Decimal, lines: list[dict]
) -> bool:
    """A paid order adds its products to its paid day; False when it was counted already.

    The PaidOrder row is the guard: inserted first, in this transaction, so a second
    delivery (or another handler recording the same order) finds it and adds nothing.
    """
    categories = catalog_public.product_categories(product_ids={int(line["product_id"]) for line in lines})
    paid, sale = _paid_order_record(
        number=number,
        order_id=order_id,
        provider=provider,
        paid_at=paid_at,
        total=total,
        lines=lines,
        categories=categories,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                paid.save(force_insert=True)
        except IntegrityError:
            logger.info("order %s is in the sales roll-up already", number)
            return False
        _apply(_sale_increments(day=paid.paid_on, provider=paid.provider, sale=sale))
    return True


def sales_record_refund(*, refund_id: int, order_number: str, amount: Decimal, succeeded_at: datetime) -> bool:
    """Money went back for an order: on the refund's day, spread over the order's products,
    under the provider the order was paid with. False when the order was never paid (a
    refund of a payment for a cancelled order): there is no sale to take it from.

    An order the roll-up has not counted yet (its OrderPaid still on its way, or paid
    before reports existed) is counted first, from the orders table.
    """
    paid = _paid_order_ensure(number=order_number)
    if paid is None:
        logger.info("refund %s: order %s was never paid; nothing to roll up", refund_id, order_number)
        return False
    with transaction.atomic():
        _apply(_refund_increments(day=selectors.local_day(succeeded_at), paid=paid, amount=to_money(amount)))
    return True


def _paid_order_ensure(*, number: str) -> PaidOrder | None:
    paid = PaidOrder.objects.filter(number=number).first()
    if paid is not None:
        return paid
    sources = selectors.source_paid_orders(numbers=[number])
    if not sources:
        return None
    source = sources[0]
    sales_record_order_paid(
        number=source.number,
        order_id=source.order_id,
        provider=source.provider,
        paid_at=source.paid_at,
        total=source.total,
        lines=list(source.lines),
    )
    return PaidOrder.objects.get(number=number)


# --- A range of days from the sources (the rebuild) -----------------------------------------


@dataclasses.dataclass(frozen=True)
class RebuildResult:
    days: int
    placed_orders: int
    paid_orders: int
    refunds: int
    product_rows: int


def sales_rebuild(*, date_from: date, date_to: date) -> RebuildResult:
    """Recompute the roll-up of [date_from, date_to] (local days) from the orders and refunds.

    The days' rows and paid-order records are replaced, a window of days per transaction;
    running it twice gives the same rows. Refunds of the range are spread over their
    orders' products as counted when paid (the PaidOrder record), or, for an order the
    roll-up never counted, as the order lines say now.
    """
    if date_from > date_to:
        raise ValueError("date_from is after date_to")
    totals = defaultdict(int)
    start = date_from
    while start <= date_to:
        end = min(start + timedelta(days=REBUILD_WINDOW_DAYS - 1), date_to)
        with transaction.atomic():
            for name, value in _rebuild_window(start, end).items():
                totals[name] += value
        start = end + timedelta(days=1)
    return RebuildResult(days=(date_to - date_from).days + 1, **totals)


def _rebuild_window(start: date, end: date) -> dict[str, int]:
    lo, hi = selectors.day_start(start), selectors.day_start(end + timedelta(days=1))
    for model in TABLES:
        model.objects.filter(day__gte=start, day__lte=end).delete()
    PaidOrder.objects.filter(paid_on__gte=start, paid_on__lte=end).delete()

    sums: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))  # (model, key) -> field -> sum

    def add(increments: list[tuple]) -> None:
        for model, key, amounts in increments:
            row = sums[(model, key)]
            for name, value in amounts.items():
                row[name] += value

    for day, count in selectors.source_placed_counts(placed_from=lo, placed_to=hi).items():
        add([(DailySales, (("day", day),), {"placed_orders": count})])

    paid_orders = _paid_orders_from_sources(selectors.source_paid_orders(paid_from=lo, paid_to=hi))
    for paid, sale in paid_orders.values():
        add(_sale_increments(day=paid.paid_on, provider=paid.provider, sale=sale))

    refunds = selectors.source_refunds(succeeded_from=lo, succeeded_to=hi)
    refunded = _refunded_orders({refund.order_number for refund in refunds}, counted=paid_orders)
    counted_refunds = 0
    for refund in refunds:
        paid = refunded.get(refund.order_number)
        if paid is None:  # a refund of an order never paid: no sale to take it from
            continue
        counted_refunds += 1
        add(_refund_increments(day=selectors.local_day(refund.succeeded_at), paid=paid, amount=refund.amount))

    PaidOrder.objects.bulk_create([paid for paid, _sale in paid_orders.values()], batch_size=BULK_BATCH)
    rows: dict = defaultdict(list)
    for (model, key), amounts in sorted(sums.items(), key=lambda item: (TABLES.index(item[0][0]), item[0][1])):
        rows[model].append(model(**dict(key), **amounts))
    for model in TABLES:
        model.objects.bulk_create(rows[model], batch_size=BULK_BATCH)
    days = rows[DailySales]
    return {
        "placed_orders": sum(day.placed_orders for day in days),
        "paid_orders": len(paid_orders),
        "refunds": counted_refunds,
        "product_rows": len(rows[DailyProductSales]),
    }


def _paid_orders_from_sources(sources: list) -> dict[str, tuple[PaidOrder, OrderSale]]:
    categories = catalog_public.product_categories(
        product_ids={int(line["product_id"]) for order in sources for line in order.lines}
    )
    return {
        order.number: _paid_order_record(
            number=order.number,
            order_id=order.order_id,
            provider=order.provider,
            paid_at=order.paid_at,
            total=order.total,
            lines=order.lines,
            categories=categories,
        )
        for order in sources
    }


def _refunded_orders(numbers: set[str], *, counted: dict[str, tuple]) -> dict[str, PaidOrder]:
    """The refunded orders as the roll-up counted them: just now (this window), earlier (a
    PaidOrder record), or, never counted, from the orders table (not recorded: the
    rebuild of their own paid day records them)."""
    found = {number: counted[number][0] for number in numbers if number in counted}
    missing = numbers - found.keys()
    if missing:
        found.update(selectors.paid_orders_by_number(numbers=missing))
    missing = numbers - found.keys()
    if missing:
        from_sources = _paid_orders_from_sources(selectors.source_paid_orders(numbers=missing))
        found.update({number: paid for number, (paid, _sale) in from_sources.items()})
    return found
