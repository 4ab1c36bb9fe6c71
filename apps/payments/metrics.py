"""Payments' numbers for /metrics, read at scrape time (listed in METRICS_COLLECTORS)."""

from collections.abc import Iterable

from django.conf import settings
from prometheus_client.core import GaugeMetricFamily, Metric

from apps.core.metrics import ScrapeCollector
from apps.payments.domain.status import PaymentStatus
from apps.payments.selectors import payment_count_by_provider_and_status


class PaymentsCollector(ScrapeCollector):
    """Payments by provider and status: every configured provider and status appears,
    with 0 when there is none."""

    name = "payments"

    def collect(self) -> Iterable[Metric]:
        counts = payment_count_by_provider_and_status()
        pairs = {(provider, status.value) for provider in settings.PAYMENT_GATEWAYS for status in PaymentStatus}
        family = GaugeMetricFamily("shop_payments", "Payments by provider and status.", labels=["provider", "status"])
        for provider, status in sorted(pairs | set(counts)):
            family.add_metric([provider, status], counts.get((provider, status), 0))
        yield family
