"""Shipping use cases: ship a paid order, take in a carrier's tracking update, play the carrier.

Every tracking update, from a real carrier's webhook or from the simulated carrier, goes
through `tracking_update_receive`: signature, parsing, then `tracking_event_record`, so
the two can never disagree.
"""

import dataclasses
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from apps.core.observability import business_log
from apps.core.outbox import publish
from apps.orders import public as orders_public
from apps.shipping.domain import exceptions, signature
from apps.shipping.domain.carriers import CARRIERS, Carrier
from apps.shipping.domain.events import ShipmentDelivered
from apps.shipping.domain.status import ShipmentStatus, next_status
from apps.shipping.domain.updates import TrackingUpdate, normalise_tracking_number, parse_tracking_update
from apps.shipping.models import Shipment, TrackingEvent

# Shipments the simulated carrier moves per run; the rest wait for the next run.
SIMULATOR_BATCH = 500


@dataclasses.dataclass(frozen=True, kw_only=True)
class TrackingResult:
    shipment_id: int
    event_id: str
    created: bool  # False: this event id was recorded before (a carrier's retry)
    status: str  # the shipment's status afterwards


def carrier_get(*, code: str) -> Carrier:
    carrier = CARRIERS.get(code)
    if carrier is None:
        raise exceptions.UnknownCarrier()
    return carrier


def carrier_webhook_secret(*, carrier: str) -> bytes:
    """The key the carrier signs its webhook bodies with.

    SHIPPING_WEBHOOK_SECRETS names it per carrier; a carrier not listed gets a key
    derived from SECRET_KEY (`manage.py shipping_webhook_secret <carrier>` prints it), so
    every installation has its own without configuration.
    """
    configured = settings.SHIPPING_WEBHOOK_SECRETS.get(carrier)
    if configured:
        return configured.encode("utf-8")
    return salted_hmac("apps.shipping.webhook", carrier, algorithm="sha256").hexdigest().encode("ascii")


def shipment_create(
    *,
    order_number: str,
    carrier: str,
    tracking_number: str,
    shipped_at: datetime | None = None,
) -> Shipment:
    """Hand a paid order to a carrier: the shipment, and the order paid -> shipped (OrderShipped).

    Raises UnknownCarrier, InvalidTrackingNumber, OrderNotFound, TrackingNumberTaken, or
    orders' IllegalTransition when the order is not paid (already shipped, say); then
    nothing changes.
    """
    carrier_get(code=carrier)
    normalised = normalise_tracking_number(tracking_number)
    if normalised is None:
        raise exceptions.InvalidTrackingNumber()
    order = orders_public.shipping_order_get(number=order_number)
    if order is None:
        raise exceptions.OrderNotFound()
    shipped_at = shipped_at or timezone.now()
    with transaction.atomic():
        if Shipment.objects.filter(carrier=carrier, tracking_number=normalised).exists():
            raise exceptions.TrackingNumberTaken()
        # Locks the order and checks the transition: a second attempt waits, then fails.
        orders_public.order_mark_shipped(
            order_number=order.number, carrier=carrier, tracking_number=normalised, shipped_at=shipped_at
        )
        try:
            with transaction.atomic():
                shipment = Shipment.objects.create(
                    order_id=order.id,
                    order_number=order.number,
                    carrier=carrier,
                    tracking_number=normalised,
                    status=Shipment.Status.SHIPPED,
                    shipped_at=shipped_at,
                    status_changed_at=shipped_at,
                )
        except IntegrityError as exc:  # the same tracking number, shipped at this very moment
            raise exceptions.TrackingNumberTaken() from exc
    business_log("shipment_created", shipment_id=shipment.pk, number=order.number, carrier=carrier)
    return shipment


def tracking_update_receive(*, carrier: str, body: bytes, signature_hex: str | None) -> TrackingResult:
    """A carrier's signed tracking update: verify, parse, record (idempotent per event id).

    Raises UnknownCarrier (404), InvalidSignature (403), InvalidTrackingUpdate (400) or
    UnknownTrackingNumber (404); nothing changes then.
    """
    carrier_get(code=carrier)
    if not signature.verify(secret=carrier_webhook_secret(carrier=carrier), body=body, signature=signature_hex):
        raise exceptions.InvalidSignature()
    return tracking_event_record(carrier=carrier, update=parse_tracking_update(body))


