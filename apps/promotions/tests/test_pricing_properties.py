"""Properties of the pricing function over random carts, rules and coupons."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.promotions.domain.pricing import (
    CouponSpec,
    FreeShippingRule,
    PercentageRule,
    PricingLine,
    Scope,
    ThresholdRule,
    price,
)

CENT = Decimal("0.01")
money = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
percent = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
paths = st.sampled_from(["0001", "00010001", "00010002", "0002", "00020001"])

lines = st.lists(
    st.builds(
        PricingLine,
        sku_id=st.integers(1, 50),
        product_id=st.integers(1, 10),
        category_path=paths,
        brand_id=st.one_of(st.none(), st.integers(1, 3)),
        unit_price=money,
        quantity=st.integers(1, 20),
    ),
    max_size=6,
)
scopes = st.builds(
    Scope,
    product_ids=st.frozensets(st.integers(1, 10), max_size=3),
    category_paths=st.frozensets(paths, max_size=2),
    brand_ids=st.frozensets(st.integers(1, 3), max_size=2),
)
rules = st.lists(
    st.one_of(
        st.builds(ThresholdRule, label=st.just("满减"), tiers=st.lists(st.tuples(money, money), max_size=3).map(tuple)),
        st.builds(PercentageRule, label=st.just("sale"), percent=percent, scope=scopes),
        st.builds(FreeShippingRule, label=st.just("free"), threshold=money),
    ),
    max_size=5,
)
coupons = st.one_of(
    st.none(),
    st.builds(CouponSpec, code=st.just("FIXED"), kind=st.just("fixed"), value=money, min_spend=money, scope=scopes),
    st.builds(
        CouponSpec,
        code=st.just("PCT"),
        kind=st.just("percent"),
        value=percent,
        cap=st.one_of(st.none(), money),
        min_spend=money,
        scope=scopes,
    ),
)
fees = st.sampled_from([Decimal("0.00"), Decimal("10.00"), Decimal("25.00")])


def whole_cents(amount: Decimal) -> bool:
    return amount == amount.quantize(CENT)


@settings(max_examples=300, deadline=None)
@given(lines=lines, rules=rules, coupon=coupons, fee=fees, points=st.integers(0, 5))
def test_pricing_invariants(lines, rules, coupon, fee, points):
    breakdown = price(lines, rules=rules, coupon=coupon, shipping_fee=fee, points_per_yuan=points)

    assert breakdown.total >= 0
    assert breakdown.total <= breakdown.subtotal + breakdown.shipping_fee
    amounts = [
        breakdown.subtotal,
        breakdown.discount_total,
        breakdown.shipping_fee,
        breakdown.shipping_discount,
        breakdown.total,
        *(adjustment.amount for adjustment in breakdown.adjustments),
        *(discount for _, discount in breakdown.line_discounts),
    ]
    assert all(whole_cents(amount) and amount >= 0 for amount in amounts)
    assert breakdown.discount_total == sum((a.amount for a in breakdown.adjustments), Decimal("0.00"))
    assert breakdown.discount_total <= breakdown.subtotal
    assert sum((d for _, d in breakdown.line_discounts), Decimal("0.00")) == breakdown.discount_total
    assert all(discount <= line.line_total for line, (_, discount) in zip(lines, breakdown.line_discounts, strict=True))
    assert breakdown.points_earned >= 0


@settings(max_examples=100, deadline=None)
@given(lines=lines, rules=rules, coupon=coupons, fee=fees)
def test_the_same_input_always_gives_the_same_breakdown(lines, rules, coupon, fee):
    first = price(lines, rules=rules, coupon=coupon, shipping_fee=fee, points_per_yuan=1)
    again = price(list(lines), rules=list(rules), coupon=coupon, shipping_fee=fee, points_per_yuan=1)

    assert first == again
