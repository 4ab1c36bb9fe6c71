"""The pure pricing function: every rule type, their stacking, exact amounts."""

from decimal import Decimal

import pytest

from apps.promotions.domain.pricing import (
    Adjustment,
    CouponSpec,
    FreeShippingRule,
    PercentageRule,
    PricingLine,
    Scope,
    ThresholdRule,
    price,
)

D = Decimal
FEE = D("10.00")
MAN_JIAN = ThresholdRule(label="满减", tiers=((D("200"), D("20")), (D("500"), D("60"))))


def line(sku_id=1, *, price_="100.00", qty=1, product_id=None, path="0001", brand_id=None) -> PricingLine:
    return PricingLine(
        sku_id=sku_id,
        product_id=product_id or sku_id,
        category_path=path,
        brand_id=brand_id,
        unit_price=D(price_),
        quantity=qty,
    )


def run(lines, *, rules=(), coupon=None, fee=FEE, points=1):
    return price(lines, rules=rules, coupon=coupon, shipping_fee=fee, points_per_yuan=points)


def test_without_promotions_the_total_is_goods_plus_shipping():
    result = run([line(price_="19.90", qty=3), line(2, price_="5.05")])

    assert result.subtotal == D("64.75")
    assert result.adjustments == ()
    assert result.discount_total == D("0.00")
    assert (result.shipping_fee, result.shipping_discount) == (D("10.00"), D("0.00"))
    assert result.total == D("74.75")
    assert result.points_earned == 64
    assert (result.coupon_code, result.coupon_error) == (None, None)


def test_an_empty_cart_costs_nothing_but_the_fee_given():
    result = run([], fee=D("0.00"))

    assert (result.subtotal, result.total, result.points_earned) == (D("0.00"), D("0.00"), 0)


@pytest.mark.parametrize(
    ("goods", "off"),
    [("199.99", "0.00"), ("200.00", "20.00"), ("499.99", "20.00"), ("500.00", "60.00"), ("1200.00", "60.00")],
)
def test_the_best_threshold_tier_reached_applies(goods, off):
    result = run([line(price_=goods)], rules=[MAN_JIAN])

    assert result.discount_total == D(off)
    assert result.total == D(goods) - D(off) + FEE


def test_only_one_threshold_promotion_applies_the_one_taking_most_off():
    other = ThresholdRule(label="店庆", tiers=((D("300"), D("40")),))

    result = run([line(price_="350.00")], rules=[MAN_JIAN, other])

    assert result.adjustments == (Adjustment("threshold", "店庆", D("40.00")),)


def test_a_percentage_promotion_takes_off_only_the_lines_in_its_scope():
    sale = PercentageRule(label="耳机 9 折", percent=D("10"), scope=Scope(category_paths=frozenset({"00010002"})))
    in_subcategory = line(1, price_="99.90", qty=2, path="000100020003")
    elsewhere = line(2, price_="50.00", path="00010003")

    result = run([in_subcategory, elsewhere], rules=[sale])

    assert result.adjustments == (Adjustment("percentage", "耳机 9 折", D("19.98")),)
    assert result.line_discounts == ((1, D("19.98")), (2, D("0.00")))
    assert result.total == D("249.80") - D("19.98") + FEE


def test_percentage_scopes_by_product_and_brand():
    by_product = PercentageRule(label="p", percent=D("50"), scope=Scope(product_ids=frozenset({7})))
    by_brand = PercentageRule(label="b", percent=D("20"), scope=Scope(brand_ids=frozenset({3})))

    result = run(
        [line(1, product_id=7, price_="10.00"), line(2, brand_id=3, price_="10.00"), line(3, price_="10.00")],
        rules=[by_product, by_brand],
    )

    assert result.adjustments == (Adjustment("percentage", "p", D("5.00")), Adjustment("percentage", "b", D("2.00")))


def test_percentage_promotions_do_not_compound_the_best_one_per_line_wins():
    everything = PercentageRule(label="all 5%", percent=D("5"))
    brand = PercentageRule(label="brand 20%", percent=D("20"), scope=Scope(brand_ids=frozenset({3})))

    result = run([line(1, brand_id=3, price_="100.00"), line(2, price_="100.00")], rules=[everything, brand])

    assert result.adjustments == (
        Adjustment("percentage", "all 5%", D("5.00")),
        Adjustment("percentage", "brand 20%", D("20.00")),
    )


def test_percentage_discounts_round_half_up_per_line():
    result = run([line(price_="0.05")], rules=[PercentageRule(label="10%", percent=D("10"))])

    assert result.discount_total == D("0.01")
    assert result.total == D("10.04")


