"""Where a parcel is: one forward-only progression, shared by the models and the services."""

import enum


class ShipmentStatus(enum.StrEnum):
    SHIPPED = "shipped"  # handed over by the shop; the carrier has not scanned it yet
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"


PROGRESSION: tuple[ShipmentStatus, ...] = tuple(ShipmentStatus)
# What a carrier may report: everything after the shop's own hand-over.
CARRIER_STATUSES: tuple[ShipmentStatus, ...] = PROGRESSION[1:]


def advances(current: str, reported: str) -> bool:
    """True when `reported` is further along than `current`.

    Carriers deliver updates late and out of order: an "in transit" scan arriving after
    "delivered" goes on the timeline but never moves the parcel back.
    """
    return PROGRESSION.index(ShipmentStatus(reported)) > PROGRESSION.index(ShipmentStatus(current))


def next_status(current: str) -> ShipmentStatus | None:
    """The step after `current`, or None once delivered."""
    position = PROGRESSION.index(ShipmentStatus(current))
    return PROGRESSION[position + 1] if position + 1 < len(PROGRESSION) else None
