from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.shipping.domain.carriers import CARRIERS
from apps.shipping.domain.status import ShipmentStatus, advances

CARRIER_CHOICES = [(carrier.code, _(carrier.name)) for carrier in CARRIERS.values()]


class Shipment(TimeStampedModel):
    """One order's parcel with one carrier, from the shop's hand-over to delivery."""

    class Status(models.TextChoices):
        SHIPPED = ShipmentStatus.SHIPPED.value, _("shipped")
        PICKED_UP = ShipmentStatus.PICKED_UP.value, _("picked up")
        IN_TRANSIT = ShipmentStatus.IN_TRANSIT.value, _("in transit")
        OUT_FOR_DELIVERY = ShipmentStatus.OUT_FOR_DELIVERY.value, _("out for delivery")
        DELIVERED = ShipmentStatus.DELIVERED.value, _("delivered")

    # A link by string to orders (to the left), plus the number staff and customers quote.
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("order"))
    order_number = models.CharField(_("order number"), max_length=32, db_index=True)
    carrier = models.CharField(_("carrier"), max_length=16, choices=CARRIER_CHOICES)
    tracking_number = models.CharField(_("tracking number"), max_length=40)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SHIPPED)
    shipped_at = models.DateTimeField(_("shipped at"), default=timezone.now)
    # When the status last moved forward: the simulated carrier takes the next step from here.
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-shipped_at", "-id"]
        constraints = [
            # An order ships once (the order's paid -> shipped happens once); a split
            # delivery would drop this constraint.
            models.UniqueConstraint(fields=["order"], name="shipment_one_per_order"),
            # The webhook finds the parcel by carrier and tracking number.
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="shipment_tracking_number_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "status_changed_at"], name="shipment_status_changed_idx"),
        ]

    def __str__(self):
        return f"{self.get_carrier_display()} {self.tracking_number}"

    def record(self, *, status: str, at) -> bool:
        """Apply a carrier's scan; True when it moved the parcel forward.

        Late scans (an "in transit" after "delivered") leave the status as it is.
        """
        if not advances(self.status, status):
            return False
        self.status = status
        self.status_changed_at = at
        if status == self.Status.DELIVERED:
            self.delivered_at = at
        return True


class TrackingEvent(models.Model):
    """One scan as the carrier reported it; `event_id` is the carrier's, unique per carrier,
    so a webhook delivered twice records it once."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events", verbose_name=_("shipment"))
    carrier = models.CharField(_("carrier"), max_length=16, choices=CARRIER_CHOICES)
    event_id = models.CharField(_("event id"), max_length=64)
    time = models.DateTimeField(_("time"))
    status = models.CharField(_("status"), max_length=20, choices=Shipment.Status.choices)
    location = models.CharField(_("location"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["time", "id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "event_id"], name="tracking_event_unique_per_carrier"),
        ]
        indexes = [models.Index(fields=["shipment", "time"], name="tracking_event_shipment_idx")]

    def __str__(self):
        return f"{self.event_id} {self.status}"
