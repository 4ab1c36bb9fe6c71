"""`manage.py seed_demo`: every app's demo module, in order, with the command's options.

The demo orders' story runs through several apps (orders places them, payments pays and
refunds, shipping ships, orders completes), each committing before the next starts and
its events delivered in between: those tests commit for real (transaction=True) with
eager Celery, as `make run` does.
"""

import io
import re
from collections import Counter
from datetime import timedelta
from decimal import ROUND_FLOOR

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts import demo as accounts_demo
from apps.accounts.models import PointsEntry, User
from apps.catalog.models import SKU, Brand, Category, Product, Purchase, Review
from apps.core.models import OutboxMessage
from apps.inventory.models import Stock, StockMovement
from apps.orders import demo as orders_demo
from apps.orders.models import Order, OrderLine
from apps.orders.services import auto_complete_after, payment_timeout
from apps.payments.gateways.keys import keys_generate, payment_keys_cache_clear
from apps.payments.gateways.registry import gateway_cache_clear
from apps.payments.models import Payment, PaymentNotification, Refund, SandboxTrade
from apps.shipping.domain.carriers import CARRIERS
from apps.shipping.models import Shipment, TrackingEvent

pytestmark = pytest.mark.django_db

CUSTOMER = "customer@example.com"
EVERY_STATE = {"pending_payment", "paid", "shipped", "completed", "cancelled", "refunded", "partially_refunded"}
PAID_ONCE = ("paid", "shipped", "completed", "refunded", "partially_refunded")


@pytest.fixture(scope="session")
def _payment_keys(tmp_path_factory):
    """One set of payment keys for the session (RSA keys take a moment to make)."""
    directory = tmp_path_factory.mktemp("demo-payment-keys")
    keys_generate(directory)
    return directory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path, _payment_keys):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAYMENT_KEYS_DIR = _payment_keys
    payment_keys_cache_clear()
    gateway_cache_clear()
    yield
    payment_keys_cache_clear()
    gateway_cache_clear()


