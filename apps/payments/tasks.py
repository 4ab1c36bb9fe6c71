"""Payments' Celery tasks (beat runs the periodic ones; see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

# The simulated providers' delivery task lives with them; importing it here registers it in workers.
from apps.payments.sandbox.delivery import deliver_notification  # noqa: F401
from apps.payments.services import payments as payment_services
from apps.payments.services import refunds as refund_services

# --- Payments -----------------------------------------------------------------------------


@shared_task(name="payments.reconcile_pending")
def reconcile_pending() -> dict[str, int]:
    """Payments still pending after PAYMENT_NOTIFY_WINDOW: ask the provider, settle as a
    notification would (their notification never came, or we refused it)."""
    return payment_services.payments_reconcile_pending()


# --- Refunds ------------------------------------------------------------------------------


@shared_task(name="payments.resend_refunds")
def resend_refunds() -> int:
    """Refunds left processing because the provider could not be reached: send them again
    (the same refund number, so the provider refunds once)."""
    return refund_services.refunds_resend_processing()
