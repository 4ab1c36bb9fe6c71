"""Payment and refund statuses (plain Python: the model choices and the services share them)."""

import enum


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"  # created, the customer is at the cashier
    SUCCEEDED = "succeeded"  # the provider says paid (verified notification or query)
    FAILED = "failed"  # the provider says the payment failed
    CLOSED = "closed"  # given up: the order was cancelled or paid another way


class RefundStatus(enum.StrEnum):
    REQUESTED = "requested"  # a customer asked; waits for staff approval
    PROCESSING = "processing"  # approved (or created by staff), sent to the provider
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the provider refused; the amount is free to refund again
    REJECTED = "rejected"  # staff said no


# Refunds that hold part of the paid amount: their sum may never exceed it.
OPEN_OR_DONE_REFUNDS = frozenset({RefundStatus.REQUESTED, RefundStatus.PROCESSING, RefundStatus.SUCCEEDED})
