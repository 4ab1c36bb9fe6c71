from celery import shared_task
from django.conf import settings

from apps.shipping import services


@shared_task(name="shipping.simulate_carriers")
def simulate_carriers() -> int:
    """Beat runs this every half minute: the simulated carrier moves shipments along."""
    if not settings.SHIPPING_SIMULATOR_ENABLED:
        return 0
    return services.shipments_simulate_progress()