def test_the_threshold_counts_the_goods_after_percentage_promotions():
    sale = PercentageRule(label="10%", percent=D("10"))

    result = run([line(price_="210.00")], rules=[sale, MAN_JIAN])

    # 210 - 21 = 189 is below 200: no 满减.
    assert result.adjustments == (Adjustment("percentage", "10%", D("21.00")),)


def test_free_shipping_above_the_threshold_on_the_goods_after_discounts():
    free = FreeShippingRule(label="满 99 包邮", threshold=D("99"))

    reached = run([line(price_="99.00")], rules=[free])
    missed = run([line(price_="105.00")], rules=[free, PercentageRule(label="10%", percent=D("10"))])

    assert (reached.shipping_discount, reached.total) == (D("10.00"), D("99.00"))
    assert (missed.shipping_discount, missed.total) == (D("0.00"), D("104.50"))


def test_a_fixed_coupon_with_minimum_spend():
    welcome = CouponSpec(code="WELCOME20", kind="fixed", value=D("20"), min_spend=D("100"))

    used = run([line(price_="100.00")], coupon=welcome)
    short = run([line(price_="99.99")], coupon=welcome)

    assert used.adjustments == (Adjustment("coupon", "WELCOME20", D("20.00")),)
    assert (used.coupon_code, used.coupon_error, used.total) == ("WELCOME20", None, D("90.00"))
    assert (short.coupon_code, short.coupon_error, short.total) == (None, "coupon_min_spend_not_met", D("109.99"))


def test_a_percentage_coupon_is_capped():
    save10 = CouponSpec(code="SAVE10", kind="percent", value=D("10"), cap=D("50"))

    small = run([line(price_="123.45")], coupon=save10)
    large = run([line(price_="800.00")], coupon=save10)

    assert small.discount_total == D("12.35")
    assert large.discount_total == D("50.00")


def test_a_coupon_counts_only_the_lines_in_its_scope():
    coupon = CouponSpec(
        code="BRAND", kind="percent", value=D("10"), min_spend=D("50"), scope=Scope(brand_ids=frozenset({3}))
    )

    used = run([line(1, brand_id=3, price_="60.00"), line(2, price_="500.00")], coupon=coupon)
    short = run([line(1, brand_id=3, price_="40.00"), line(2, price_="500.00")], coupon=coupon)
    none_in_scope = run([line(2, price_="500.00")], coupon=coupon)

    assert used.adjustments == (Adjustment("coupon", "BRAND", D("6.00")),)
    assert used.line_discounts == ((1, D("6.00")), (2, D("0.00")))
    assert short.coupon_error == "coupon_min_spend_not_met"
    assert none_in_scope.coupon_error == "coupon_not_applicable"


def test_everything_stacks_in_order_percentage_threshold_coupon_shipping():
    sale = PercentageRule(label="10%", percent=D("10"), scope=Scope(product_ids=frozenset({1})))
    free = FreeShippingRule(label="包邮", threshold=D("99"))
    welcome = CouponSpec(code="WELCOME20", kind="fixed", value=D("20"), min_spend=D("100"))

    result = run(
        [line(1, price_="300.00"), line(2, price_="250.00")], rules=[sale, MAN_JIAN, free], coupon=welcome, points=2
    )

    # 550 - 30 (10% of 300) = 520 -> tier 500-60 -> 460 -> coupon 20 -> 440; free shipping.
    assert result.subtotal == D("550.00")
    assert result.adjustments == (
        Adjustment("percentage", "10%", D("30.00")),
        Adjustment("threshold", "满减", D("60.00")),
        Adjustment("coupon", "WELCOME20", D("20.00")),
    )
    assert result.discount_total == D("110.00")
    assert result.shipping_discount == D("10.00")
    assert result.total == D("440.00")
    assert result.points_earned == 880
    assert sum(amount for _, amount in result.line_discounts) == D("110.00")


def test_a_coupon_larger_than_the_goods_takes_the_goods_only():
    big = CouponSpec(code="BIG", kind="fixed", value=D("500"))

    result = run([line(price_="30.00")], coupon=big)

    assert result.discount_total == D("30.00")
    assert result.total == D("10.00")
    assert result.points_earned == 0


def test_points_are_floored_on_the_goods_after_discounts_without_shipping():
    result = run([line(price_="99.99")], points=3)

    assert result.points_earned == 297


@pytest.mark.parametrize(
    "bad",
    [
        {"lines": [line(qty=0)]},
        {"lines": [line(price_="-1.00")]},
        {"lines": [line()], "fee": D("-1")},
    ],
)
def test_impossible_input_is_refused(bad):
    with pytest.raises(ValueError):  # noqa: PT011
        run(bad["lines"], fee=bad.get("fee", FEE))
