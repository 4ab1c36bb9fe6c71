"""Payments' business errors, each with a stable code (the API's `code`)."""

from decimal import Decimal

from apps.core.domain.exceptions import DomainError, gettext_noop

# --- Refunds ------------------------------------------------------------------------------


class RefundExceedsPaid(DomainError):
    """More than what the payment has left once the other refunds hold their share."""

    code = "refund_exceeds_paid"
    http_status = 409
    default_detail = gettext_noop("The refund is more than what is left to refund on this order.")

    def __init__(self, refundable: Decimal, detail: str | None = None):
        super().__init__(detail)
        self.refundable = refundable


class OrderNotRefundable(DomainError):
    """Only money that came in goes back: a paid (shipped, completed, partly refunded) order."""

    code = "order_not_refundable"
    http_status = 409
    default_detail = gettext_noop("This order cannot be refunded.")


class PaymentNotRefundable(DomainError):
    """A payment that has not succeeded has nothing to refund."""

    code = "payment_not_refundable"
    http_status = 409
    default_detail = gettext_noop("This payment has not succeeded, so it cannot be refunded.")


class RefundNotAllowed(DomainError):
    """The refund's status does not allow the step (approving a rejected refund, ...)."""

    code = "refund_not_allowed"
    http_status = 409
    default_detail = gettext_noop("The refund cannot change to that status now.")

    def __init__(self, current: str, action: str, detail: str | None = None):
        super().__init__(detail)
        self.current = current
        self.action = action


class InvalidRefundAmount(DomainError):
    code = "invalid_refund_amount"
    default_detail = gettext_noop("A refund is an amount above zero, in yuan and fen.")


class NothingToReturn(DomainError):
    """Every item of the order is back already (or on its way, with another refund)."""

    code = "nothing_to_return"
    http_status = 409
    default_detail = gettext_noop("Every item of this order has been returned already.")


class InvalidRefundReason(DomainError):
    code = "invalid_refund_reason"
    default_detail = gettext_noop("Say why the money goes back, in at most 200 characters.")


class OrderNotFound(DomainError):
    """Refunds: no such order, or (for a customer) not theirs: the same answer for both."""

    code = "not_found"
    http_status = 404
    default_detail = gettext_noop("Not found.")


# --- Payments -----------------------------------------------------------------------------


class UnknownProvider(DomainError):
    code = "unknown_provider"
    default_detail = gettext_noop("Choose Alipay or WeChat Pay.")


class PaymentOrderNotFound(DomainError):
    """No such order, or another customer's: the same answer, so numbers cannot be probed."""

    code = "order_not_found"
    http_status = 404
    default_detail = gettext_noop("There is no such order among yours.")


class OrderNotPayable(DomainError):
    """Only an order waiting for payment can be paid (not a paid, cancelled, ... one)."""

    code = "order_not_payable"
    http_status = 409
    default_detail = gettext_noop("This order is not waiting for payment.")

    def __init__(self, status: str, detail: str | None = None):
        super().__init__(detail)
        self.status = status


class PaymentProviderUnavailable(DomainError):
    """The provider could not be reached, or answered with something the shop cannot trust."""

    code = "payment_provider_unavailable"
    http_status = 502
    default_detail = gettext_noop("The payment provider cannot be reached just now. Please try again in a moment.")

    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(detail)
        self.reason = reason


class NothingToPay(DomainError):
    """An order whose discounts cover everything: no provider takes a payment of 0."""

    code = "nothing_to_pay"
    http_status = 409
    default_detail = gettext_noop("This order has nothing to pay.")