def seed_demo(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_products_zero_seeds_accounts_and_the_catalog_skeleton_only():
    output = seed_demo(products=0)

    assert User.objects.count() == 2 + len(accounts_demo.SHOPPERS)
    assert Order.objects.count() == 0
    assert (Category.objects.count(), Brand.objects.count(), Product.objects.count()) == (46, 20, 0)
    assert output.splitlines()[-4:] == [
        "Demo data is ready.",
        "  Admin:    admin@example.com / shop-admin-2026   (back office: /admin/)",
        "  Customer: customer@example.com / shop-customer-2026",
        "  Coupons: WELCOME20 (¥20 off over ¥100), SAVE10 (10% off, at most ¥50)",
    ]


def test_the_products_option_reaches_the_catalog_and_inventory(eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(products=3)

    assert Product.objects.filter(status=Product.Status.PUBLISHED).count() == 3
    assert Stock.objects.count() == SKU.objects.count() > 0


def test_a_larger_count_later_adds_the_missing_products_only():
    seed_demo(products=2)
    first = list(Product.objects.order_by("pk").values_list("pk", "slug"))

    output = seed_demo(products=3)

    assert list(Product.objects.order_by("pk").values_list("pk", "slug"))[:2] == first
    assert Product.objects.count() == 3
    assert "Catalog: 1 new products (3 demo products)" in output


def test_a_second_run_adds_nothing_and_prints_the_same_logins():
    first = seed_demo(products=2)
    counts = (User.objects.count(), Category.objects.count(), Product.objects.count(), Stock.objects.count())

    second = seed_demo(products=2)

    assert (User.objects.count(), Category.objects.count(), Product.objects.count(), Stock.objects.count()) == counts
    assert first.splitlines()[-2:] == second.splitlines()[-2:]
    assert "Stock: 0 SKUs received, 0 sold out." in second


def test_apps_are_seeded_in_installed_apps_order_each_timed_at_verbosity_2():
    output = seed_demo(products=0, verbosity=2)

    timed = [line.split(":")[0] for line in output.splitlines() if line.endswith(" s")]
    assert timed == ["accounts", "catalog", "inventory", "promotions", "orders", "payments", "shipping", "reports"]


def test_a_negative_product_count_is_refused():
    with pytest.raises(CommandError, match="--products must be 0 or more"):
        seed_demo(products=-1)

    assert User.objects.count() == 0


# --- orders, payments, shipping -----------------------------------------------------------------


def seeded(**options) -> tuple[str, "orders_demo.DemoPlan"]:
    """seed_demo committing app by app, its events delivered eagerly in between, and the
    demo orders' plan as the later apps find it."""
    output = seed_demo(**options)
    return output, orders_demo.demo_plan()


def customer_order(status: str) -> Order:
    return Order.objects.filter(user__email=CUSTOMER, status=status).order_by("placed_at").first()


@pytest.mark.django_db(transaction=True)
def test_every_demo_order_ends_as_planned_with_its_history_in_the_past(eager_celery):
    # when (6 products: 12 orders, the demo customer's first nine one per state)
    started = timezone.now()
    output, plan = seeded(products=6)

    # then every order is where its plan says, with the plan's times
    orders = {order.number: order for order in Order.objects.all()}
    assert len(plan.orders) == len(orders) == 12
    assert started < plan.now < timezone.now()
    for planned in plan.orders:
        order, spec = orders[planned.number], planned.spec
        assert order.status == spec.status, (order.number, spec.outcome)
        assert (order.placed_at, order.cancelled_at, order.paid_at) == (spec.placed_at, spec.cancelled_at, spec.paid_at)
        assert (order.shipped_at, order.delivered_at, order.completed_at) == (
            spec.shipped_at,
            spec.delivered_at,
            spec.completed_at,
        )
        # and its history lies in the past, in order
        steps = [spec.placed_at, spec.paid_at, spec.refund_at, spec.shipped_at, spec.delivered_at, spec.completed_at]
        happened = [moment for moment in steps if moment is not None]
        assert happened == sorted(happened)
        assert started - timedelta(days=91) < order.placed_at
        assert happened[-1] < plan.now
        assert order.created_at == order.placed_at
        assert order.updated_at == max([*happened, order.cancelled_at or order.placed_at])
        assert order.payment_deadline == order.placed_at + payment_timeout()
        if order.status == "cancelled":
            assert order.placed_at < order.cancelled_at <= order.payment_deadline
        if order.status == "pending_payment":
            assert order.payment_deadline > timezone.now()
    # the demo customer has an order in every state, a delivered one waiting to complete too
    assert set(Order.objects.filter(user__email=CUSTOMER).values_list("status", flat=True)) == EVERY_STATE
    delivered = Order.objects.filter(user__email=CUSTOMER, status="shipped").exclude(delivered_at=None)
    assert delivered.get().delivered_at > plan.now - auto_complete_after()
    cancelled = OutboxMessage.objects.filter(topic="orders.order_cancelled.v1")
    assert {message.payload["reason"] for message in cancelled} == {"customer", "payment_timeout"}
    assert min(orders[planned.number].placed_at for planned in plan.orders) < started - timedelta(days=30)
    # and each app said what it did
    assert "Orders: 12 new orders over 90 days (planned: " in output
    assert re.search(r"^Payments: \d+ orders paid \(", output, re.MULTILINE)
    assert "Refunds: 1 in full and 1 in part before shipping (2 asked for by the customer" in output
    assert re.search(r"^Shipping: \d+ parcels shipped, \d+ tracking events \(\d+ delivered\)\.$", output, re.MULTILINE)
    assert re.search(r"^Orders: [1-9]\d* completed \(", output, re.MULTILINE)


@pytest.mark.django_db(transaction=True)
def test_orders_are_paid_through_the_providers_notifications(eager_celery):
    # when
    _, plan = seeded(products=6)

    # then each order paid once has one successful payment, settled by a verified notification
    paid_orders = Order.objects.filter(status__in=PAID_ONCE)
    assert paid_orders.count() == sum(planned.spec.paid_at is not None for planned in plan.orders) > 0
    for order in paid_orders:
        payment = Payment.objects.get(order_number=order.number, status="succeeded")
        assert (payment.order_id, payment.user_id, payment.amount) == (order.pk, order.user_id, order.total)
        assert (payment.provider, payment.paid_at) == (order.payment_provider, order.paid_at)
        assert order.placed_at < payment.created_at < payment.paid_at < plan.now
        notification = payment.notifications.get(outcome="accepted")
        assert notification.received_at == payment.paid_at
        trade = SandboxTrade.objects.get(out_trade_no=payment.out_trade_no)
        assert (trade.status, trade.trade_no, trade.amount) == ("succeeded", payment.provider_trade_no, payment.amount)
        assert payment.created_at == trade.created_at < trade.paid_at < payment.paid_at
    assert set(Payment.objects.values_list("provider", flat=True)) == {"alipay", "wechat"}
    # each by the provider's own signed notification, or (its notification lost) by the reconciler's query
    notifications = PaymentNotification.objects.filter(payment__status="succeeded")
    by_provider = notifications.filter(reason="", headers__has_key="Content-Type")
    reconciled = notifications.filter(reason="reconciled", headers={"Source": "query"})
    assert by_provider.count() + reconciled.count() == notifications.count() == paid_orders.count()
    assert by_provider.count() > reconciled.count() > 0
    assert reconciled.filter(payment__order_number=customer_order("paid").number).exists()
    # one buyer's first try with the other provider failed
    failed = Payment.objects.get(status="failed")
    paid_by = Payment.objects.get(order_number=failed.order_number, status="succeeded")
    assert failed.provider != paid_by.provider
    assert failed.paid_at is None
    assert failed.created_at < failed.updated_at < paid_by.created_at
    # orders never paid have no payment
    assert not Payment.objects.filter(order_number__in=Order.objects.exclude(status__in=PAID_ONCE).values("number"))
    # and the events followed: PaymentSucceeded, then OrderPaid, once per order
    succeeded = OutboxMessage.objects.filter(topic="payments.payment_succeeded.v1")
    order_paid = OutboxMessage.objects.filter(topic="orders.order_paid.v1")
    assert sorted(m.payload["order_number"] for m in succeeded) == sorted(paid_orders.values_list("number", flat=True))
    assert sorted(m.payload["number"] for m in order_paid) == sorted(paid_orders.values_list("number", flat=True))


@pytest.mark.django_db(transaction=True)
def test_refunds_are_approved_by_staff_and_refund_the_orders(eager_celery):
    # when
    _, plan = seeded(products=6)

    # then the demo customer asked for her money back before the parcel left; staff approved
    admin = User.objects.get(email="admin@example.com")
    refunded = customer_order("refunded")
    refund = Refund.objects.get(order_number=refunded.number)
    assert (refund.status, refund.amount, refund.requested_by.email, refund.approved_by) == (
        "succeeded",
        refunded.total,
        CUSTOMER,
        admin,
    )
    assert refunded.paid_at < refund.created_at < refund.approved_at < refund.succeeded_at < plan.now
    assert refund.payment.refunded == refund.payment.amount == refunded.total
    # and the goods, which never left, are back on hand
    lines = list(refunded.lines.values_list("sku_id", "quantity"))
    assert refund.return_goods
    assert sorted((line["sku_id"], line["quantity"]) for line in refund.lines) == sorted(lines)
    returned = StockMovement.objects.filter(reason="return", reference=f"refund:{refund.pk}")
    assert sorted(returned.values_list("sku_id", "delta_on_hand")) == sorted(lines)

    # then a price cut after payment gave her part of another order back, and took its share of points
    partly = customer_order("partially_refunded")
    part = Refund.objects.get(order_number=partly.number)
    assert part.status == "succeeded"
    assert part.approved_by == admin
    assert not part.return_goods
    assert 0 < part.amount < partly.total
    assert part.payment.refunded == part.amount
    priced = partly.breakdown["points_earned"]
    assert partly.points_earned == priced - int((priced * part.amount / partly.total).to_integral_value(ROUND_FLOOR))
    assert not StockMovement.objects.filter(reason="return", reference=f"refund:{part.pk}").exists()

    # and every planned refund happened, once, with its event
    planned = {p.number for p in plan.orders if p.spec.refund_at}
    assert set(Refund.objects.values_list("order_number", flat=True)) == planned
    assert set(Refund.objects.values_list("status", flat=True)) == {"succeeded"}
    topics = OutboxMessage.objects.filter(topic="payments.refund_succeeded.v1")
    assert sorted(m.payload["refund_id"] for m in topics) == sorted(Refund.objects.values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_shipped_orders_have_a_carrier_a_tracking_number_and_a_timeline(eager_celery):
    # when
    _, plan = seeded(products=6)

    # then every order that left has its parcel, scanned on its way up to now
    shipped = Order.objects.exclude(shipped_at=None)
    assert set(Shipment.objects.values_list("order_number", flat=True)) == set(shipped.values_list("number", flat=True))
    for order in shipped:
        shipment = Shipment.objects.get(order_id=order.pk)
        assert shipment.carrier in CARRIERS
        assert re.fullmatch(r"[A-Z0-9]{12,17}", shipment.tracking_number)
        assert shipment.shipped_at == shipment.created_at == order.shipped_at
        events = list(shipment.events.order_by("time", "id"))
        times = [event.time for event in events]
        assert events
        assert times == sorted(set(times))
        assert order.shipped_at < times[0]
        assert times[-1] < plan.now
        assert events[0].status == "picked_up"
        assert events[-1].status == shipment.status
        assert (
            shipment.status_changed_at
            == shipment.updated_at
            == min(e.time for e in events if e.status == shipment.status)
        )
        assert all(event.time < event.received_at < plan.now for event in events)
        if order.delivered_at is not None:
            assert (shipment.status, shipment.delivered_at) == ("delivered", order.delivered_at)
            assert events[-1].location == f"{order.province}{order.city}{order.district}"
        else:
            assert shipment.status != "delivered"
            assert shipment.delivered_at is None
    # the demo customer's parcel on its way has a timeline, not delivered yet
    on_its_way = Shipment.objects.get(order__user__email=CUSTOMER, order__status="shipped", delivered_at=None)
    assert on_its_way.status in ("in_transit", "out_for_delivery")
    assert on_its_way.events.count() >= 2
    # paid orders not shipped yet have no parcel; the events followed, once each
    assert shipped.count() == sum(planned.spec.shipped_at is not None for planned in plan.orders) > 0
    topics = Counter(OutboxMessage.objects.values_list("topic", flat=True))
    assert topics["orders.order_shipped.v1"] == shipped.count()
    assert topics["shipping.shipment_delivered.v1"] == shipped.exclude(delivered_at=None).count() > 0
    assert TrackingEvent.objects.count() == sum(
        Shipment.objects.get(pk=s.pk).events.count() for s in Shipment.objects.all()
    )


@pytest.mark.django_db(transaction=True)
def test_the_events_commit_and_return_stock_record_purchases_and_award_points(eager_celery):
    seeded(products=6)

    # every event was delivered
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()
    # paid orders' units left the warehouse; unpaid ones' are still reserved; cancelled ones' came back
    lines = OrderLine.objects.values_list("order__status", "quantity")
    paid_units = sum(qty for status, qty in lines if status in PAID_ONCE)
    pending_units = sum(qty for status, qty in lines if status == "pending_payment")
    committed = StockMovement.objects.filter(reason="commit").values_list("delta_on_hand", flat=True)
    assert -sum(committed) == paid_units > 0
    assert sum(Stock.objects.values_list("reserved", flat=True)) == pending_units > 0
    # the refunded orders' goods came back on hand
    refunded_units = sum(qty for status, qty in lines if status == "refunded")
    returned = StockMovement.objects.filter(reason="return").values_list("delta_on_hand", flat=True)
    assert sum(returned) == refunded_units > 0
    assert all(sku.stock_available == Stock.objects.get(sku_id=sku.pk).available for sku in SKU.objects.all())
    # completed orders: catalog knows who bought what, and the points were earned
    completed = Order.objects.filter(status="completed")
    bought = set(OrderLine.objects.filter(order__in=completed).values_list("order__user_id", "product_id"))
    assert set(Purchase.objects.values_list("user_id", "product_id")) == bought != set()
    assert sorted(PointsEntry.objects.filter(reason="order_completed").values_list("reference", "delta")) == sorted(
        completed.values_list("number", "points_earned")
    )
    assert PointsEntry.objects.filter(user__email=CUSTOMER, reason="order_completed").exists()
    # and only buyers reviewed, what they bought
    reviews = set(Review.objects.values_list("user_id", "product_id"))
    assert reviews
    assert reviews <= bought


@pytest.mark.django_db(transaction=True)
def test_a_second_run_adds_no_orders_payments_refunds_shipments_events_or_reviews(eager_celery):
    seeded(products=6)
    models = (
        Order,
        Payment,
        PaymentNotification,
        Refund,
        SandboxTrade,
        Shipment,
        TrackingEvent,
        OutboxMessage,
        StockMovement,
        Review,
        PointsEntry,
    )
    counts = [model.objects.count() for model in models]
    updated = sorted(Order.objects.values_list("number", "status", "updated_at"))

    output = seed_demo(products=6)

    assert [model.objects.count() for model in models] == counts
    assert sorted(Order.objects.values_list("number", "status", "updated_at")) == updated
    assert "Orders: 0 new orders" in output
    assert "Payments: 0 orders paid" in output
    assert "Shipping: 0 parcels shipped, 0 tracking events" in output


def test_the_default_plan_has_150_orders_in_every_state_over_90_days():
    now = timezone.now()
    customers = [CUSTOMER, *(email for email, *_ in accounts_demo.SHOPPERS)]

    specs = orders_demo.order_specs(
        count=orders_demo.DEFAULT_ORDERS, customers=customers, now=now, window=timedelta(minutes=30)
    )

    assert len(specs) == 150
    assert {spec.outcome for spec in specs} == set(orders_demo.OUTCOMES)
    showcase = orders_demo.SHOWCASE
    assert [spec.outcome for spec in specs[: len(showcase)]] == [outcome for outcome, _ in showcase]
    assert {spec.customer for spec in specs} == set(customers)
    assert all(now - timedelta(days=91) < spec.placed_at < now for spec in specs)
    assert sum(spec.placed_at < now - timedelta(days=45) for spec in specs) > 15
    # a few refunds in full before shipping, a few in part (most of those ship afterwards)
    refunds = Counter(spec.refund_in_full for spec in specs if spec.refund_at)
    assert refunds[True] >= 3
    assert refunds[False] >= 3
    assert any(spec.refund_at and spec.shipped_at for spec in specs)
    # completions both by the customer and automatically, a week after delivery
    completed = [spec for spec in specs if spec.outcome == "completed"]
    assert {spec.confirmed for spec in completed} == {True, False}
    assert all(spec.completed_at - spec.delivered_at == timedelta(days=7) for spec in completed if not spec.confirmed)
    assert specs == orders_demo.order_specs(count=150, customers=customers, now=now, window=timedelta(minutes=30))


@pytest.mark.django_db(transaction=True)
def test_the_sales_roll_up_puts_each_demo_sale_on_its_paid_day(eager_celery):
    from django.db.models import Sum

    from apps.reports.models import DailySales

    # when
    output, _plan = seeded(products=6)

    # then the roll-up holds every paid demo order once, on the (back-dated) day it was paid
    paid = Order.objects.filter(paid_at__isnull=False)
    paid_days = {timezone.localdate(order.paid_at) for order in paid}
    assert "Reports: the sales roll-up rebuilt for the last 120 days" in output
    assert DailySales.objects.aggregate(n=Sum("paid_orders"))["n"] == paid.count()
    assert set(DailySales.objects.filter(paid_orders__gt=0).values_list("day", flat=True)) == paid_days
    assert len(paid_days) > 1
