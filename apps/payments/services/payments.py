"""Payment use cases: start a payment, take a provider's notification, reconcile.

A notification and the reconciler's query settle a payment through the same function
(`_settle`): the payment row is locked, the merchant id, the trade number and the
amount are checked against ours, and only then does anything change. A success is
published as PaymentSucceeded in the same transaction (the outbox); the handler
`payments.mark_order_paid` then marks the order paid. Every notification, whatever
became of it, is kept (PaymentNotification) and logged.
"""

import dataclasses
import json
import logging
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.core.domain.money import ZERO
from apps.core.observability import business_log
from apps.core.outbox import publish
from apps.orders import public as orders_public
from apps.payments import selectors
from apps.payments.domain.events import PaymentSucceeded
from apps.payments.domain.exceptions import (
    NothingToPay,
    OrderNotPayable,
    PaymentOrderNotFound,
    PaymentProviderUnavailable,
    UnknownProvider,
)
from apps.payments.gateways.base import Gateway, InvalidNotification, NotificationAnswer, VerifiedNotification
from apps.payments.gateways.registry import gateway_for
from apps.payments.models import Payment, PaymentNotification, Provider

logger = logging.getLogger("shop.payments")

# The letter in a merchant trade number: <order number><A|W><attempt>, e.g. 2026112612345678A01.
TRADE_NO_LETTER = {Provider.ALIPAY: "A", Provider.WECHAT: "W"}
# Headers kept with a notification (the rest say nothing about it).
KEPT_HEADERS = ("Content-Type", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial")
MAX_STORED_BODY = 16 * 1024

Outcome = PaymentNotification.Outcome


@dataclasses.dataclass(frozen=True)
class PaymentStarted:
    payment: Payment
    cashier_url: str  # where the customer pays (the return page, when it is paid already)
    created: bool  # False: the pending payment of the same order and provider, again


@dataclasses.dataclass(frozen=True)
class Settlement:
    outcome: str  # accepted, duplicate, rejected
    reason: str = ""
    payment_id: int | None = None

    @property
    def acknowledged(self) -> bool:
        return self.outcome != Outcome.REJECTED


# --- Starting a payment -------------------------------------------------------------------


def payment_create(*, user, order_number: str, provider: str) -> PaymentStarted:
    """A payment of the customer's own unpaid order with one provider, and its cashier.

    The amount is the order's total. While a payment of the same order and provider is
    pending, the provider is asked about it: still open, it is returned again (with its
    cashier); paid, it is settled; failed or closed, it is settled and a new one starts.
    PaymentProviderUnavailable when the provider cannot be asked.
    """
    if provider not in Provider.values:
        raise UnknownProvider()
    order = orders_public.payment_order_get(number=str(order_number), user_id=user.pk)
    if order is None:
        raise PaymentOrderNotFound()
    if not order.is_payable:
        raise OrderNotPayable(order.status)
    if order.total <= ZERO:
        raise NothingToPay()
    gateway = gateway_for(provider)

    pending = selectors.payment_pending_for_order(order_id=order.id, provider=provider)
    if pending is not None:
        started = _resume(pending, gateway)
        if started is not None:
            return started

    payment, created = _payment_new(order=order, user=user, provider=provider)
    session = gateway.create_payment(
        out_trade_no=payment.out_trade_no,
        amount=payment.amount,
        subject=f"Order {payment.order_number}",
        return_url=return_url(payment),
    )
    if created:
        business_log(
            "payment_created",
            payment_id=payment.pk,
            order_number=payment.order_number,
            provider=provider,
            amount=str(payment.amount),
        )
    return PaymentStarted(payment=payment, cashier_url=session.cashier_url, created=created)


def return_url(payment: Payment) -> str:
    path = reverse("payments:return", kwargs={"out_trade_no": payment.out_trade_no})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _resume(payment: Payment, gateway: Gateway) -> PaymentStarted | None:
    trade = gateway.query(out_trade_no=payment.out_trade_no)
    if trade.status in ("pending", "not_found"):
        session = gateway.create_payment(
            out_trade_no=payment.out_trade_no,
            amount=payment.amount,
            subject=f"Order {payment.order_number}",
            return_url=return_url(payment),
        )
        return PaymentStarted(payment=payment, cashier_url=session.cashier_url, created=False)
    _settle_from_query(payment, gateway, trade)
    payment.refresh_from_db()
    if payment.status == Payment.Status.SUCCEEDED:
        return PaymentStarted(payment=payment, cashier_url=return_url(payment), created=False)
    return None


def _payment_new(*, order, user, provider: str) -> tuple[Payment, bool]:
    """A new pending payment; (the pending one, False) when a concurrent request made it first.

    The trade number counts the order's attempts with the provider, so two requests at
    once compute the same number and the unique constraint lets only one of them in.
    """
    for _attempt in range(5):
        number = selectors.payment_attempts(order_id=order.id, provider=provider) + 1
        out_trade_no = f"{order.number}{TRADE_NO_LETTER[provider]}{number:02d}"
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    order_id=order.id,
                    order_number=order.number,
                    user=user,
                    provider=provider,
                    amount=order.total,
                    out_trade_no=out_trade_no,
                    refund_held=ZERO,
                    refunded=ZERO,
                )
            return payment, True
        except IntegrityError:
            existing = Payment.objects.filter(out_trade_no=out_trade_no).first()
            if existing is not None and existing.status == Payment.Status.PENDING:
                return existing, False
    raise PaymentProviderUnavailable("trade_number_contention")


