"""The simulated providers deliver their notifications as the real ones do: an HTTP POST
to the merchant's notify URL, retried with growing pauses until the merchant answers
with its acknowledgement (Alipay: the text `success`; WeChat Pay: HTTP 200 or 204).

The HTTP call goes through `_transport` (urllib by default). It is the one seam: tests
either point SITE_URL at a live server and keep urllib, or swap in Django's test client
with `transport_set` (apps/payments/tests/conftest.py) so the notification runs through
the shop's whole middleware stack and URL routing in the test's own transaction.

Without a broker (the embedded default) the task runs in-process, once, right after the
cashier's commit: a failed delivery is not retried in-process, and the shop's reconciler
(`payments.reconcile_pending`) settles the payment by querying instead.
"""

import logging
import urllib.error
import urllib.request
from collections.abc import Callable

from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.payments.models import SandboxTrade
from apps.payments.sandbox import alipay, wechat

logger = logging.getLogger("shop.payments.sandbox")

TASK_NAME = "payments.sandbox_deliver_notification"
# Seconds before each retry (Alipay's own schedule is 4m, 10m, 10m, 1h, 2h, 6h, 15h).
BACKOFF = (15, 60, 240, 600, 1800, 3600, 7200, 21600)
HTTP_TIMEOUT = 10
MAX_ANSWER = 64 * 1024

Transport = Callable[[str, dict[str, str], bytes], tuple[int, bytes]]


def http_post(url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """POST over HTTP(S): (status, answer body). Network errors raise OSError."""
    if not url.startswith(("http://", "https://")):
        raise OSError(f"not an HTTP URL: {url!r}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
            return response.status, response.read(MAX_ANSWER)
    except urllib.error.HTTPError as error:
        return error.code, error.read(MAX_ANSWER)


_transport: Transport = http_post


def transport_set(transport: Transport) -> Transport:
    """Replace how notifications travel; returns the previous transport (to restore it)."""
    global _transport
    previous, _transport = _transport, transport
    return previous


def notification_for(trade: SandboxTrade) -> tuple[dict[str, str], bytes] | None:
    """The notification the provider sends for the trade's current status, if it sends one."""
    settled = (SandboxTrade.Status.SUCCEEDED, SandboxTrade.Status.FAILED)
    if trade.provider == alipay.PROVIDER and trade.status in settled:
        return alipay.notification(trade)
    if trade.provider == wechat.PROVIDER and trade.status == SandboxTrade.Status.SUCCEEDED:
        return wechat.notification(trade)
    return None


def acknowledged(provider: str, status: int, answer: bytes) -> bool:
    if provider == alipay.PROVIDER:
        return status == 200 and answer.strip() == b"success"
    return status in (200, 204)


def notification_deliver(*, trade_id: int) -> bool:
    """One delivery attempt; True when the merchant acknowledged (now or before)."""
    trade = SandboxTrade.objects.get(pk=trade_id)
    if trade.notified_at is not None:
        return True
    built = notification_for(trade)
    if built is None:
        return True
    headers, body = built
    try:
        status, answer = _transport(trade.notify_url, headers, body)
    except OSError as exc:
        ok, error = False, f"{type(exc).__name__}: {exc}"
    else:
        ok = acknowledged(trade.provider, status, answer)
        error = "" if ok else f"HTTP {status}: {answer[:120].decode('utf-8', 'replace')}"
    SandboxTrade.objects.filter(pk=trade.pk).update(
        notify_attempts=F("notify_attempts") + 1,
        notified_at=timezone.now() if ok else None,
        last_notify_error=error[:200],
    )
    if not ok:
        logger.warning("sandbox notification for %s not acknowledged: %s", trade.out_trade_no, error)
    return ok


@shared_task(name=TASK_NAME, bind=True, acks_late=True, max_retries=len(BACKOFF))
def deliver_notification(self, *, trade_id: int) -> str:
    if notification_deliver(trade_id=trade_id):
        return "acknowledged"
    if self.request.is_eager:
        return "not_acknowledged"  # no broker to retry later: the shop's reconciler queries
    if self.request.retries >= len(BACKOFF):
        logger.error("sandbox notification for trade %s given up after %s attempts", trade_id, self.request.retries)
        return "given_up"
    raise self.retry(countdown=BACKOFF[self.request.retries])


def notification_schedule(*, trade_id: int) -> None:
    """Deliver the trade's notification once the current transaction commits."""

    def send() -> None:
        try:
            deliver_notification.apply_async(kwargs={"trade_id": trade_id}, retry=False)
        except Exception:
            # Broker down (or, in-process, the delivery failed): the shop's reconciler
            # still finds the payment by querying the trade.
            logger.exception("sandbox notification for trade %s could not be sent", trade_id)

    transaction.on_commit(send)
