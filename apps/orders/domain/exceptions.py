from apps.core.domain.exceptions import DomainError, gettext_noop


class SkuUnavailable(DomainError):
    code = "sku_unavailable"
    http_status = 409
    default_detail = gettext_noop("An item in the order can no longer be bought.")

    def __init__(self, sku_id: int, detail: str | None = None):
        super().__init__(detail or f"SKU {sku_id} can no longer be bought.")
        self.sku_id = sku_id


class CouponInvalid(DomainError):
    code = "coupon_invalid"
    default_detail = gettext_noop("The coupon cannot be used for this order.")

    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(detail or f"The coupon cannot be used for this order ({reason}).")
        self.reason = reason


class AddressNotFound(DomainError):
    code = "address_not_found"
    default_detail = gettext_noop("Choose one of your own delivery addresses.")


class EmptyOrder(DomainError):
    code = "empty_order"
    default_detail = gettext_noop("An order needs at least one item.")


class InvalidQuantity(DomainError):
    code = "invalid_quantity"
    default_detail = gettext_noop("Quantities must be whole numbers above zero.")


class PaymentAmountMismatch(DomainError):
    """A payment that does not cover the order exactly: the provider's amount is checked
    against the total priced at placement, never trusted."""

    code = "payment_amount_mismatch"
    default_detail = gettext_noop("The amount paid does not match the order total.")

    def __init__(self, expected, received, detail: str | None = None):
        super().__init__(detail)
        self.expected = expected
        self.received = received
