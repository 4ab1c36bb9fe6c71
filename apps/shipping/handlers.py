"""Shipping's reactions to other apps' events (subscribed by topic; nothing imported)."""

from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from apps.accounts.public import customer_mail_send
from apps.core.outbox import event_handler
from apps.shipping.domain.carriers import carrier_name


def _order_url(number: str) -> str:
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{reverse('orders:detail', args=[number])}"


@event_handler("orders.order_shipped.v1", name="shipping.mail_order_shipped")
def mail_order_shipped(payload: dict) -> None:
    """The customer hears that the parcel left, with whom and how to track it."""
    customer_mail_send(
        user_id=payload["user_id"],
        template="shipping/email/shipped",
        context={
            "number": payload["number"],
            "carrier": carrier_name(payload["carrier"]),
            "tracking_number": payload["tracking_number"],
            "order_url": _order_url(payload["number"]),
        },
    )


@event_handler("shipping.shipment_delivered.v1", name="shipping.mail_shipment_delivered")
def mail_shipment_delivered(payload: dict) -> None:
    """The customer hears that the parcel arrived, and that the order completes by itself."""
    customer_mail_send(
        user_id=payload["user_id"],
        template="shipping/email/delivered",
        context={
            "number": payload["order_number"],
            "carrier": carrier_name(payload["carrier"]),
            "tracking_number": payload["tracking_number"],
            "delivered_at": parse_datetime(payload["delivered_at"]),
            "auto_complete_days": settings.ORDER_AUTO_COMPLETE_DAYS,
            "order_url": _order_url(payload["order_number"]),
        },
    )
