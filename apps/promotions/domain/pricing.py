"""The pricing engine: cart lines + rules + coupon -> an itemised breakdown.

Plain Python and pure: the same input always gives the same Breakdown, nothing is read
from the database or the clock. The cart page, checkout, the API and order placement all
call it (through apps.promotions.public.price_cart), so they cannot disagree.

Stacking, in this order (docs/promotions.md has worked examples):

1. Percentage promotions, per line: a line gets the single best percentage promotion
   whose scope covers it (they never compound).
2. Threshold (满减) promotions on the goods left after step 1: the tier giving the largest
   amount whose threshold is reached, across all threshold promotions (only one applies).
3. The coupon, on the lines in its scope after steps 1 and 2 (the threshold discount is
   spread over the lines in proportion); its minimum spend is checked on that amount.
4. Discounts never exceed the goods; free shipping when the goods after discounts reach
   a free-shipping threshold; points = floor(goods after discounts) x points per yuan.

Every amount is whole cents (ROUND_HALF_UP) and never negative.
"""

import dataclasses
from collections.abc import Iterable, Sequence
from decimal import ROUND_FLOOR, Decimal

from apps.core.domain.money import ZERO, allocate, to_money

HUNDRED = Decimal(100)

KIND_PERCENTAGE = "percentage"
KIND_THRESHOLD = "threshold"
KIND_COUPON = "coupon"

COUPON_FIXED = "fixed"
COUPON_PERCENT = "percent"

# Stable codes of the coupon errors the pure function can find itself; the others
# (not found, expired, limits) come from the database and use the same vocabulary.
COUPON_MIN_SPEND_NOT_MET = "coupon_min_spend_not_met"
COUPON_NOT_APPLICABLE = "coupon_not_applicable"


@dataclasses.dataclass(frozen=True)
class PricingLine:
    sku_id: int
    product_id: int
    category_path: str  # materialised path: a category scope covers the paths it prefixes
    brand_id: int | None
    unit_price: Decimal
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return to_money(self.unit_price * self.quantity)


@dataclasses.dataclass(frozen=True)
class Scope:
    """Which lines a percentage promotion or a coupon covers. Empty: every line."""

    product_ids: frozenset[int] = frozenset()
    category_paths: frozenset[str] = frozenset()
    brand_ids: frozenset[int] = frozenset()

    @property
    def is_everything(self) -> bool:
        return not (self.product_ids or self.category_paths or self.brand_ids)

    def covers(self, line: PricingLine) -> bool:
        if self.is_everything:
            return True
        return (
            line.product_id in self.product_ids
            or (line.brand_id is not None and line.brand_id in self.brand_ids)
            or any(line.category_path.startswith(path) for path in self.category_paths)
        )


EVERYTHING = Scope()


@dataclasses.dataclass(frozen=True)
class ThresholdRule:
    """满减: spend at least `threshold`, get `amount` off; tiers are (threshold, amount)."""

    label: str
    tiers: tuple[tuple[Decimal, Decimal], ...]


@dataclasses.dataclass(frozen=True)
class PercentageRule:
    label: str
    percent: Decimal  # 0 to 100: 10 means 10% off
    scope: Scope = EVERYTHING


@dataclasses.dataclass(frozen=True)
class FreeShippingRule:
    label: str
    threshold: Decimal


Rule = ThresholdRule | PercentageRule | FreeShippingRule


@dataclasses.dataclass(frozen=True)
class CouponSpec:
    code: str
    kind: str  # COUPON_FIXED (value is an amount) or COUPON_PERCENT (value is 0 to 100)
    value: Decimal
    cap: Decimal | None = None  # the most a percentage coupon takes off
    min_spend: Decimal = ZERO
    scope: Scope = EVERYTHING


@dataclasses.dataclass(frozen=True)
class Adjustment:
    kind: str  # KIND_PERCENTAGE, KIND_THRESHOLD or KIND_COUPON
    label: str
    amount: Decimal  # positive: what it takes off the goods


@dataclasses.dataclass(frozen=True)
class Breakdown:
    subtotal: Decimal
    adjustments: tuple[Adjustment, ...]
    discount_total: Decimal  # the sum of the adjustments
    shipping_fee: Decimal
    shipping_discount: Decimal  # the whole fee when a free-shipping promotion applies
    total: Decimal  # subtotal - discount_total + shipping_fee - shipping_discount
    points_earned: int
    coupon_code: str | None  # the coupon that was applied
    coupon_error: str | None  # why the coupon asked for was not applied
    # (sku_id, discount) per line, in line order: the discounts spread over the lines, so
    # that an order can snapshot what each line really cost and refund lines exactly.
    line_discounts: tuple[tuple[int, Decimal], ...] = ()

    @property
    def goods_total(self) -> Decimal:
        return self.subtotal - self.discount_total


