"""Price facts of a product, from its SKUs (plain values, no Django)."""

from collections.abc import Iterable
from decimal import Decimal


def price_range(prices: Iterable[Decimal]) -> tuple[Decimal | None, Decimal | None]:
    prices = list(prices)
    if not prices:
        return None, None
    return min(prices), max(prices)


def discount_percent(price: Decimal, compare_at_price: Decimal | None) -> int | None:
    """The "was" price saving, rounded down to a whole percent; None when there is none."""
    if compare_at_price is None or compare_at_price <= price or compare_at_price <= 0:
        return None
    return int((compare_at_price - price) * 100 / compare_at_price)
