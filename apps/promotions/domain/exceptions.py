from apps.core.domain.exceptions import DomainError, gettext_noop
from apps.promotions.domain import pricing


class CouponError(DomainError):
    """A coupon cannot be used; `code` is what Breakdown.coupon_error carries."""

    code = "coupon_invalid"


class CouponNotFound(CouponError):
    code = "coupon_not_found"
    http_status = 404
    default_detail = gettext_noop("There is no such coupon.")


class CouponExpired(CouponError):
    code = "coupon_expired"
    default_detail = gettext_noop("This coupon has expired.")


class CouponNotStarted(CouponError):
    code = "coupon_not_started"
    default_detail = gettext_noop("This coupon cannot be used yet.")


class CouponLimitReached(CouponError):
    code = "coupon_limit_reached"
    http_status = 409
    default_detail = gettext_noop("This coupon has been used as often as it may be.")


class CouponMinSpendNotMet(CouponError):
    code = pricing.COUPON_MIN_SPEND_NOT_MET
    default_detail = gettext_noop("Spend a little more to use this coupon.")


class CouponNotApplicable(CouponError):
    code = pricing.COUPON_NOT_APPLICABLE
    default_detail = gettext_noop("This coupon does not apply to the items in your cart.")


COUPON_ERRORS = {
    error.code: error
    for error in (
        CouponNotFound,
        CouponExpired,
        CouponNotStarted,
        CouponLimitReached,
        CouponMinSpendNotMet,
        CouponNotApplicable,
    )
}


class UnknownShippingMethod(DomainError):
    code = "unknown_shipping_method"
    default_detail = gettext_noop("Choose one of the offered shipping methods.")
