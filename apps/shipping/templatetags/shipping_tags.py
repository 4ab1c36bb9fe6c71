from django import template
from django.utils.translation import gettext

from apps.shipping import selectors
from apps.shipping.domain.carriers import carrier_name

register = template.Library()


@register.inclusion_tag("shipping/_tracking_timeline.html")
def tracking_timeline(order_number: str):
    """The order page's vertical timeline: the carrier's scans, the newest on top, down to
    the hand-over. Nothing at all before the order ships."""
    shipment = selectors.shipment_for_order(order_number=order_number)
    if shipment is None:
        return {"shipment": None}
    return {
        "shipment": shipment,
        "carrier": gettext(carrier_name(shipment.carrier)),
        "events": list(shipment.events.all()),
    }
