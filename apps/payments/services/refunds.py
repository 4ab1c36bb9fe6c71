"""Refund use cases: a customer asks, staff approve (or create one), the provider refunds.

The cap: the refunds holding part of a payment (requested, processing, succeeded) never
add up to more than it, whatever runs at once. Every path that holds or frees part of a
payment locks its row first (select_for_update) and moves `refund_held` under that lock;
the CHECK constraint `0 <= refund_held <= amount` backs the rule in the database.

    requested --approve--> processing --provider says yes--> succeeded  (RefundSucceeded)
        |                      |------provider says no---> failed     (amount free again)
        +--reject--> rejected (amount free again)

A customer's request waits for staff; a refund staff create in the back office, and the
system's refund of a payment that came in for a cancelled order, start at processing.
The provider is called outside our transaction, and providers refund a merchant refund
number once, so a refund left processing by a network error is simply sent again
(`refund_approve` on it, or `refunds_resend_processing`).

RefundSucceeded (the outbox, in the transaction that records the success) drives the
rest: the order becomes refunded or partially refunded and gives back the refunded
share of its points (orders), returned goods go back on hand (inventory), and the
customer gets a mail (payments' handler).
"""

import logging
import secrets
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.core.domain.money import CENT, ZERO
from apps.core.observability import business_log
from apps.core.outbox import publish
from apps.orders import public as orders_public
from apps.payments.domain import exceptions
from apps.payments.domain.events import RefundSucceeded
from apps.payments.domain.status import OPEN_OR_DONE_REFUNDS, PaymentStatus, RefundStatus
from apps.payments.gateways.base import RefundOutcome
from apps.payments.gateways.registry import gateway_for
from apps.payments.models import Payment, Refund

logger = logging.getLogger(__name__)

REASON_MAX_LENGTH = Refund._meta.get_field("reason").max_length
FAILURE_MAX_LENGTH = Refund._meta.get_field("failure_reason").max_length
CANCELLED_ORDER_REASON = "order cancelled"
# Decided by the system, not by staff: approved when created, by nobody.
_SYSTEM_DECIDED = Q(approved_by__isnull=True, approved_at__isnull=False)
# A refund still processing this long after it was sent is sent again (the provider
# refunds one merchant refund number once).
RESEND_AFTER = timedelta(minutes=5)


# --- Reads --------------------------------------------------------------------------------


def refund_list_for_order(*, order_number: str) -> QuerySet[Refund]:
    """The refunds of an order, the newest first."""
    return Refund.objects.filter(order_number=order_number).order_by("-created_at", "-id")


def refund_payment_for_order(*, order_number: str) -> Payment | None:
    """The payment refunds of the order draw on: its first successful one that the system
    has not sent back as one the order could not take (see refund_for_cancelled_order)."""
    return (
        Payment.objects.filter(order_number=order_number, status=PaymentStatus.SUCCEEDED)
        .exclude(pk__in=Refund.objects.filter(_SYSTEM_DECIDED).values("payment_id"))
        .order_by("paid_at", "id")
        .first()
    )


def refundable_amount(*, order_number: str) -> Decimal:
    """What is left to ask for: paid, minus what refunds hold (requested, processing, done)."""
    payment = refund_payment_for_order(order_number=order_number)
    return payment.amount - payment.refund_held if payment else ZERO


# --- Requests and creation ------------------------------------------------------------------


def refund_request(*, order_number: str, user, amount: Decimal, reason: str, return_goods: bool = False) -> Refund:
    """A customer asks for (part of) their money back; the refund waits for staff.

    OrderNotFound for an order that is not theirs, OrderNotRefundable unless money came
    in and some is left (paid, shipped, completed, partly refunded), RefundExceedsPaid
    above what the other refunds leave, NothingToReturn when every item is back already.
    """
    order = orders_public.refund_order_get(number=order_number, user_id=user.pk)
    if order is None:
        raise exceptions.OrderNotFound()
    refund = _hold(
        order=order,
        amount=amount,
        reason=reason,
        return_goods=return_goods,
        requested_by_id=user.pk,
        approved_by=None,
    )
    business_log(
        "refund_requested",
        refund_id=refund.pk,
        order_number=refund.order_number,
        amount=str(refund.amount),
        user_id=user.pk,
    )
    return refund


