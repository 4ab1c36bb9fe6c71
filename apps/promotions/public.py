"""Promotions' front door for cart and orders: shipping methods, pricing, coupon use."""

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from apps.promotions import services
from apps.promotions.domain.exceptions import COUPON_ERRORS, CouponError, UnknownShippingMethod
from apps.promotions.domain.pricing import KIND_COUPON, Adjustment, Breakdown, PricingLine
from apps.promotions.services import RedeemedCoupon, ShippingMethod, coupon_redeem, coupon_release

__all__ = [
    "COUPON_ERRORS",
    "KIND_COUPON",
    "SHIPPING_METHODS",
    "Adjustment",
    "Breakdown",
    "CouponError",
    "PricingLine",
    "RedeemedCoupon",
    "ShippingMethod",
    "UnknownShippingMethod",
    "coupon_redeem",
    "coupon_release",
    "price_cart",
    "shipping_method_get",
    "shipping_methods",
]


DEFAULT_SHIPPING_METHOD = "standard"

SHIPPING_METHODS: tuple[ShippingMethod, ...] = (
    ShippingMethod(code="standard", label=_("Standard delivery"), fee=Decimal("10.00")),
    ShippingMethod(code="express", label=_("Express delivery"), fee=Decimal("25.00")),
)


def shipping_methods() -> tuple[ShippingMethod, ...]:
    return SHIPPING_METHODS


def shipping_method_get(*, code: str) -> ShippingMethod:
    for method in SHIPPING_METHODS:
        if method.code == code:
            return method
    raise UnknownShippingMethod()


def price_cart(
    *,
    lines: list[PricingLine],
    coupon_code: str | None = None,
    user_id: int | None = None,
    shipping_method: str = DEFAULT_SHIPPING_METHOD,
    at: datetime | None = None,
) -> Breakdown:
    """The breakdown of a cart (or an order being placed) at `at`, now by default.

    An unusable coupon never raises: the breakdown leaves it out and carries its error
    code in `coupon_error` (one of COUPON_ERRORS). An unknown shipping method raises
    UnknownShippingMethod (the caller offers only SHIPPING_METHODS). An empty cart
    costs nothing, shipping included.
    """
    method = shipping_method_get(code=shipping_method)
    fee = method.fee if lines else Decimal("0.00")
    return services.price_cart(lines=lines, shipping_fee=fee, coupon_code=coupon_code, user_id=user_id, at=at)
