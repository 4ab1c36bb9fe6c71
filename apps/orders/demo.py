"""Demo orders for `manage.py seed_demo`: about three months of orders by the demo shoppers.

This module plans each demo order's life from its index alone (`order_specs`): when it
was placed, and whether and when it was cancelled, paid, refunded, shipped, delivered
and completed. Each app then takes its own steps through its own services, in
seed_demo's order (INSTALLED_APPS, one transaction per app, the events of one app
delivered before the next starts):

1. orders (here) places the orders (order_place: stock reserved, OrderPlaced), cancels
   the cancelled ones (order_cancel: stock released) and leaves the rest waiting for
   payment.
2. payments (apps/payments/demo.py) pays them at the simulated Alipay and WeChat Pay:
   the provider's signed notification (or the reconciler's query) settles the payment,
   PaymentSucceeded marks the order paid and OrderPaid commits its stock. Then the
   refunds: customers ask and staff approve, or staff refund on their own.
3. shipping (apps/shipping/demo.py) ships the paid orders with a carrier and posts the
   carrier's signed tracking updates, up to "delivered" for the older parcels
   (ShipmentDelivered: the order records when). Once that is committed it calls
   `complete_orders` here: customers confirm receipt, the auto-complete job completes
   the rest ORDER_AUTO_COMPLETE_DAYS after delivery (OrderCompleted: points, and
   catalog records who bought what), and then the buyers review what they bought.

Demo only: the services stamp "now"; each app then moves the times of its own rows back
to the plan's with queryset updates, so the 90 days look real. Here: placed, cancelled
and completed times (paid, shipped and delivered times come to the order from the
payment, the shipment and the carrier's scans, which are in the past already).

The later apps find the plan again with `demo_plan()`: the demo shoppers' orders in the
order they were placed, each matched with the spec of its index. Every step checks what
is done (a payment, a refund, a shipment, the order's status), so a second run adds
nothing, and a run that stopped half-way (or, with a broker, whose events the workers
had not handled yet) is taken further by the next one. The demo customer's first orders
show every state.
"""

import dataclasses
import random
from datetime import datetime, timedelta
from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.catalog import public as catalog_public
from apps.inventory import public as inventory_public
from apps.orders import services
from apps.orders.models import Order

DEFAULT_ORDERS = 150
ORDERS_PER_PRODUCT = 2  # fewer demo products (tests), fewer orders
HISTORY_DAYS = 90
SEED = "shop-demo-orders-2"
CUSTOMER_EMAIL = "customer@example.com"  # accounts' demo customer, who can sign in
DEMO_EMAIL_DOMAIN = "@example.com"  # accounts' demo shoppers; staff excluded
# Orders leave at least this many units of a SKU available, so the demo's low-stock and
# sold-out SKUs stay as inventory's demo made them.
UNITS_LEFT = 3
# Two placing times further apart than this are not the same order's (the database
# keeps microseconds; this only absorbs a coarser one).
SAME_TIME = timedelta(seconds=1)

# Where an order ends up. Delivered is a shipped order whose parcel has arrived (it
# completes by itself later); a partly refunded one goes on to ship and complete unless
# it is recent, and a refunded one was refunded in full before it shipped.
PENDING = "pending_payment"
PAID = "paid"
SHIPPED = "shipped"
DELIVERED = "delivered"
COMPLETED = "completed"
CANCELLED_BY_CUSTOMER = "cancelled_by_customer"
CANCELLED_BY_TIMEOUT = "cancelled_by_timeout"
REFUNDED = "refunded"
PARTIALLY_REFUNDED = "partially_refunded"
OUTCOMES = (
    PENDING,
    PAID,
    SHIPPED,
    DELIVERED,
    COMPLETED,
    CANCELLED_BY_CUSTOMER,
    CANCELLED_BY_TIMEOUT,
    REFUNDED,
    PARTIALLY_REFUNDED,
)
ORDER_STATUS = {
    PENDING: Order.Status.PENDING_PAYMENT,
    PAID: Order.Status.PAID,
    SHIPPED: Order.Status.SHIPPED,
    DELIVERED: Order.Status.SHIPPED,
    COMPLETED: Order.Status.COMPLETED,
    CANCELLED_BY_CUSTOMER: Order.Status.CANCELLED,
    CANCELLED_BY_TIMEOUT: Order.Status.CANCELLED,
    REFUNDED: Order.Status.REFUNDED,
    PARTIALLY_REFUNDED: Order.Status.PARTIALLY_REFUNDED,
}