def refund_create_by_staff(
    *, order_number: str, amount: Decimal, reason: str, return_goods: bool = False, staff
) -> Refund:
    """Staff refund an order in the back office: approved by them, sent to the provider now.

    The customer is the one who asked (requested_by), the staff member approved it. The
    errors are refund_request's; a provider that cannot be reached leaves it processing.
    """
    order = orders_public.refund_order_get(number=order_number)
    if order is None:
        raise exceptions.OrderNotFound()
    refund = _hold(
        order=order,
        amount=amount,
        reason=reason,
        return_goods=return_goods,
        requested_by_id=order.user_id,
        approved_by=staff,
    )
    business_log(
        "refund_created_by_staff",
        refund_id=refund.pk,
        order_number=refund.order_number,
        amount=str(refund.amount),
        staff_user_id=staff.pk,
    )
    return refund_send(refund_id=refund.pk)


def refund_for_cancelled_order(payment_id: int, *, reason: str = CANCELLED_ORDER_REASON) -> Refund:
    """A payment that came in for an order that can no longer take it (cancelled after
    its window, or paid already by another payment) goes back in full, by the system:
    requested by the order's customer, approved by nobody, reason "order cancelled"
    unless told otherwise, no goods to return.

    It never counts as a refund of the order: customers' and staff's refunds draw on the
    payment the order kept, and when that order is paid, this refund's success changes
    nothing of it (no RefundSucceeded: its status, points and stock stay). For a
    cancelled order RefundSucceeded is published, which tells the customer and leaves
    the cancelled order as it is.

    Idempotent: a payment whose whole amount is held by refunds already returns its
    newest refund (sent again if it is still processing) instead of a second one.
    PaymentNotRefundable for a payment that has not succeeded.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != PaymentStatus.SUCCEEDED:
            raise exceptions.PaymentNotRefundable()
        left = payment.amount - payment.refund_held
        if left <= ZERO:
            existing = payment.refunds.filter(status__in=OPEN_OR_DONE_REFUNDS).order_by("-id").first()
            if existing is None:  # impossible while the constraint holds; say so rather than guess
                raise exceptions.RefundExceedsPaid(refundable=ZERO)
            refund = existing
        else:
            refund = _create_locked(
                payment,
                amount=left,
                reason=_clean_reason(reason),
                return_goods=False,
                lines=[],
                requested_by_id=payment.user_id,
                approved_by=None,
                decided=True,
            )
            business_log(
                "refund_for_cancelled_order",
                refund_id=refund.pk,
                order_number=refund.order_number,
                payment_id=payment.pk,
                amount=str(refund.amount),
            )
    return refund_send(refund_id=refund.pk)


# --- Staff decisions -------------------------------------------------------------------------


def refund_approve(*, refund_id: int, staff) -> Refund:
    """Staff approve a requested refund: processing, then sent to the provider.

    Approving a refund that is processing already sends it again (a provider that could
    not be reached); any other status raises RefundNotAllowed.
    """
    with transaction.atomic():
        refund = _lock(refund_id)
        if refund.status == RefundStatus.REQUESTED:
            refund.status = RefundStatus.PROCESSING
            refund.approved_by = staff
            refund.approved_at = timezone.now()
            refund.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
            business_log(
                "refund_approved",
                refund_id=refund.pk,
                order_number=refund.order_number,
                amount=str(refund.amount),
                staff_user_id=staff.pk,
            )
        elif refund.status != RefundStatus.PROCESSING:
            raise exceptions.RefundNotAllowed(refund.status, "approve")
    return refund_send(refund_id=refund.pk)


def refund_reject(*, refund_id: int, staff, note: str = "") -> Refund:
    """Staff turn a requested refund down: its amount is free to refund again."""
    with transaction.atomic():
        refund = _lock(refund_id)
        if refund.status != RefundStatus.REQUESTED:
            raise exceptions.RefundNotAllowed(refund.status, "reject")
        _release(refund, status=RefundStatus.REJECTED, why=note)
    business_log(
        "refund_rejected",
        refund_id=refund.pk,
        order_number=refund.order_number,
        amount=str(refund.amount),
        staff_user_id=staff.pk,
    )
    return refund


# --- The provider ----------------------------------------------------------------------------


def refund_send(*, refund_id: int) -> Refund:
    """Ask the provider to refund a processing refund and record its answer.

    Nothing is locked while the provider answers. An error on the way (network, the
    provider down) is logged and leaves the refund processing, to be sent again with the
    same merchant refund number. Any other status is returned as it is.
    """
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != RefundStatus.PROCESSING:
        return refund
    payment = refund.payment
    try:
        outcome = gateway_for(payment.provider).refund(
            out_trade_no=payment.out_trade_no,
            out_refund_no=refund.out_refund_no,
            amount=refund.amount,
            total=payment.amount,
        )
    except Exception:  # the provider's network is outside the shop: anything may come back
        logger.exception("refund %s not sent to %s; it stays processing", refund.out_refund_no, payment.provider)
        business_log("refund_send_failed", refund_id=refund.pk, provider=payment.provider)
        return refund
    return _record_outcome(refund_id=refund.pk, outcome=outcome)


def refunds_resend_processing(*, now: datetime | None = None, older_than: timedelta = RESEND_AFTER) -> int:
    """Send again the refunds left processing (the provider could not be reached); returns
    how many reached an answer. A periodic task calls it."""
    cutoff = (now or timezone.now()) - older_than
    ids = list(
        Refund.objects.filter(status=RefundStatus.PROCESSING, updated_at__lt=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)
    )
    return sum(refund_send(refund_id=refund_id).status != RefundStatus.PROCESSING for refund_id in ids)


def _record_outcome(*, refund_id: int, outcome: RefundOutcome) -> Refund:
    with transaction.atomic():
        refund = _lock(refund_id)
        if refund.status != RefundStatus.PROCESSING:  # recorded by a concurrent send
            return refund
        payment = refund.payment
        if not outcome.succeeded:
            _release(refund, status=RefundStatus.FAILED, why=outcome.failure_reason or "refused by the provider")
            business_log(
                "refund_failed", refund_id=refund.pk, order_number=refund.order_number, reason=refund.failure_reason
            )
            return refund
        refund.status = RefundStatus.SUCCEEDED
        refund.provider_refund_no = (outcome.provider_refund_no or "")[:64]
        refund.succeeded_at = timezone.now()
        refund.save(update_fields=["status", "provider_refund_no", "succeeded_at", "updated_at"])
        payment.refunded += refund.amount
        payment.save(update_fields=["refunded", "updated_at"])
        if _is_stray(refund):
            business_log(
                "refund_of_stray_payment_succeeded",
                refund_id=refund.pk,
                order_number=refund.order_number,
                payment_id=payment.pk,
                amount=str(refund.amount),
            )
            return refund
        publish(
            RefundSucceeded(
                refund_id=refund.pk,
                payment_id=payment.pk,
                order_number=refund.order_number,
                user_id=payment.user_id,
                amount=refund.amount,
                refunded_total=payment.refunded,
                fully_refunded=payment.refunded >= payment.amount,
                return_goods=refund.return_goods,
                lines=list(refund.lines) if refund.return_goods else [],
            )
        )
    business_log(
        "refund_succeeded",
        refund_id=refund.pk,
        order_number=refund.order_number,
        amount=str(refund.amount),
        refunded_total=str(payment.refunded),
    )
    return refund


# --- Inside ------------------------------------------------------------------------------------


def _hold(*, order, amount, reason, return_goods, requested_by_id, approved_by) -> Refund:
    """Check the request, then hold its amount on the order's payment under the row lock."""
    amount = _clean_amount(amount)
    reason = _clean_reason(reason)
    if not order.is_refundable:
        raise exceptions.OrderNotRefundable()
    payment = refund_payment_for_order(order_number=order.number)
    if payment is None:
        raise exceptions.OrderNotRefundable()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        left = payment.amount - payment.refund_held
        if amount > left:
            raise exceptions.RefundExceedsPaid(refundable=left)
        asked_to_return = bool(return_goods)
        # Refunding all that is left of an order that never shipped: the goods stay in
        # the warehouse, so their units go back on hand with it.
        if amount == left and not order.shipped:
            return_goods = True
        lines = _lines_left_to_return(order) if return_goods else []
        if return_goods and not lines:
            if asked_to_return:
                raise exceptions.NothingToReturn()
            return_goods = False
        return _create_locked(
            payment,
            amount=amount,
            reason=reason,
            return_goods=bool(return_goods),
            lines=lines,
            requested_by_id=requested_by_id,
            approved_by=approved_by,
            decided=approved_by is not None,
        )


