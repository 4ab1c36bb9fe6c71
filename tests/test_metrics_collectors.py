"""/metrics reads orders and payments from the database at scrape time (the collectors in
apps/orders/metrics.py and apps/payments/metrics.py, listed in METRICS_COLLECTORS)."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from apps.orders import services as order_services
from apps.orders.domain.status import OrderStatus
from apps.payments.services import payments as payment_services
from apps.payments.tests.payment_helpers import payment_keys_dir, unpaid_order  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_given_no_orders_every_status_is_shown_with_zero(client):
    samples = scrape(client)

    assert {status: samples[("shop_orders", (("status", status),))] for status in OrderStatus} == {
        status.value: 0 for status in OrderStatus
    }
    assert samples[("shop_metrics_collector_up", (("collector", "orders"),))] == 1


def test_placed_and_cancelled_orders_are_counted_by_status(client, user):
    # given three orders placed, one of them cancelled by the customer
    orders = [unpaid_order(user) for _ in range(3)]
    order_services.order_cancel(order=orders[0])

    # when Prometheus scrapes
    samples = scrape(client)

    # then
    assert samples[("shop_orders", (("status", "pending_payment"),))] == 2
    assert samples[("shop_orders", (("status", "cancelled"),))] == 1
    assert samples[("shop_orders", (("status", "paid"),))] == 0


@pytest.mark.usefixtures("payment_keys_dir")
def test_payments_are_counted_by_provider_and_status(client, user):
    # given two Alipay payments and one WeChat Pay payment started
    for provider in ("alipay", "alipay", "wechat"):
        payment_services.payment_create(user=user, order_number=unpaid_order(user).number, provider=provider)

    # when Prometheus scrapes
    samples = scrape(client)

    # then every configured provider and status appears, with the counts of the rows
    def payments(provider, status):
        return samples[("shop_payments", (("provider", provider), ("status", status)))]

    assert (payments("alipay", "pending"), payments("wechat", "pending")) == (2, 1)
    assert (payments("alipay", "succeeded"), payments("wechat", "failed")) == (0, 0)
    assert samples[("shop_metrics_collector_up", (("collector", "payments"),))] == 1