# The demo customer's first orders, one per state, at a believable age each.
SHOWCASE = [
    (COMPLETED, timedelta(days=24, hours=3)),
    (SHIPPED, timedelta(days=2, hours=5)),  # on its way: a tracking timeline
    (PAID, timedelta(hours=6)),
    (PENDING, timedelta(minutes=4)),
    (CANCELLED_BY_CUSTOMER, timedelta(days=12, hours=8)),
    (CANCELLED_BY_TIMEOUT, timedelta(days=40, hours=2)),
    (REFUNDED, timedelta(days=8, hours=4)),
    (PARTIALLY_REFUNDED, timedelta(days=1, hours=9)),
    (DELIVERED, timedelta(days=5, hours=2)),
]
PARTIAL_REFUND_SHARE = 0.08  # of the paid orders, refunded in part before they ship


@dataclasses.dataclass(frozen=True)
class OrderSpec:
    index: int
    customer: str  # e-mail address
    outcome: str  # one of OUTCOMES
    placed_at: datetime
    shipping_method: str = "standard"
    cancelled_at: datetime | None = None
    paid_at: datetime | None = None
    # A refund before the order ships: in full (it never ships), or a part of it.
    refund_at: datetime | None = None
    refund_in_full: bool = False
    shipped_at: datetime | None = None
    arrives_at: datetime | None = None  # when the carrier delivers it (may be after "now")
    delivered_at: datetime | None = None
    completed_at: datetime | None = None
    confirmed: bool = False  # completed by the customer, not ORDER_AUTO_COMPLETE_DAYS after delivery

    @property
    def status(self) -> str:
        return ORDER_STATUS[self.outcome]


@dataclasses.dataclass(frozen=True)
class PlannedOrder:
    number: str
    user_id: int
    spec: OrderSpec


@dataclasses.dataclass(frozen=True)
class DemoPlan:
    now: datetime  # the plan's "now": nothing in it happens later
    orders: list[PlannedOrder]


def order_specs(*, count: int, customers: list[str], now: datetime, window: timedelta) -> list[OrderSpec]:
    """What each demo order is and when things happen to it, from its index alone.

    `customers` starts with the demo customer, who gets the showcase orders; `window` is
    the payment window (an order younger than it may still be unpaid).
    """
    showcase = bool(customers) and customers[0] == CUSTOMER_EMAIL
    return [
        _spec(
            index,
            customer=CUSTOMER_EMAIL if showcase and index < len(SHOWCASE) else customers[index % len(customers)],
            showcase=showcase and index < len(SHOWCASE),
            now=now,
            window=window,
        )
        for index in range(count)
    ]


def demo_plan() -> DemoPlan | None:
    """The demo orders placed by `seed` with their specs, in placing order; None when there are none.

    The specs depend on the "now" of the run that placed the orders: the first order was
    placed its spec's age before it, which gives that "now" back. An order of a demo
    shopper whose placing time does not match its spec is not a demo order (placed in
    the shop later) and is left out, with every order after it.
    """
    rows = list(
        Order.objects.filter(user__in=_demo_users())
        .order_by("pk")
        .values_list("number", "user_id", "user__email", "placed_at")
    )
    if not rows:
        return None
    window = services.payment_timeout()
    first_email, first_placed = rows[0][2], rows[0][3]
    now = first_placed + _age(0, showcase=first_email == CUSTOMER_EMAIL, window=window)
    planned = []
    for index, (number, user_id, email, placed_at) in enumerate(rows):
        spec = _spec(
            index, customer=email, showcase=index < len(SHOWCASE) and email == CUSTOMER_EMAIL, now=now, window=window
        )
        if abs(spec.placed_at - placed_at) > SAME_TIME:
            break
        planned.append(PlannedOrder(number=number, user_id=user_id, spec=spec))
    return DemoPlan(now=now, orders=planned)


