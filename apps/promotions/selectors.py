"""Reads for pricing: the promotions live at a moment, and coupons by code."""

import dataclasses
import time
from collections import defaultdict
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Q

from apps.promotions.domain import pricing
from apps.promotions.models import (
    Coupon,
    CouponRedemption,
    FreeShippingPromotion,
    PercentagePromotion,
    ThresholdTier,
)

# Rules are cached per five-minute bucket: the entry holds every rule live at any moment
# of the bucket, with its window, and the exact moment is filtered in Python, so a rule
# starting or ending inside a bucket is still exact to the second.
RULES_BUCKET_SECONDS = 300
RULES_VERSION_KEY = "promotions:rules:version"


@dataclasses.dataclass(frozen=True)
class TimedRule:
    starts_at: datetime
    ends_at: datetime
    rule: pricing.Rule

    def live_at(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


def pricing_rules_at(*, at: datetime) -> tuple[pricing.Rule, ...]:
    """The promotions that apply at `at`, as the pure pricing rules (cached: see above)."""
    bucket_start = datetime.fromtimestamp(at.timestamp() // RULES_BUCKET_SECONDS * RULES_BUCKET_SECONDS, tz=at.tzinfo)
    # A version that was evicted comes back as a new one, never as an old number.
    version = cache.get_or_set(RULES_VERSION_KEY, time.time_ns, timeout=None)
    key = f"promotions:rules:{version}:{int(bucket_start.timestamp())}"
    timed = cache.get(key)
    if timed is None:
        timed = _rules_between(bucket_start, bucket_start + timedelta(seconds=RULES_BUCKET_SECONDS))
        cache.set(key, timed, RULES_BUCKET_SECONDS * 2)
    return tuple(item.rule for item in timed if item.live_at(at))


def _live(start: datetime, end: datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}is_active": True, f"{prefix}starts_at__lt": end, f"{prefix}ends_at__gt": start})


def _rules_between(start: datetime, end: datetime) -> tuple[TimedRule, ...]:
    rules: list[TimedRule] = []

    tiers: dict[int, list] = defaultdict(list)
    windows: dict[int, tuple] = {}
    for promotion_id, name, starts_at, ends_at, threshold, amount in (
        ThresholdTier.objects.filter(_live(start, end, "promotion__"))
        .order_by("promotion__starts_at", "promotion_id", "threshold")
        .values_list(
            "promotion_id", "promotion__name", "promotion__starts_at", "promotion__ends_at", "threshold", "amount"
        )
    ):
        tiers[promotion_id].append((threshold, amount))
        windows[promotion_id] = (name, starts_at, ends_at)
    for promotion_id, (name, starts_at, ends_at) in windows.items():
        rules.append(TimedRule(starts_at, ends_at, pricing.ThresholdRule(label=name, tiers=tuple(tiers[promotion_id]))))

    percentage = list(
        PercentagePromotion.objects.filter(_live(start, end))
        .order_by("starts_at", "id")
        .values_list("id", "name", "starts_at", "ends_at", "percent")
    )
    if percentage:
        scopes = _scopes(PercentagePromotion, "percentagepromotion_id", [row[0] for row in percentage])
        for promotion_id, name, starts_at, ends_at, percent in percentage:
            rule = pricing.PercentageRule(label=name, percent=percent, scope=scopes[promotion_id])
            rules.append(TimedRule(starts_at, ends_at, rule))

    for name, starts_at, ends_at, threshold in (
        FreeShippingPromotion.objects.filter(_live(start, end))
        .order_by("starts_at", "id")
        .values_list("name", "starts_at", "ends_at", "threshold")
    ):
        rules.append(TimedRule(starts_at, ends_at, pricing.FreeShippingRule(label=name, threshold=threshold)))
    return tuple(rules)


def _scopes(model, owner_field: str, owner_ids: list[int]) -> dict[int, pricing.Scope]:
    """Scopes of many promotions or coupons: one query per kind of scope, not per owner."""
    products: dict[int, set] = defaultdict(set)
    paths: dict[int, set] = defaultdict(set)
    brands: dict[int, set] = defaultdict(set)
    filter_ = {f"{owner_field}__in": owner_ids}
    for owner, product_id in model.products.through.objects.filter(**filter_).values_list(owner_field, "product_id"):
        products[owner].add(product_id)
    for owner, path in model.categories.through.objects.filter(**filter_).values_list(owner_field, "category__path"):
        paths[owner].add(path)
    for owner, brand_id in model.brands.through.objects.filter(**filter_).values_list(owner_field, "brand_id"):
        brands[owner].add(brand_id)
    return {
        owner: pricing.Scope(
            product_ids=frozenset(products[owner]),
            category_paths=frozenset(paths[owner]),
            brand_ids=frozenset(brands[owner]),
        )
        for owner in owner_ids
    }


def coupon_get_by_code(*, code: str) -> Coupon | None:
    return Coupon.objects.filter(code__iexact=code.strip()).first()


def coupon_spec(*, coupon: Coupon) -> pricing.CouponSpec:
    return pricing.CouponSpec(
        code=coupon.code,
        kind=coupon.kind,
        value=coupon.value,
        cap=coupon.cap,
        min_spend=coupon.min_spend,
        scope=_scopes(Coupon, "coupon_id", [coupon.pk])[coupon.pk],
    )


def coupon_uses_by_user(*, coupon_id: int, user_id: int) -> int:
    return CouponRedemption.objects.filter(coupon_id=coupon_id, user_id=user_id, released_at__isnull=True).count()
