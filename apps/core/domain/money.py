"""Money as Decimal: two places, CNY, ROUND_HALF_UP. Never float."""

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

CURRENCY = "CNY"
CURRENCY_SYMBOL = "¥"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize to cents with ROUND_HALF_UP. Floats are refused: they already lost cents."""
    if isinstance(value, float):
        raise TypeError("money must not be built from a float; pass a str or Decimal")
    try:
        amount = Decimal(value) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str = CURRENCY) -> str:
    """'¥1,234.50' for CNY; other currencies as '1,234.50 USD'."""
    amount = to_money(amount)
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.2f}"
    if currency == CURRENCY:
        return f"{sign}{CURRENCY_SYMBOL}{text}"
    return f"{sign}{text} {currency}"


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` across `weights` in proportion, to the cent, losing nothing.

    Largest-remainder method: every share is rounded down, then the leftover cents go
    to the shares that lost most, earlier ones first on ties. Used to spread an
    order-level discount over its lines so that partial refunds add up exactly.
    """
    total = to_money(total)
    weights = [Decimal(w) for w in weights]
    if not weights:
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        weights = [Decimal(1)] * len(weights)
        weight_sum = Decimal(len(weights))
    exact = [total * w / weight_sum for w in weights]
    shares = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    leftover_cents = int(((total - sum(shares)) / CENT).to_integral_value())
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[:leftover_cents]:
        shares[i] += CENT
    return shares