def _age(index: int, *, showcase: bool, window: timedelta) -> timedelta:
    if showcase:
        outcome, age = SHOWCASE[index]
        return min(age, window / 2) if outcome == PENDING else age  # still payable, whatever the window
    # Density 2(1 - x) over the 90 days: more orders lately (a growing shop).
    return timedelta(days=HISTORY_DAYS * (1 - random.Random(f"{SEED}:{index}").random() ** 0.5), minutes=5)


def _spec(index: int, *, customer: str, showcase: bool, now: datetime, window: timedelta) -> OrderSpec:
    rng = random.Random(f"{SEED}:{index}")
    rng.random()  # the age (see _age)
    draw = rng.random()
    partly_refunded = rng.random() < PARTIAL_REFUND_SHARE
    outcome = SHOWCASE[index][0] if showcase else _outcome(draw)
    if not showcase and partly_refunded and outcome == COMPLETED:
        outcome = PARTIALLY_REFUNDED  # refunded in part before it ships, then as far as time allows
    placed_at = now - _age(index, showcase=showcase, window=window)
    return _timeline(
        index, rng, customer=customer, outcome=outcome, showcase=showcase, placed_at=placed_at, now=now, window=window
    )


def _outcome(draw: float) -> str:
    if draw < 0.07:
        return CANCELLED_BY_CUSTOMER
    if draw < 0.17:
        return CANCELLED_BY_TIMEOUT
    if draw < 0.21:
        return REFUNDED
    return COMPLETED  # as far as the time since placing allows: paid, shipped, delivered or completed


def _timeline(index, rng, *, customer, outcome, showcase, placed_at, now, window) -> OrderSpec:
    # Every draw first, in a fixed order, so an order's times never depend on its fate.
    express = rng.random() < 0.15
    pay_delay = timedelta(minutes=rng.uniform(1, 20))
    ship_delay = timedelta(hours=rng.uniform(3, 40))
    transit = timedelta(hours=rng.uniform(20, 70))
    confirms = rng.random() < 0.6
    confirm_delay = timedelta(hours=rng.uniform(2, 72))
    refund_share = rng.uniform(0.2, 0.8)
    cancel_delay = timedelta(minutes=rng.uniform(1, 25))

    base = {
        "index": index,
        "customer": customer,
        "placed_at": placed_at,
        "shipping_method": "express" if express else "standard",
    }
    if outcome == CANCELLED_BY_TIMEOUT:
        if placed_at + window >= now:
            return OrderSpec(outcome=PENDING, **base)
        return OrderSpec(outcome=outcome, cancelled_at=placed_at + window, **base)
    if outcome == CANCELLED_BY_CUSTOMER:
        cancelled_at = placed_at + min(cancel_delay, window * 0.8)
        if cancelled_at >= now:
            return OrderSpec(outcome=PENDING, **base)
        return OrderSpec(outcome=outcome, cancelled_at=cancelled_at, **base)
    paid_at = placed_at + min(pay_delay, window * 0.8)
    if outcome == PENDING or paid_at >= now:
        return OrderSpec(outcome=PENDING, **base)

    # Paid within minutes, shipped within two days, delivered one to three days later,
    # completed when the customer confirms or a week after delivery; an order goes as
    # far as the time since it was placed allows (and its outcome asks).
    shipped_at = paid_at + ship_delay
    paid = {"paid_at": paid_at}
    if outcome in (REFUNDED, PARTIALLY_REFUNDED):
        # Before it would have shipped: a customer changing their mind, a price cut.
        paid["refund_at"] = paid_at + (min(shipped_at, now) - paid_at) * refund_share
        paid["refund_in_full"] = outcome == REFUNDED
    if outcome == REFUNDED:
        return OrderSpec(outcome=REFUNDED, **base, **paid)
    if outcome == PAID or shipped_at >= now or (showcase and outcome == PARTIALLY_REFUNDED):
        return OrderSpec(outcome=PARTIALLY_REFUNDED if "refund_at" in paid else PAID, **base, **paid)

    arrives_at = shipped_at + transit
    if outcome == SHIPPED and arrives_at < now:
        arrives_at = now + transit / 4  # the showcase parcel is still on its way
    shipped = {"shipped_at": shipped_at, "arrives_at": arrives_at}
    if arrives_at >= now:
        return OrderSpec(outcome=SHIPPED, **base, **paid, **shipped)
    shipped["delivered_at"] = arrives_at
    completed_at = arrives_at + (confirm_delay if confirms else services.auto_complete_after())
    if outcome == DELIVERED or completed_at >= now:
        return OrderSpec(outcome=DELIVERED, **base, **paid, **shipped)
    return OrderSpec(outcome=COMPLETED, completed_at=completed_at, confirmed=confirms, **base, **paid, **shipped)


