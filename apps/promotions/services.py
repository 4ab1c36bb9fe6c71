"""Promotion use cases: pricing a cart with the live rules, redeeming and releasing coupons.

The total limit of a coupon holds under any concurrency because a use is claimed by one
conditional UPDATE (`used_count < total_limit`); that UPDATE also locks the coupon row
until the transaction ends, so the per-customer count that follows it is serialised.
"""

import dataclasses
import time
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.observability import business_log
from apps.promotions import selectors
from apps.promotions.domain import pricing
from apps.promotions.domain.exceptions import (
    COUPON_ERRORS,
    CouponError,
    CouponExpired,
    CouponLimitReached,
    CouponNotApplicable,
    CouponNotFound,
    CouponNotStarted,
)
from apps.promotions.models import Coupon, CouponRedemption


@dataclasses.dataclass(frozen=True)
class ShippingMethod:
    code: str
    label: str
    fee: Decimal


@dataclasses.dataclass(frozen=True)
class RedeemedCoupon:
    coupon_id: int
    code: str
    user_id: int
    order_reference: str


def points_per_yuan() -> int:
    return int(getattr(settings, "POINTS_PER_YUAN", 1))


def price_cart(
    *,
    lines: list[pricing.PricingLine],
    shipping_fee: Decimal,
    coupon_code: str | None = None,
    user_id: int | None = None,
    at: datetime | None = None,
) -> pricing.Breakdown:
    """Price `lines` with the promotions live at `at` (now by default).

    A coupon that cannot be used gives the breakdown without it and `coupon_error` set
    to the error's code: pricing a cart never fails because of a coupon.
    """
    at = at or timezone.now()
    rules = selectors.pricing_rules_at(at=at)
    coupon_spec = None
    coupon_error = None
    if coupon_code and coupon_code.strip():
        try:
            coupon = coupon_usable(code=coupon_code, user_id=user_id, at=at)
        except CouponError as exc:
            coupon_error = exc.code
        else:
            coupon_spec = selectors.coupon_spec(coupon=coupon)
    breakdown = pricing.price(
        lines, rules=rules, coupon=coupon_spec, shipping_fee=shipping_fee, points_per_yuan=points_per_yuan()
    )
    if coupon_error:
        breakdown = dataclasses.replace(breakdown, coupon_error=coupon_error)
    return breakdown


def coupon_usable(*, code: str, user_id: int | None, at: datetime) -> Coupon:
    """The coupon, if it may be used at `at` (by `user_id`, when given); else a CouponError."""
    coupon = selectors.coupon_get_by_code(code=code)
    if coupon is None or not coupon.is_active:
        raise CouponNotFound()
    if at < coupon.starts_at:
        raise CouponNotStarted()
    if at >= coupon.ends_at:
        raise CouponExpired()
    if coupon.total_limit is not None and coupon.used_count >= coupon.total_limit:
        raise CouponLimitReached()
    if user_id is not None and _user_at_limit(coupon, user_id):
        raise CouponLimitReached()
    return coupon


def coupon_redeem(
    *,
    code: str,
    user_id: int,
    order_reference: str,
    breakdown: pricing.Breakdown | None = None,
    at: datetime | None = None,
) -> RedeemedCoupon:
    """Use a coupon for an order; call it inside the order's transaction.

    `breakdown`, when given, is the pricing the order was placed with: the coupon must
    be the one it applied (so the minimum spend and scope were met). Redeeming again for
    the same order and coupon returns the first redemption.
    """
    at = at or timezone.now()
    if breakdown is not None and (breakdown.coupon_code or "").lower() != code.strip().lower():
        raise COUPON_ERRORS.get(breakdown.coupon_error or "", CouponNotApplicable)()
    with transaction.atomic():
        earlier = (
            CouponRedemption.objects.select_related("coupon")
            .filter(order_reference=order_reference, released_at__isnull=True)
            .first()
        )
        if earlier is not None:
            if earlier.coupon.code.lower() != code.strip().lower():
                raise ValueError(f"order {order_reference} already uses coupon {earlier.coupon.code}")
            return _redeemed(earlier)
        coupon = coupon_usable(code=code, user_id=None, at=at)
        claimed = (
            Coupon.objects.filter(pk=coupon.pk)
            .filter(Q(total_limit__isnull=True) | Q(used_count__lt=F("total_limit")))
            .update(used_count=F("used_count") + 1)
        )
        if not claimed:
            raise CouponLimitReached()
        # The UPDATE above holds the coupon's row lock until commit: this count cannot race.
        if _user_at_limit(coupon, user_id):
            raise CouponLimitReached()
        redemption = CouponRedemption.objects.create(coupon=coupon, user_id=user_id, order_reference=order_reference)
    business_log("coupon_redeemed", coupon_id=coupon.pk, user_id=user_id, order_reference=order_reference)
    return _redeemed(redemption)


def coupon_release(*, order_reference: str) -> bool:
    """Give an order's coupon use back (order cancelled). False if there was none to release."""
    with transaction.atomic():
        redemption = (
            CouponRedemption.objects.select_for_update()
            .filter(order_reference=order_reference, released_at__isnull=True)
            .first()
        )
        if redemption is None:
            return False
        redemption.released_at = timezone.now()
        redemption.save(update_fields=["released_at"])
        Coupon.objects.filter(pk=redemption.coupon_id, used_count__gt=0).update(used_count=F("used_count") - 1)
    business_log("coupon_released", coupon_id=redemption.coupon_id, order_reference=order_reference)
    return True


def promotion_rules_changed() -> None:
    """Start a new generation of the cached rules; call after any promotion changes."""
    cache.set(selectors.RULES_VERSION_KEY, time.time_ns(), timeout=None)


def _user_at_limit(coupon: Coupon, user_id: int) -> bool:
    if coupon.per_user_limit is None:
        return False
    return selectors.coupon_uses_by_user(coupon_id=coupon.pk, user_id=user_id) >= coupon.per_user_limit


def _redeemed(redemption: CouponRedemption) -> RedeemedCoupon:
    return RedeemedCoupon(
        coupon_id=redemption.coupon_id,
        code=redemption.coupon.code,
        user_id=redemption.user_id,
        order_reference=redemption.order_reference,
    )