def _create_locked(
    payment: Payment, *, amount, reason, return_goods, lines, requested_by_id, approved_by, decided: bool
) -> Refund:
    """A new refund holding `amount` of a payment the caller has locked and checked.

    Decided (by staff, or the system) it is processing at once; a customer's request waits.
    """
    payment.refund_held += amount
    payment.save(update_fields=["refund_held", "updated_at"])
    return Refund.objects.create(
        payment=payment,
        order_number=payment.order_number,
        amount=amount,
        reason=reason,
        status=RefundStatus.PROCESSING if decided else RefundStatus.REQUESTED,
        out_refund_no=_new_refund_number(),
        return_goods=return_goods,
        lines=lines,
        requested_by_id=requested_by_id,
        approved_by=approved_by,
        approved_at=timezone.now() if decided else None,
    )


def _is_stray(refund: Refund) -> bool:
    """A system refund of a payment the order never took while the order stands paid
    (by another payment): the order's refunds are not concerned."""
    if refund.approved_by_id is not None or refund.approved_at is None:
        return False
    order = orders_public.refund_order_get(number=refund.order_number)
    return order is not None and order.is_refundable


def _lines_left_to_return(order) -> list[dict]:
    """The order's items not yet returned, nor on their way back with another refund."""
    returning: Counter[int] = Counter()
    others = Refund.objects.filter(order_number=order.number, return_goods=True, status__in=OPEN_OR_DONE_REFUNDS)
    for lines in others.values_list("lines", flat=True):
        for line in lines or []:
            returning[int(line["sku_id"])] += int(line["quantity"])
    left = []
    for sku_id, quantity in order.lines:
        units = quantity - returning[sku_id]
        if units > 0:
            left.append({"sku_id": sku_id, "quantity": units})
    return left