# --- Notifications ------------------------------------------------------------------------


def notification_receive(*, provider: str, headers: dict[str, str], body: bytes) -> NotificationAnswer:
    """Take one notification from a provider and answer it in the provider's own format.

    Nothing changes unless the signature (and, for WeChat, the decryption), the merchant
    id, the trade number and the amount all check out. A repeat of a settled
    notification is acknowledged again without a second effect. Whatever happens, the
    notification is stored with its outcome; a refused one gets the failure answer.
    """
    gateway = gateway_for(provider)
    kept = {name: value for name in KEPT_HEADERS if (value := _header(headers, name))}
    try:
        verified = gateway.verify_notification(headers=headers, body=body)
    except InvalidNotification as exc:
        claimed = _claimed_trade_no(provider, body)
        _store(
            provider=provider,
            payment=None,
            out_trade_no=claimed,
            headers=kept,
            body=body,
            outcome=Outcome.REJECTED,
            reason=exc.reason,
        )
        business_log("payment_notification_rejected", provider=provider, out_trade_no=claimed or "-", reason=exc.reason)
        return gateway.failure_answer()
    settlement = _settle(gateway, verified, headers=kept, body=body)
    return gateway.success_answer() if settlement.acknowledged else gateway.failure_answer()


def notification_store_unreadable(*, provider: str, headers: dict[str, str], body: bytes, reason: str) -> None:
    """Keep a notification the endpoint could not even hand over (too large, wrong type)."""
    kept = {name: value for name in KEPT_HEADERS if (value := _header(headers, name))}
    _store(provider=provider, payment=None, out_trade_no="", headers=kept, body=body, outcome="rejected", reason=reason)
    business_log("payment_notification_rejected", provider=provider, out_trade_no="-", reason=reason)


def _settle(
    gateway: Gateway,
    verified: VerifiedNotification,
    *,
    headers: dict,
    body: bytes,
    failed_status: str = Payment.Status.FAILED,
    source_reason: str = "",
) -> Settlement:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(out_trade_no=verified.out_trade_no).first()
        reason = _mismatch(payment, gateway, verified)
        if reason:
            settlement = Settlement(Outcome.REJECTED, reason, payment.pk if payment else None)
        elif verified.succeeded:
            settlement = _succeed(payment, verified)
        elif payment.status == Payment.Status.PENDING:
            payment.status = failed_status
            payment.provider_trade_no = verified.provider_trade_no
            payment.save(update_fields=["status", "provider_trade_no", "updated_at"])
            settlement = Settlement(Outcome.ACCEPTED, "", payment.pk)
        else:  # a failure after the fact (Alipay's TRADE_CLOSED once fully refunded): nothing to do
            settlement = Settlement(Outcome.DUPLICATE, "already_settled", payment.pk)
        _store(
            provider=gateway.name,
            payment=payment,
            out_trade_no=verified.out_trade_no,
            headers=headers,
            body=body,
            outcome=settlement.outcome,
            reason=settlement.reason or source_reason,
        )
    business_log(
        f"payment_notification_{settlement.outcome}",
        provider=gateway.name,
        out_trade_no=verified.out_trade_no,
        payment_id=settlement.payment_id,
        reason=settlement.reason or source_reason or "-",
        succeeded=verified.succeeded,
    )
    return settlement


def _mismatch(payment: Payment | None, gateway: Gateway, verified: VerifiedNotification) -> str:
    """Why a verified notification must not touch the payment ("" when it may)."""
    if verified.merchant_id != gateway.merchant_id:
        return "merchant_mismatch"
    if payment is None:
        return "unknown_trade"
    if payment.provider != gateway.name:
        return "provider_mismatch"
    if verified.amount != payment.amount:
        return "amount_mismatch"
    if payment.provider_trade_no and verified.provider_trade_no != payment.provider_trade_no:
        return "trade_no_mismatch"
    other = selectors.payment_holding_provider_trade_no(
        provider=payment.provider, provider_trade_no=verified.provider_trade_no, exclude_id=payment.pk
    )
    if other is not None:
        return "trade_no_conflict"  # the provider's trade belongs to another of our payments
    return ""