# --- Placing (this app's step) ------------------------------------------------------------


def seed(*, stdout, products: int = 240, verbosity: int = 1, **options) -> list[str]:
    """`products` is seed_demo's option (240 by default): a small demo catalog gets fewer orders."""
    customers = _customers()
    if Order.objects.filter(user__in=[user for user, _ in customers.values()]).exists():
        if verbosity:
            stdout.write("Orders: 0 new orders (the demo shoppers have theirs).")
        return []
    count = min(DEFAULT_ORDERS, ORDERS_PER_PRODUCT * products)
    if not customers or not count:
        return []

    emails = sorted(customers, key=lambda email: (email != CUSTOMER_EMAIL, email))
    specs = order_specs(count=count, customers=emails, now=timezone.now(), window=services.payment_timeout())
    available = _buyable_units()
    placed: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
    for spec in specs:
        lines = _pick_lines(random.Random(f"{SEED}:lines:{spec.index}"), available)
        if not lines:
            break  # the shelves are bare (a tiny demo catalog)
        user, address_id = customers[spec.customer]
        _place(spec, user=user, address_id=address_id, lines=lines)
        placed[spec.outcome] += 1

    if verbosity:
        summary = ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in placed.items() if n)
        stdout.write(f"Orders: {sum(placed.values())} new orders over {HISTORY_DAYS} days (planned: {summary}).")
    return []


def _demo_users():
    return get_user_model().objects.filter(email__endswith=DEMO_EMAIL_DOMAIN, is_staff=False)


def _customers() -> dict[str, tuple]:
    """The demo shoppers (accounts' demo) with an address: e-mail -> (user, default address id)."""
    # Accounts' public door has no "addresses of a user" read; reading the ids straight
    # from its model (never writing) keeps this app's imports of accounts to public.py.
    address_model = apps.get_model("accounts", "Address")
    users = _demo_users().filter(is_active=True)
    addresses = address_model.objects.filter(user__in=users).order_by("user_id", "-is_default", "pk")
    found: dict[str, tuple] = {}
    by_id = {user.pk: user for user in users}
    for user_id, address_id in addresses.values_list("user_id", "pk"):
        user = by_id[user_id]
        found.setdefault(user.email, (user, address_id))
    return found


def _buyable_units() -> dict[int, int]:
    """Units each buyable SKU can spare (beyond UNITS_LEFT), in SKU id order."""
    # Catalog's public API has no "all SKU ids" read; as above, the ids only.
    sku_ids = list(apps.get_model("catalog", "SKU").objects.order_by("pk").values_list("pk", flat=True))
    snapshots = catalog_public.sku_snapshots(sku_ids=sku_ids)
    units = inventory_public.stock_available(
        sku_ids=[pk for pk in sku_ids if pk in snapshots and snapshots[pk].is_buyable]
    )
    return {sku_id: spare - UNITS_LEFT for sku_id, spare in units.items() if spare > UNITS_LEFT}


def _pick_lines(rng: random.Random, available: dict[int, int]) -> list[tuple[int, int]]:
    """One to three SKUs, mostly one unit each, taken from `available`."""
    wanted = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
    lines = []
    for sku_id in rng.sample(sorted(available), min(wanted, len(available))):
        quantity = min(available[sku_id], 2 if rng.random() < 0.2 else 1)
        available[sku_id] -= quantity
        if not available[sku_id]:
            del available[sku_id]
        lines.append((sku_id, quantity))
    return lines


