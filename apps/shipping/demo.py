"""Demo shipments for `manage.py seed_demo`: the paid demo orders handed to carriers, and
their parcels' journeys.

Orders' demo plans each demo order's life (apps/orders/demo.py tells how the apps share
the plan), and payments' demo pays them; the orders become paid when PaymentSucceeded is
delivered. So the work here waits for this app's transaction to commit: by then the
earlier apps' events have been delivered (eagerly, in the embedded default), also when
the whole seed runs in one transaction whose commit callbacks run in order at its end
(as some tests run it).

Then each order the plan ships goes to a carrier with a tracking number
(shipment_create: the order becomes shipped, OrderShipped), and the carrier's scans
follow as signed tracking updates through the service the webhook calls
(tracking_update_receive): picked up, in transit, arrived at a sorting centre, out for
delivery and, for the older parcels, delivered (ShipmentDelivered: the order records
when). Scans after the plan's "now" have not happened yet.

Once those are committed and their events delivered, orders' demo completes the orders
whose plan says so (`complete_orders`: confirmed receipt, or the auto-complete job a
week after delivery), which awards the points.

Demo only: the shipping time and the scans' times are the plan's, given to the
services; the shipments' own created and updated times and the scans' received times
are then moved back with queryset updates.

An order that has a shipment already is not shipped again: a second run adds nothing.
"""

import random
from collections import Counter
from datetime import datetime, timedelta
from importlib import import_module

from django.db import transaction
from django.db.models import F

from apps.core.domain.exceptions import DomainError
from apps.orders import public as orders_public
from apps.shipping import services
from apps.shipping.domain import signature
from apps.shipping.domain.carriers import CARRIERS
from apps.shipping.domain.status import ShipmentStatus
from apps.shipping.domain.updates import TrackingUpdate
from apps.shipping.models import Shipment, TrackingEvent

SEED = "shop-demo-shipping-1"
# Carrier code -> (how often the shop uses it, tracking number prefix, digits after it).
CARRIER_USE = {
    "sf": (30, "SF", 13),
    "zto": (20, "78", 12),
    "yto": (15, "YT", 13),
    "jd": (15, "JDVA", 11),
    "yunda": (10, "43", 11),
    "sto": (5, "77", 11),
    "ems": (5, "10", 11),
}
WAREHOUSE = "杭州市 Hangzhou"
HUBS = ("上海 Shanghai", "武汉 Wuhan", "广州 Guangzhou", "成都 Chengdu", "南京 Nanjing", "西安 Xi'an", "北京 Beijing")
# The sorting centre a parcel reaches last, by the destination's province (the rest: any).
HUB_OF_PROVINCE = {
    "上海": HUBS[0],
    "湖北": HUBS[1],
    "广东": HUBS[2],
    "四川": HUBS[3],
    "江苏": HUBS[4],
    "陕西": HUBS[5],
    "北京": HUBS[6],
    "浙江": WAREHOUSE,
}
# (status, share of the journey from hand-over to delivery, where, what the carrier says)
SCANS = (
    (ShipmentStatus.PICKED_UP, (0.03, 0.10), WAREHOUSE, "The courier picked up the parcel at the shop's warehouse."),
    (ShipmentStatus.IN_TRANSIT, (0.15, 0.30), WAREHOUSE, "The parcel left the Hangzhou sorting centre."),
    (ShipmentStatus.IN_TRANSIT, (0.50, 0.75), "hub", "The parcel arrived at the sorting centre."),
    (ShipmentStatus.OUT_FOR_DELIVERY, (0.85, 0.95), "destination", "The courier is on the way to the recipient."),
    (ShipmentStatus.DELIVERED, (1.0, 1.0), "destination", "Delivered and signed for."),
)


def seed(*, stdout, verbosity: int = 1, **options) -> list[str]:
    transaction.on_commit(lambda: _ship_and_complete(stdout=stdout, verbosity=verbosity))
    return []