def _succeed(payment: Payment, verified: VerifiedNotification) -> Settlement:
    if payment.status == Payment.Status.SUCCEEDED:
        return Settlement(Outcome.DUPLICATE, "", payment.pk)
    # A payment we had given up on (failed, closed) is paid all the same: the money is
    # in, so it counts; if the order cannot take it any more, the handler refunds it.
    payment.status = Payment.Status.SUCCEEDED
    payment.provider_trade_no = verified.provider_trade_no
    payment.paid_at = timezone.now()
    payment.save(update_fields=["status", "provider_trade_no", "paid_at", "updated_at"])
    publish(
        PaymentSucceeded(
            payment_id=payment.pk,
            order_number=payment.order_number,
            user_id=payment.user_id,
            provider=payment.provider,
            amount=payment.amount,
            paid_at=payment.paid_at.isoformat(),
        )
    )
    return Settlement(Outcome.ACCEPTED, "", payment.pk)


def _store(*, provider, payment, out_trade_no: str, headers: dict, body: bytes, outcome: str, reason: str) -> None:
    # PostgreSQL text cannot hold NUL; whatever a sender put there is kept visibly replaced.
    text = body[:MAX_STORED_BODY].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    PaymentNotification.objects.create(
        provider=provider,
        payment=payment,
        out_trade_no=out_trade_no.replace("\x00", "")[:64],
        headers={name: str(value).replace("\x00", "") for name, value in headers.items()},
        body=text,
        outcome=outcome,
        reason=reason[:64],
    )


def _claimed_trade_no(provider: str, body: bytes) -> str:
    """The trade number an unverified Alipay form claims (for the audit trail only).
    WeChat's is inside the encrypted resource: nothing to read."""
    if provider != Provider.ALIPAY:
        return ""
    try:
        return dict(parse_qsl(body[:MAX_STORED_BODY].decode("utf-8"))).get("out_trade_no", "")[:64]
    except (UnicodeDecodeError, ValueError):
        return ""


def _header(headers: dict[str, str], name: str) -> str:
    wanted = name.lower()
    return next((str(value) for key, value in headers.items() if key.lower() == wanted), "")


# --- Reconciliation -----------------------------------------------------------------------


def payments_reconcile_pending(*, now: datetime | None = None) -> dict[str, int]:
    """Ask the providers about payments pending for longer than PAYMENT_NOTIFY_WINDOW
    (their notification never came) and settle them as a notification would; returns
    how many ended how ({"succeeded": 2, "pending": 1, ...})."""
    now = now or timezone.now()
    before = now - timedelta(seconds=settings.PAYMENT_NOTIFY_WINDOW)
    counts: Counter[str] = Counter()
    for payment_id in selectors.payment_ids_pending_since(before=before):
        try:
            counts[payment_reconcile(payment_id=payment_id)] += 1
        except PaymentProviderUnavailable as exc:
            logger.warning("reconciling payment %s: provider unavailable (%s)", payment_id, exc.reason)
            counts["unavailable"] += 1
    return dict(counts)


def payment_reconcile(*, payment_id: int) -> str:
    """Query the provider about one pending payment and settle it; returns what became of it:
    succeeded, failed, closed, pending (still open at the provider), rejected (the answer
    did not match the payment) or settled_already."""
    payment = selectors.payment_get(payment_id=payment_id)
    if payment is None or payment.status != Payment.Status.PENDING:
        return "settled_already"
    gateway = gateway_for(payment.provider)
    trade = gateway.query(out_trade_no=payment.out_trade_no)
    if trade.status in ("succeeded", "failed", "closed"):
        settlement = _settle_from_query(payment, gateway, trade)
        return trade.status if settlement.outcome == Outcome.ACCEPTED else settlement.outcome
    # Still open (or never opened) at the provider. While the order waits for payment the
    # customer may yet pay; once it cannot be paid, close the trade so nobody can.
    if trade.status != "not_found":
        order = orders_public.payment_order_get(number=payment.order_number)
        if order is not None and order.is_payable:
            return "pending"
        if not gateway.close(out_trade_no=payment.out_trade_no):
            return "pending"  # paid just now, most likely: the next run sees it
    return "closed" if _close(payment) else "settled_already"


def _settle_from_query(payment: Payment, gateway: Gateway, trade) -> Settlement:
    verified = VerifiedNotification(
        out_trade_no=payment.out_trade_no,
        provider_trade_no=trade.provider_trade_no,
        amount=trade.amount,
        succeeded=trade.status == "succeeded",
        # The answer to our own signed query about our own trade, its signature checked.
        merchant_id=gateway.merchant_id,
    )
    body = json.dumps(
        {"status": trade.status, "provider_trade_no": trade.provider_trade_no, "amount": str(trade.amount)}
    ).encode("utf-8")
    failed_status = Payment.Status.CLOSED if trade.status == "closed" else Payment.Status.FAILED
    return _settle(
        gateway,
        verified,
        headers={"Source": "query"},
        body=body,
        failed_status=failed_status,
        source_reason="reconciled",
    )


def _close(payment: Payment) -> bool:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.PENDING:
            return False
        locked.status = Payment.Status.CLOSED
        locked.save(update_fields=["status", "updated_at"])
    business_log("payment_closed", payment_id=payment.pk, order_number=payment.order_number)
    return True
