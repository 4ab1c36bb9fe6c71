from django.db.models import Prefetch

from apps.shipping.models import Shipment, TrackingEvent


def shipment_for_order(*, order_number: str) -> Shipment | None:
    """The order's shipment with its events, the newest first (two queries), or None."""
    return (
        Shipment.objects.filter(order_number=order_number)
        .prefetch_related(Prefetch("events", queryset=TrackingEvent.objects.order_by("-time", "-id")))
        .first()
    )
