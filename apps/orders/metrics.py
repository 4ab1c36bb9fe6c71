"""Orders' numbers for /metrics, read at scrape time (listed in METRICS_COLLECTORS)."""

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric

from apps.core.metrics import ScrapeCollector
from apps.orders.domain.status import OrderStatus
from apps.orders.selectors import order_count_by_status


class OrdersCollector(ScrapeCollector):
    """Orders in each status: every status appears, with 0 when there is none."""

    name = "orders"

    def collect(self) -> Iterable[Metric]:
        counts = order_count_by_status()
        family = GaugeMetricFamily("shop_orders", "Orders in each status.", labels=["status"])
        for status in [*(s.value for s in OrderStatus), *sorted(set(counts) - set(OrderStatus))]:
            family.add_metric([status], counts.get(status, 0))
        yield family
