"""Reads of payments (the services and the pages; no writes)."""

from datetime import datetime

from django.db.models import Count, QuerySet

from apps.payments.models import Payment


def payment_list_for_user(*, user, order_number: str | None = None) -> QuerySet[Payment]:
    payments = Payment.objects.filter(user=user)
    if order_number:
        payments = payments.filter(order_number=order_number)
    return payments.order_by("-created_at", "-id")


def payment_get_for_user(*, user, out_trade_no: str) -> Payment | None:
    """The user's own payment; another user's is None, like a missing one."""
    return Payment.objects.filter(user=user, out_trade_no=out_trade_no).first()


def payment_get(*, payment_id: int) -> Payment | None:
    return Payment.objects.filter(pk=payment_id).first()


def payment_pending_for_order(*, order_id: int, provider: str) -> Payment | None:
    return (
        Payment.objects.filter(order_id=order_id, provider=provider, status=Payment.Status.PENDING)
        .order_by("-created_at", "-id")
        .first()
    )


def payment_attempts(*, order_id: int, provider: str) -> int:
    return Payment.objects.filter(order_id=order_id, provider=provider).count()


def payment_ids_pending_since(*, before: datetime) -> list[int]:
    """Pending payments created before `before`, the oldest first."""
    return list(
        Payment.objects.filter(status=Payment.Status.PENDING, created_at__lt=before)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )


def payment_other_succeeded_exists(*, payment: Payment) -> bool:
    """Did another payment of the same order succeed (so this one is one too many)?"""
    return (
        Payment.objects.filter(order_id=payment.order_id, status=Payment.Status.SUCCEEDED)
        .exclude(pk=payment.pk)
        .exists()
    )


def payment_holding_provider_trade_no(*, provider: str, provider_trade_no: str, exclude_id: int) -> Payment | None:
    if not provider_trade_no:
        return None
    return Payment.objects.filter(provider=provider, provider_trade_no=provider_trade_no).exclude(pk=exclude_id).first()


def payment_count_by_provider_and_status() -> dict[tuple[str, str], int]:
    """How many payments each provider has in each status (pairs with none are left out): /metrics."""
    rows = Payment.objects.order_by().values_list("provider", "status").annotate(count=Count("id"))
    return {(provider, status): count for provider, status, count in rows}
