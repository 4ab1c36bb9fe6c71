"""The dashboard's key figures for a period, from the roll-up's days (plain Python)."""

import dataclasses
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from apps.core.domain.money import ZERO, to_money
from apps.reports.domain.periods import Period

PERCENT = Decimal("0.1")


@dataclasses.dataclass(frozen=True)
class Kpis:
    period: Period
    revenue: Decimal  # goods after discounts, shipping excluded
    paid_orders: int
    placed_orders: int
    refunds: Decimal
    refund_count: int

    @property
    def average_order_value(self) -> Decimal | None:
        """Revenue per paid order; None without paid orders."""
        return to_money(self.revenue / self.paid_orders) if self.paid_orders else None

    @property
    def paid_rate(self) -> Decimal | None:
        """Paid orders per placed order in the period, as a percentage with one decimal;
        None without placed orders. Orders placed just before the period and paid in it
        can lift it above 100% for a short period."""
        if not self.placed_orders:
            return None
        return (Decimal(self.paid_orders) * 100 / self.placed_orders).quantize(PERCENT, rounding=ROUND_HALF_UP)


def kpis_for(period: Period, days: Iterable) -> Kpis:
    """Sum the day rows (objects with day, revenue, paid_orders, placed_orders, refunds,
    refund_count) that fall in `period`."""
    inside = [row for row in days if period.contains(row.day)]
    return Kpis(
        period=period,
        revenue=sum((row.revenue for row in inside), ZERO),
        paid_orders=sum(row.paid_orders for row in inside),
        placed_orders=sum(row.placed_orders for row in inside),
        refunds=sum((row.refunds for row in inside), ZERO),
        refund_count=sum(row.refund_count for row in inside),
    )
