from decimal import Decimal

import pytest

from apps.core.domain.money import allocate, format_money, to_money


def test_to_money_rounds_half_up_to_cents():
    assert to_money("2.675") == Decimal("2.68")
    assert to_money("2.665") == Decimal("2.67")
    assert to_money(Decimal("-1.005")) == Decimal("-1.01")
    assert to_money(3) == Decimal("3.00")


def test_to_money_refuses_floats_and_garbage():
    with pytest.raises(TypeError):
        to_money(0.1)
    with pytest.raises(ValueError, match="not an amount"):
        to_money("ten")
    with pytest.raises(ValueError, match="not an amount"):
        to_money(Decimal("NaN"))


def test_format_money_shows_yuan_with_thousands():
    assert format_money(Decimal("1234.5")) == "¥1,234.50"
    assert format_money(Decimal("-20")) == "-¥20.00"
    assert format_money(Decimal("9.99"), "USD") == "9.99 USD"


def test_allocate_spreads_a_discount_without_losing_a_cent():
    shares = allocate(Decimal("10.00"), [Decimal("1"), Decimal("1"), Decimal("1")])
    assert shares == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert sum(shares) == Decimal("10.00")


def test_allocate_follows_the_weights():
    assert allocate(Decimal("20.00"), [Decimal("150.00"), Decimal("50.00")]) == [Decimal("15.00"), Decimal("5.00")]
    assert allocate(Decimal("0.05"), [Decimal("0"), Decimal("0")]) == [Decimal("0.03"), Decimal("0.02")]
    assert allocate(Decimal("5"), []) == []
