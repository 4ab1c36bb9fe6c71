import dataclasses
from datetime import datetime

from apps.core.domain.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShipmentDelivered(DomainEvent):
    """The carrier says the parcel reached the customer: orders records `delivered_at` and
    completes the order ORDER_AUTO_COMPLETE_DAYS later unless the customer confirms first."""

    topic = "shipping.shipment_delivered.v1"

    shipment_id: int
    order_id: int
    order_number: str
    user_id: int
    carrier: str
    tracking_number: str
    delivered_at: datetime  # ISO 8601 in the payload: the carrier's time of delivery
