"""Payments' reactions to other apps' events (subscribed by topic; nothing imported)."""

from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from apps.accounts.public import customer_mail_send
from apps.core.observability import business_log
from apps.core.outbox import event_handler
from apps.orders import public as orders_public
from apps.payments import selectors
from apps.payments.domain.events import PaymentSucceeded
from apps.payments.models import Payment, Provider, Refund

# --- Payments -----------------------------------------------------------------------------


@event_handler(PaymentSucceeded.topic, name="payments.mark_order_paid")
def mark_order_paid(payload: dict) -> None:
    """The money came in: the order becomes paid (orders publishes OrderPaid, and inventory
    commits the stock). A payment the order cannot take (it was cancelled meanwhile, or
    another payment paid it first) goes back to the customer in full."""
    payment = selectors.payment_get(payment_id=payload["payment_id"])
    if payment is None or payment.status != Payment.Status.SUCCEEDED:
        return
    try:
        orders_public.order_mark_paid(
            order_number=payment.order_number, amount=payment.amount, provider=payment.provider, paid_at=payment.paid_at
        )
        return
    except orders_public.IllegalTransition:
        pass
    order = orders_public.payment_order_get(number=payment.order_number)
    cancelled = order is not None and order.status == orders_public.OrderStatus.CANCELLED
    if not cancelled and not selectors.payment_other_succeeded_exists(payment=payment):
        # Paid already, and not by another of our payments (nothing else pays an order
        # today): leave the money where it is and say so.
        business_log("payment_not_applied", payment_id=payment.pk, order_number=payment.order_number)
        return
    from apps.payments.services.refunds import refund_for_cancelled_order  # the refunds module, written apart

    if cancelled:
        refund = refund_for_cancelled_order(payment_id=payment.pk)
    else:
        refund = refund_for_cancelled_order(payment_id=payment.pk, reason="order paid by another payment")
    business_log(
        "payment_refunded_automatically",
        payment_id=payment.pk,
        order_number=payment.order_number,
        why="order_cancelled" if cancelled else "order_paid_already",
        refund_id=refund.pk,
    )


@event_handler("orders.order_paid.v1", name="payments.mail_payment_received")
def mail_payment_received(payload: dict) -> None:
    """Tell the customer, in their language, that their payment arrived.

    Expects orders' OrderPaid contract: number, user_id, total, provider, paid_at.
    """
    provider = payload.get("provider", "")
    provider_label = Provider(provider).label if provider in Provider.values else provider
    customer_mail_send(
        user_id=payload["user_id"],
        template="payments/email/payment_received",
        context={
            "order_number": payload["number"],
            "total": Decimal(payload["total"]),
            "provider": provider_label,
            "order_url": settings.SITE_URL.rstrip("/") + reverse("orders:detail", kwargs={"number": payload["number"]}),
        },
    )


# --- Refunds ------------------------------------------------------------------------------


@event_handler("payments.refund_succeeded.v1", name="payments.mail_refund_succeeded")
def mail_refund_succeeded(payload: dict) -> None:
    """Tell the customer, in their language, that the money is on its way back."""
    refund = Refund.objects.filter(pk=payload["refund_id"], status=Refund.Status.SUCCEEDED).first()
    if refund is None:  # not (or no longer) a succeeded refund: nothing to announce
        return
    customer_mail_send(
        user_id=payload["user_id"],
        template="payments/email/refund_succeeded",
        context={
            "order_number": refund.order_number,
            "amount": refund.amount,
            "refunded_total": payload["refunded_total"],
            "fully_refunded": payload["fully_refunded"],
            "return_goods": refund.return_goods,
            "reason": refund.reason,
        },
    )