def price(
    lines: Sequence[PricingLine],
    *,
    rules: Iterable[Rule],
    coupon: CouponSpec | None,
    shipping_fee: Decimal,
    points_per_yuan: int,
) -> Breakdown:
    lines = tuple(lines)
    rules = tuple(rules)
    _check_input(lines, shipping_fee=shipping_fee, points_per_yuan=points_per_yuan)
    shipping_fee = to_money(shipping_fee)
    gross = [line.line_total for line in lines]
    subtotal = to_money(sum(gross, ZERO))
    net = list(gross)
    adjustments: list[Adjustment] = []

    # 1. Percentage promotions: the best one per line.
    percentage_rules = [rule for rule in rules if isinstance(rule, PercentageRule)]
    taken_by_rule = [ZERO] * len(percentage_rules)
    for i, line in enumerate(lines):
        best = _best_percentage(percentage_rules, line)
        if best is None:
            continue
        off = min(to_money(gross[i] * percentage_rules[best].percent / HUNDRED), net[i])
        net[i] -= off
        taken_by_rule[best] += off
    for rule, taken in zip(percentage_rules, taken_by_rule, strict=True):
        if taken > 0:
            adjustments.append(Adjustment(KIND_PERCENTAGE, rule.label, taken))

    # 2. The best threshold tier on what remains.
    goods = sum(net, ZERO)
    best_tier = _best_threshold(rules, goods)
    if best_tier is not None:
        label, amount = best_tier
        amount = min(amount, goods)
        if amount > 0:
            net = _spread(net, amount)
            adjustments.append(Adjustment(KIND_THRESHOLD, label, amount))

    # 3. The coupon within its scope.
    coupon_code = coupon_error = None
    if coupon is not None:
        in_scope = [i for i, line in enumerate(lines) if coupon.scope.covers(line)]
        eligible = sum((net[i] for i in in_scope), ZERO)
        if not in_scope:
            coupon_error = COUPON_NOT_APPLICABLE
        elif eligible < to_money(coupon.min_spend):
            coupon_error = COUPON_MIN_SPEND_NOT_MET
        else:
            amount = min(_coupon_amount(coupon, eligible), eligible)
            if amount > 0:
                shares = allocate(amount, [net[i] for i in in_scope])
                for i, share in zip(in_scope, shares, strict=True):
                    net[i] -= share
                adjustments.append(Adjustment(KIND_COUPON, coupon.code, amount))
                coupon_code = coupon.code
            else:
                coupon_error = COUPON_NOT_APPLICABLE

    # 4. Totals, shipping and points.
    discount_total = to_money(sum((a.amount for a in adjustments), ZERO))
    goods_total = subtotal - discount_total
    free_shipping = any(
        isinstance(rule, FreeShippingRule) and goods_total >= to_money(rule.threshold) for rule in rules
    )
    shipping_discount = shipping_fee if free_shipping and lines else ZERO
    total = goods_total + shipping_fee - shipping_discount
    points = int(goods_total.to_integral_value(rounding=ROUND_FLOOR)) * points_per_yuan
    return Breakdown(
        subtotal=subtotal,
        adjustments=tuple(adjustments),
        discount_total=discount_total,
        shipping_fee=shipping_fee,
        shipping_discount=shipping_discount,
        total=to_money(total),
        points_earned=points,
        coupon_code=coupon_code,
        coupon_error=coupon_error,
        line_discounts=tuple((line.sku_id, to_money(g - n)) for line, g, n in zip(lines, gross, net, strict=True)),
    )


def _check_input(lines: tuple[PricingLine, ...], *, shipping_fee: Decimal, points_per_yuan: int) -> None:
    for line in lines:
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity <= 0:
            raise ValueError(f"quantity must be a whole number above zero, not {line.quantity!r}")
        if to_money(line.unit_price) < 0:
            raise ValueError(f"unit price must not be negative, not {line.unit_price!r}")
    if to_money(shipping_fee) < 0:
        raise ValueError("the shipping fee must not be negative")
    if points_per_yuan < 0:
        raise ValueError("points per yuan must not be negative")


def _best_percentage(rules: list[PercentageRule], line: PricingLine) -> int | None:
    """The index of the covering rule with the highest percent (the first on ties)."""
    best = None
    for index, rule in enumerate(rules):
        percent = _percent(rule.percent)
        if percent > 0 and rule.scope.covers(line) and (best is None or percent > _percent(rules[best].percent)):
            best = index
    return best


def _best_threshold(rules: tuple[Rule, ...], goods: Decimal) -> tuple[str, Decimal] | None:
    """The (label, amount) of the reached tier that takes most off (the first on ties)."""
    best = None
    for rule in rules:
        if not isinstance(rule, ThresholdRule):
            continue
        for threshold, amount in rule.tiers:
            amount = to_money(amount)
            if goods >= to_money(threshold) and amount > 0 and (best is None or amount > best[1]):
                best = (rule.label, amount)
    return best


def _coupon_amount(coupon: CouponSpec, eligible: Decimal) -> Decimal:
    if coupon.kind == COUPON_FIXED:
        return max(to_money(coupon.value), ZERO)
    if coupon.kind == COUPON_PERCENT:
        amount = to_money(eligible * _percent(coupon.value) / HUNDRED)
        if coupon.cap is not None:
            amount = min(amount, max(to_money(coupon.cap), ZERO))
        return amount
    raise ValueError(f"unknown coupon kind {coupon.kind!r}")


def _percent(value: Decimal) -> Decimal:
    """Clamped to 0..100: a bad rule must not make a total negative or raise prices."""
    return min(max(Decimal(value), ZERO), HUNDRED)


def _spread(net: list[Decimal], amount: Decimal) -> list[Decimal]:
    """Take `amount` off the lines in proportion to what each still costs."""
    shares = allocate(amount, net)
    return [n - s for n, s in zip(net, shares, strict=True)]