def tracking_event_record(*, carrier: str, update: TrackingUpdate) -> TrackingResult:
    """Add the scan to the timeline, move the shipment forward, and on delivery publish
    ShipmentDelivered (once: only the first delivered scan moves the status)."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update().filter(carrier=carrier, tracking_number=update.tracking_number).first()
        )
        if shipment is None:
            raise exceptions.UnknownTrackingNumber()
        result = TrackingResult(
            shipment_id=shipment.pk, event_id=update.event_id, created=False, status=shipment.status
        )
        # Under the shipment's lock a retry of the same event finds the first; an event id
        # the carrier reused on another parcel hits the unique constraint instead.
        if TrackingEvent.objects.filter(carrier=carrier, event_id=update.event_id).exists():
            return result
        try:
            with transaction.atomic():
                TrackingEvent.objects.create(
                    shipment=shipment,
                    carrier=carrier,
                    event_id=update.event_id,
                    time=update.time,
                    status=update.status,
                    location=update.location,
                    description=update.description,
                )
        except IntegrityError:
            return result
        if shipment.record(status=update.status, at=update.time):
            shipment.save(update_fields=["status", "status_changed_at", "delivered_at", "updated_at"])
            if shipment.status == Shipment.Status.DELIVERED:
                _publish_delivered(shipment)
    business_log(
        "tracking_event_recorded", shipment_id=shipment.pk, event_id=update.event_id, status=str(update.status)
    )
    return dataclasses.replace(result, created=True, status=shipment.status)


def _publish_delivered(shipment: Shipment) -> None:
    order = orders_public.shipping_order_get(number=shipment.order_number)
    publish(
        ShipmentDelivered(
            shipment_id=shipment.pk,
            order_id=shipment.order_id,
            order_number=shipment.order_number,
            user_id=order.user_id,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            delivered_at=shipment.delivered_at,
        )
    )


# --- The simulated carrier -------------------------------------------------------------------

# Where each step happens and what the carrier says; the destination is the order's.
_SIMULATED_SCANS = {
    ShipmentStatus.PICKED_UP: ("Hangzhou", "The courier picked up the parcel at the shop's warehouse."),
    ShipmentStatus.IN_TRANSIT: ("Shanghai sorting centre", "The parcel left the sorting centre."),
    ShipmentStatus.OUT_FOR_DELIVERY: (None, "The courier is on the way to the recipient."),
    ShipmentStatus.DELIVERED: (None, "Delivered and signed for."),
}


def shipments_simulate_progress(*, now: datetime | None = None) -> int:
    """Play the carrier: every shipment whose status has not moved for
    SHIPPING_SIMULATOR_STEP_SECONDS takes its next step; returns how many moved.

    Each step is a signed update posted through `tracking_update_receive`, exactly as a
    carrier's webhook arrives. Event ids are fixed per shipment and step, so two runs
    at once record each step once.
    """
    now = now or timezone.now()
    step = timedelta(seconds=settings.SHIPPING_SIMULATOR_STEP_SECONDS)
    due = (
        Shipment.objects.exclude(status=Shipment.Status.DELIVERED)
        .filter(status_changed_at__lte=now - step)
        .order_by("status_changed_at", "id")
        .values_list("pk", "carrier", "tracking_number", "order_number", "status")[:SIMULATOR_BATCH]
    )
    moved = 0
    for shipment_id, carrier, tracking_number, order_number, status in list(due):
        following = next_status(status)
        location, description = _SIMULATED_SCANS[following]
        if location is None:
            order = orders_public.shipping_order_get(number=order_number)
            location = order.destination if order else ""
        update = TrackingUpdate(
            event_id=f"SIM-{shipment_id}-{following}",
            tracking_number=tracking_number,
            status=following,
            time=now,
            location=location,
            description=description,
        )
        body = update.to_json()
        result = tracking_update_receive(
            carrier=carrier,
            body=body,
            signature_hex=signature.sign(secret=carrier_webhook_secret(carrier=carrier), body=body),
        )
        moved += result.created
    return moved
