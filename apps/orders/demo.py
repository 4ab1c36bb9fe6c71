"""Demo orders for `manage.py seed_demo`: about three months of orders by the demo shoppers.

Every order goes through the services, as a real one would (order_place, then
order_mark_paid, order_mark_shipped, order_confirm_receipt or order_cancel), so stock is
reserved, committed or released and the events are published. Then, demo only, a
queryset update moves its times back into the past, spread over HISTORY_DAYS with more
orders lately (a growing shop). The demo customer's first orders show every state.

The orders' events are delivered once this app's transaction has committed (eagerly in
the embedded default): inventory commits the paid orders' stock, catalog records who
bought what (catalog.record_purchase) and the completed orders earn their points
(orders.award_points). Then the buyers review some of what they bought.

A second run adds nothing: the demo shoppers have orders already.
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
SEED = "shop-demo-orders-1"
CUSTOMER_EMAIL = "customer@example.com"  # accounts' demo customer, who can sign in
DEMO_EMAIL_DOMAIN = "@example.com"  # accounts' demo shoppers; staff excluded
# Orders leave at least this many units of a SKU available, so the demo's low-stock and
# sold-out SKUs stay as inventory's demo made them.
UNITS_LEFT = 3

# The states an order can reach today. Refunded and partially refunded orders come
# with payments and refunds (issue 5).
PENDING = "pending_payment"
PAID = "paid"
SHIPPED = "shipped"
COMPLETED = "completed"
CANCELLED_BY_CUSTOMER = "cancelled_by_customer"
CANCELLED_BY_TIMEOUT = "cancelled_by_timeout"
OUTCOMES = (PENDING, PAID, SHIPPED, COMPLETED, CANCELLED_BY_CUSTOMER, CANCELLED_BY_TIMEOUT)

# The demo customer's first orders, one per state, at a believable age each.
SHOWCASE = [
    (COMPLETED, timedelta(days=24, hours=3)),
    (SHIPPED, timedelta(days=2, hours=5)),
    (PAID, timedelta(hours=6)),
    (PENDING, timedelta(minutes=4)),
    (CANCELLED_BY_CUSTOMER, timedelta(days=12, hours=8)),
    (CANCELLED_BY_TIMEOUT, timedelta(days=40, hours=2)),
]
PROVIDERS = ("alipay", "wechat_pay")
CARRIERS = (
    ("顺丰速运 SF Express", "SF"),
    ("中通快递 ZTO Express", "ZT"),
    ("圆通速递 YTO Express", "YT"),
    ("京东物流 JD Logistics", "JD"),
)


@dataclasses.dataclass(frozen=True)
class OrderSpec:
    index: int
    customer: str  # e-mail address
    outcome: str
    placed_at: datetime
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    shipping_method: str = "standard"
    provider: str = ""
    carrier: str = ""
    tracking_number: str = ""


def order_specs(*, count: int, customers: list[str], now: datetime, window: timedelta) -> list[OrderSpec]:
    """What each demo order is and when things happened to it, from its index alone.

    `customers` starts with the demo customer, who gets the showcase orders; `window` is
    the payment window (an order younger than it may still be unpaid).
    """
    specs = []
    for index in range(count):
        rng = random.Random(f"{SEED}:{index}")
        if index < len(SHOWCASE) and customers[0] == CUSTOMER_EMAIL:
            outcome, age = SHOWCASE[index]
            customer = CUSTOMER_EMAIL
            if outcome == PENDING:
                age = min(age, window / 2)  # still payable, whatever ORDER_PAYMENT_TIMEOUT says
        else:
            # Density 2(1 - x) over the window: more orders lately.
            age = timedelta(days=HISTORY_DAYS * (1 - rng.random() ** 0.5), minutes=5)
            outcome = _outcome(rng.random())
            customer = customers[index % len(customers)]
        specs.append(
            _timeline(index, rng, customer=customer, outcome=outcome, placed_at=now - age, now=now, window=window)
        )
    return specs


def _outcome(draw: float) -> str:
    if draw < 0.07:
        return CANCELLED_BY_CUSTOMER
    if draw < 0.17:
        return CANCELLED_BY_TIMEOUT
    return COMPLETED  # as far as the time since placing allows: paid, shipped or completed


def _timeline(index, rng, *, customer, outcome, placed_at, now, window) -> OrderSpec:
    base = {
        "index": index,
        "customer": customer,
        "placed_at": placed_at,
        "shipping_method": "express" if rng.random() < 0.15 else "standard",
    }
    if outcome == CANCELLED_BY_TIMEOUT:
        if placed_at + window >= now:
            return OrderSpec(outcome=PENDING, **base)
        return OrderSpec(outcome=outcome, cancelled_at=placed_at + window, **base)
    if outcome == CANCELLED_BY_CUSTOMER:
        cancelled_at = placed_at + min(timedelta(minutes=rng.uniform(1, 25)), window * 0.8)
        if cancelled_at >= now:
            return OrderSpec(outcome=PENDING, **base)
        return OrderSpec(outcome=outcome, cancelled_at=cancelled_at, **base)
    if outcome == PENDING:
        return OrderSpec(outcome=PENDING, **base)

    # Paid within minutes, shipped within two days, received a few days later; an order
    # goes as far along as the time since it was placed allows (and `outcome` asks).
    paid_at = placed_at + min(timedelta(minutes=rng.uniform(1, 20)), window * 0.8)
    shipped_at = paid_at + timedelta(hours=rng.uniform(3, 40))
    completed_at = shipped_at + timedelta(days=rng.uniform(2, 6))
    carrier, prefix = rng.choice(CARRIERS)
    paid = {"paid_at": paid_at, "provider": rng.choices(PROVIDERS, weights=(6, 4))[0]}
    shipped = {"shipped_at": shipped_at, "carrier": carrier, "tracking_number": f"{prefix}{rng.randrange(10**12):012d}"}
    if paid_at >= now:
        return OrderSpec(outcome=PENDING, **base)
    if outcome == PAID or shipped_at >= now:
        return OrderSpec(outcome=PAID, **base, **paid)
    if outcome == SHIPPED or completed_at >= now:
        return OrderSpec(outcome=SHIPPED, **base, **paid, **shipped)
    return OrderSpec(outcome=COMPLETED, completed_at=completed_at, **base, **paid, **shipped)


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

    if sum(placed.values()):
        # Reviews are catalog's, and only buyers may write them: catalog.record_purchase
        # has to run first, and it runs when this transaction commits. seed_demo imports
        # the demo modules by name; this does the same for catalog's (demo tooling, not a
        # domain call, so it stays out of catalog's public door).
        catalog_demo = import_module("apps.catalog.demo")
        transaction.on_commit(lambda: _seed_reviews(catalog_demo, stdout=stdout, verbosity=verbosity))
    if verbosity:
        summary = ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in placed.items())
        stdout.write(f"Orders: {sum(placed.values())} new orders over {HISTORY_DAYS} days ({summary}).")
    return []


def _customers() -> dict[str, tuple]:
    """The demo shoppers (accounts' demo) with an address: e-mail -> (user, default address id)."""
    # Accounts' public door has no "addresses of a user" read; reading the ids straight
    # from its model (never writing) keeps this app's imports of accounts to public.py.
    address_model = apps.get_model("accounts", "Address")
    users = get_user_model().objects.filter(email__endswith=DEMO_EMAIL_DOMAIN, is_staff=False, is_active=True)
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
    if spec.paid_at:
        services.order_mark_paid(
            order_number=order.number, amount=order.total, provider=spec.provider, paid_at=spec.paid_at
        )
    if spec.shipped_at:
        services.order_mark_shipped(
            order=order, carrier=spec.carrier, tracking_number=spec.tracking_number, shipped_at=spec.shipped_at
        )
    if spec.completed_at:
        services.order_confirm_receipt(order=order, user=user)

    # Demo only: the services stamp "now"; move the order's history into the past.
    last_change = spec.completed_at or spec.cancelled_at or spec.shipped_at or spec.paid_at or spec.placed_at
    Order.objects.filter(pk=order.pk).update(
        placed_at=spec.placed_at,
        payment_deadline=spec.placed_at + services.payment_timeout(),
        completed_at=spec.completed_at,
        cancelled_at=spec.cancelled_at,
        created_at=spec.placed_at,
        updated_at=last_change,
    )
    return order


def _seed_reviews(catalog_demo, *, stdout, verbosity: int) -> None:
    with transaction.atomic():
        created = catalog_demo.seed_reviews()
    if verbosity:
        stdout.write(f"Reviews: {created} new reviews by buyers of the demo orders.")
