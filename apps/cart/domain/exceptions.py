from apps.core.domain.exceptions import DomainError, ServiceUnavailable, gettext_noop


class SkuNotAvailable(DomainError):
    code = "sku_unavailable"
    http_status = 409
    default_detail = gettext_noop("This item is not available.")


class QuantityNotAvailable(DomainError):
    code = "quantity_unavailable"
    http_status = 409
    default_detail = gettext_noop("Not enough stock for this quantity.")

    def __init__(self, available: int, detail: str | None = None):
        super().__init__(detail)
        self.available = available


class InvalidQuantity(DomainError):
    code = "invalid_quantity"
    default_detail = gettext_noop("Quantities must be whole numbers from 1 to 99.")


class CartItemNotFound(DomainError):
    code = "cart_item_not_found"
    http_status = 404
    default_detail = gettext_noop("This item is not in the cart.")


class InvalidCartToken(DomainError):
    code = "invalid_cart_token"
    default_detail = gettext_noop("The cart token is not valid.")


class CartNotReady(DomainError):
    code = "cart_not_ready"
    http_status = 409
    default_detail = gettext_noop(
        "Some items in your cart are unavailable, short of stock or changed price. Please review your cart."
    )


class CartUnavailable(ServiceUnavailable):
    """The cart store (Redis) cannot be reached: the cart fails loudly rather than
    showing an empty cart or dropping a line the customer added."""

    code = "cart_unavailable"
    default_detail = gettext_noop("The cart is unavailable right now, please try again shortly.")
