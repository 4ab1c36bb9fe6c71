"""The simulated providers' records of trades and refunds (provider-neutral)."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from apps.payments.models import SandboxRefund, SandboxTrade

Status = SandboxTrade.Status

# Alipay trade numbers look like 2026112622001400000000000001, WeChat transaction ids like 4200001234202611260000000001.
_TRADE_NO_PREFIX = {"alipay": "2088", "wechat": "4200"}


class TradeConflict(Exception):
    """The same merchant trade number again, with another amount: a provider refuses it."""


class TradeNotRefundable(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def trade_create(
    *,
    provider: str,
    merchant_id: str,
    out_trade_no: str,
    amount: Decimal,
    subject: str,
    notify_url: str,
    return_url: str = "",
    app_id: str = "",
) -> SandboxTrade:
    """The trade for this merchant trade number, created the first time.

    Asking again with the same number and amount returns the same trade (providers let
    a merchant show the cashier again); another amount is a TradeConflict.
    """
    existing = trade_get(provider=provider, merchant_id=merchant_id, out_trade_no=out_trade_no)
    if existing is None:
        try:
            with transaction.atomic():
                existing = SandboxTrade.objects.create(
                    provider=provider,
                    merchant_id=merchant_id,
                    app_id=app_id,
                    out_trade_no=out_trade_no,
                    trade_no=_new_trade_no(provider),
                    amount=amount,
                    subject=subject[:256],
                    notify_url=notify_url,
                    return_url=return_url,
                    token=secrets.token_urlsafe(24),
                )
        except IntegrityError:  # the same request twice at once: the first one made it
            existing = trade_get(provider=provider, merchant_id=merchant_id, out_trade_no=out_trade_no)
            if existing is None:
                raise
    if existing.amount != amount:
        raise TradeConflict(out_trade_no)
    return existing


def trade_get(*, provider: str, merchant_id: str, out_trade_no: str) -> SandboxTrade | None:
    return SandboxTrade.objects.filter(provider=provider, merchant_id=merchant_id, out_trade_no=out_trade_no).first()


def trade_close(*, trade: SandboxTrade) -> bool:
    """Close an unpaid trade so that it can no longer be paid; False if it was paid or failed."""
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().get(pk=trade.pk)
        if trade.status == Status.CLOSED:
            return True
        if trade.status != Status.PENDING:
            return False
        trade.status = Status.CLOSED
        trade.save(update_fields=["status"])
    return True


def trade_settle(*, trade_id: int, token: str, paid: bool) -> SandboxTrade | None:
    """The buyer paid (or the payment failed) at the cashier; None if the trade is no longer open."""
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().filter(pk=trade_id, token=token).first()
        if trade is None or trade.status != Status.PENDING:
            return None
        trade.status = Status.SUCCEEDED if paid else Status.FAILED
        trade.paid_at = timezone.now() if paid else None
        trade.save(update_fields=["status", "paid_at"])
    return trade


def trade_refund(*, trade: SandboxTrade, out_refund_no: str, amount: Decimal) -> SandboxRefund:
    """Refund part of a paid trade, synchronously. The same refund number again returns the
    first refund (providers deduplicate on it). Refused (TradeNotRefundable) when the trade
    is not paid or the amount is more than what is left; a trade told to refuse refunds
    records a failed refund."""
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().get(pk=trade.pk)
        earlier = trade.refunds.filter(out_refund_no=out_refund_no).first()
        if earlier is not None:
            if earlier.amount != amount:
                raise TradeNotRefundable("refund_number_reused")
            return earlier
        if trade.status != Status.SUCCEEDED:
            raise TradeNotRefundable("trade_not_paid")
        refunded = trade.refunds.filter(status=SandboxRefund.Status.SUCCEEDED).aggregate(s=Sum("amount"))["s"]
        if amount <= 0 or amount > trade.amount - (refunded or Decimal("0")):
            raise TradeNotRefundable("refund_exceeds_trade")
        failed = trade.fail_refunds
        return SandboxRefund.objects.create(
            trade=trade,
            out_refund_no=out_refund_no,
            refund_no=_new_trade_no(trade.provider, prefix="50"),
            amount=amount,
            status=SandboxRefund.Status.FAILED if failed else SandboxRefund.Status.SUCCEEDED,
            failure_reason="the sandbox was told to refuse refunds of this trade" if failed else "",
        )


def trade_refunded_total(*, trade: SandboxTrade) -> Decimal:
    total = trade.refunds.filter(status=SandboxRefund.Status.SUCCEEDED).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


def cashier_url(trade: SandboxTrade) -> str:
    """The cashier page of a trade; its token is the only key to it."""
    path = reverse("payments:sandbox_cashier", kwargs={"out_trade_no": trade.out_trade_no})
    return f"{settings.SITE_URL.rstrip('/')}{path}?t={trade.token}"


def _new_trade_no(provider: str, prefix: str | None = None) -> str:
    head = prefix or _TRADE_NO_PREFIX.get(provider, "9999")
    return f"{head}{timezone.localtime():%Y%m%d}{secrets.randbelow(10**16):016d}"