def _lock(refund_id: int) -> Refund:
    """The refund and its payment, locked in the one order every path uses: payment first."""
    payment_id = Refund.objects.values_list("payment_id", flat=True).get(pk=refund_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    refund.payment = payment
    return refund


def _release(refund: Refund, *, status: str, why: str) -> None:
    """Rejected or failed: the refund no longer holds its amount (payment locked by the caller)."""
    payment = refund.payment
    payment.refund_held -= refund.amount
    payment.save(update_fields=["refund_held", "updated_at"])
    refund.status = status
    refund.failure_reason = (why or "").strip()[:FAILURE_MAX_LENGTH]
    refund.save(update_fields=["status", "failure_reason", "updated_at"])


def _clean_amount(amount) -> Decimal:
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
    try:
        whole_fen = amount.is_finite() and amount == amount.quantize(CENT)
    except InvalidOperation:  # more digits than a Decimal context holds
        whole_fen = False
    if not whole_fen or amount <= ZERO:
        raise exceptions.InvalidRefundAmount()
    return amount.quantize(CENT)


def _clean_reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX_LENGTH:
        raise exceptions.InvalidRefundReason()
    return reason


def _new_refund_number() -> str:
    """R, the date, then 10 random digits: unique, not a count, and any provider accepts it."""
    today = timezone.localtime()
    while True:
        number = f"R{today:%Y%m%d}{secrets.randbelow(10**10):010d}"
        if not Refund.objects.filter(out_refund_no=number).exists():
            return number