def _place(spec: OrderSpec, *, user, address_id: int, lines: list[tuple[int, int]]) -> Order:
    order = services.order_place(user=user, lines=lines, address_id=address_id, shipping_method=spec.shipping_method)
    if spec.outcome == CANCELLED_BY_CUSTOMER:
        services.order_cancel(order=order, reason=services.CANCELLED_BY_CUSTOMER)
    elif spec.outcome == CANCELLED_BY_TIMEOUT:
        services.order_cancel(order=order, reason=services.CANCELLED_BY_TIMEOUT)

    # Demo only: the services stamp "now"; move the order's history into the past.
    Order.objects.filter(pk=order.pk).update(
        placed_at=spec.placed_at,
        payment_deadline=spec.placed_at + services.payment_timeout(),
        cancelled_at=spec.cancelled_at,
        created_at=spec.placed_at,
        updated_at=spec.cancelled_at or spec.placed_at,
    )
    return order


# --- Completing (after shipping's step) ----------------------------------------------------


def complete_orders(*, stdout, verbosity: int = 1) -> None:
    """Complete the demo orders whose plan says so, then let the buyers review.

    Shipping's demo calls this once its deliveries are committed and their events
    delivered (ShipmentDelivered gave the orders their delivered_at): the customers who
    confirm receipt do (order_confirm_receipt), then the auto-complete job runs as of
    the plan's "now" (orders_complete_delivered), completing those delivered more than
    ORDER_AUTO_COMPLETE_DAYS before. OrderCompleted awards the points and lets catalog
    record the purchases when this commits; reviews need those, so they come after.
    """
    plan = demo_plan()
    if plan is None:
        return
    specs = {order.number: order.spec for order in plan.orders}
    confirmed = automatic = 0
    with transaction.atomic():
        to_confirm = (
            Order.objects.filter(number__in=[n for n, s in specs.items() if s.completed_at and s.confirmed])
            .filter(status=Order.Status.SHIPPED, completed_at__isnull=True, delivered_at__isnull=False)
            .select_related("user")
        )
        for order in to_confirm:
            services.order_confirm_receipt(order=order, user=order.user)
            confirmed += 1
        automatic = services.orders_complete_delivered(now=plan.now)
        # Demo only: the services stamp "now" (or the plan's); move completions back in time.
        just_completed = Order.objects.filter(number__in=list(specs), completed_at__gte=plan.now)
        for number in just_completed.values_list("number", flat=True):
            if specs[number].completed_at is not None:
                Order.objects.filter(number=number).update(completed_at=specs[number].completed_at)
        _backdate_last_change(plan)
        if verbosity:
            stdout.write(
                f"Orders: {confirmed + automatic} completed ({confirmed} confirmed by the customer, "
                f"{automatic} automatically after delivery)."
            )
        catalog_demo = import_module("apps.catalog.demo")
        transaction.on_commit(lambda: _seed_reviews(catalog_demo, stdout=stdout, verbosity=verbosity))


def _backdate_last_change(plan: DemoPlan) -> None:
    """Demo only: each demo order that got where its plan says last changed at the plan's
    last step, not today."""
    for planned in plan.orders:
        spec = planned.spec
        times = (spec.placed_at, spec.cancelled_at, spec.paid_at, spec.refund_at, spec.shipped_at)
        last = max(t for t in (*times, spec.delivered_at, spec.completed_at) if t is not None)
        orders = Order.objects.filter(number=planned.number, status=spec.status)
        orders.exclude(updated_at=last).update(updated_at=last)


def _seed_reviews(catalog_demo, *, stdout, verbosity: int) -> None:
    # Reviews are catalog's, and only buyers may write them: catalog.record_purchase has
    # to run first, and it runs when the completions commit. seed_demo imports the demo
    # modules by name; this does the same for catalog's (demo tooling, not a domain
    # call, so it stays out of catalog's public door).
    with transaction.atomic():
        created = catalog_demo.seed_reviews()
    if verbosity:
        stdout.write(f"Reviews: {created} new reviews by buyers of the demo orders.")