def _ship_and_complete(*, stdout, verbosity: int) -> None:
    orders_demo = import_module("apps.orders.demo")  # the plan: demo tooling, not a domain call
    plan = orders_demo.demo_plan()
    if plan is None:
        return
    with transaction.atomic():
        _ship(plan, stdout=stdout, verbosity=verbosity)
        # Completion needs the deliveries recorded on the orders: ShipmentDelivered's
        # handler does that once this commits.
        transaction.on_commit(lambda: orders_demo.complete_orders(stdout=stdout, verbosity=verbosity))


def _ship(plan, *, stdout, verbosity: int) -> None:
    planned = {order.number: order for order in plan.orders if order.spec.shipped_at}
    shipped = set(Shipment.objects.filter(order_number__in=list(planned)).values_list("order_number", flat=True))
    waiting = orders_public.orders_awaiting_shipment(
        numbers=[number for number in planned if number not in shipped], limit=len(planned)
    )
    counts: Counter[str] = Counter()
    new_shipments = []
    for order in sorted(waiting, key=lambda order: planned[order.number].spec.shipped_at):
        spec = planned[order.number].spec
        rng = random.Random(f"{SEED}:{spec.index}")
        carrier, tracking_number = _carrier_and_tracking_number(rng)
        try:
            with transaction.atomic():
                shipment = services.shipment_create(
                    order_number=order.number,
                    carrier=carrier,
                    tracking_number=tracking_number,
                    shipped_at=spec.shipped_at,
                )
                counts["events"] += _scan(shipment, spec, rng, destination=order.destination, now=plan.now)
        except DomainError:  # the order cannot ship (any more), or the number is taken
            counts["skipped"] += 1
            continue
        new_shipments.append(shipment.pk)
        counts["shipped"] += 1
        counts["delivered"] += spec.delivered_at is not None

    # Demo only: the services stamp "now" on the rows' own times; move them back too.
    Shipment.objects.filter(pk__in=new_shipments).update(created_at=F("shipped_at"), updated_at=F("status_changed_at"))
    TrackingEvent.objects.filter(shipment_id__in=new_shipments).update(received_at=F("time") + timedelta(seconds=40))
    if verbosity:
        stdout.write(
            f"Shipping: {counts['shipped']} parcels shipped, {counts['events']} tracking events "
            f"({counts['delivered']} delivered)."
        )


def _carrier_and_tracking_number(rng: random.Random) -> tuple[str, str]:
    usable = {code: use for code, use in CARRIER_USE.items() if code in CARRIERS}
    code = rng.choices(list(usable), weights=[weight for weight, _, _ in usable.values()])[0]
    _, prefix, digits = usable[code]
    return code, f"{prefix}{rng.randrange(10**digits):0{digits}d}"


def _scan(shipment: Shipment, spec, rng: random.Random, *, destination: str, now: datetime) -> int:
    """The carrier's scans up to the plan's now, each a signed update as the webhook gets it."""
    journey = spec.arrives_at - spec.shipped_at
    hub = HUB_OF_PROVINCE.get(destination[:2], rng.choice(HUBS))
    secret = services.carrier_webhook_secret(carrier=shipment.carrier)
    posted = 0
    for step, (status, (low, high), where, description) in enumerate(SCANS, start=1):
        time = spec.shipped_at + journey * rng.uniform(low, high)
        if time >= now or (status == ShipmentStatus.DELIVERED and spec.delivered_at is None):
            break
        location = {"hub": hub, "destination": destination}.get(where, where)
        if where == "hub":
            description = f"The parcel arrived at the {hub.split()[-1]} sorting centre."
        body = TrackingUpdate(
            event_id=f"DEMO-{shipment.pk}-{step}",
            tracking_number=shipment.tracking_number,
            status=status,
            time=spec.delivered_at if status == ShipmentStatus.DELIVERED else time,
            location=location,
            description=description,
        ).to_json()
        services.tracking_update_receive(
            carrier=shipment.carrier, body=body, signature_hex=signature.sign(secret=secret, body=body)
        )
        posted += 1
    return posted
