"""Order use cases. Each runs in one transaction: lock, change state, publish the event.

Placing an order prices, reserves stock, redeems the coupon and writes the order in the
same transaction, so a failure anywhere (out of stock, a coupon used up meanwhile)
leaves no trace: no order, no reservation, no coupon use.
"""

from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts import public as accounts_public
from apps.cart import public as cart_public
from apps.catalog import public as catalog_public
from apps.core.domain.money import ZERO
from apps.core.observability import business_log
from apps.core.outbox import publish
from apps.inventory import public as inventory_public
from apps.orders.domain import exceptions
from apps.orders.domain.events import OrderCancelled, OrderCompleted, OrderPaid, OrderPlaced, OrderShipped
from apps.orders.domain.status import IllegalTransition, OrderStatus, ensure_transition
from apps.orders.models import Order, OrderLine, new_order_number
from apps.promotions import public as promotions_public

CANCELLED_BY_CUSTOMER = "customer"
CANCELLED_BY_TIMEOUT = "payment_timeout"
CANCELLED_BY_STAFF = "staff"
CANCEL_REASONS = (CANCELLED_BY_CUSTOMER, CANCELLED_BY_TIMEOUT, CANCELLED_BY_STAFF)
# A customer orders a handful of items; anything beyond is a script or a typo.
MAX_LINE_QUANTITY = 999


def payment_timeout() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "ORDER_PAYMENT_TIMEOUT", 30 * 60)))


def order_place_from_cart(
    *,
    user,
    address_id: int,
    shipping_method: str = promotions_public.DEFAULT_SHIPPING_METHOD,
    coupon_code: str | None = None,
) -> Order:
    """Checkout: the signed-in customer's cart becomes an order.

    The cart must be ready (not empty, no line unavailable, short of stock or with a
    price the customer has not seen: CartNotReady otherwise). The bought lines leave
    the cart after the order commits, so a failed placement keeps the cart as it was.
    """
    key = cart_public.user_cart_key(user.pk)
    view = cart_public.cart_view(
        key=key, coupon_code=coupon_code or None, user_id=user.pk, shipping_method=shipping_method
    )
    cart_public.cart_ensure_ready(view=view)
    lines = [(line.sku_id, line.quantity) for line in view.lines]
    order = order_place(
        user=user, lines=lines, address_id=address_id, shipping_method=shipping_method, coupon_code=coupon_code
    )
    transaction.on_commit(
        lambda: cart_public.cart_remove_purchased(key=key, sku_ids=[sku_id for sku_id, _ in lines]), robust=True
    )
    return order


def order_place(
    *,
    user,
    lines: list[tuple[int, int]],
    address_id: int,
    shipping_method: str = promotions_public.DEFAULT_SHIPPING_METHOD,
    coupon_code: str | None = None,
) -> Order:
    merged = _merged(lines)
    address = accounts_public.address_snapshot(user_id=user.pk, address_id=address_id)
    if address is None:
        raise exceptions.AddressNotFound()
    promotions_public.shipping_method_get(code=shipping_method)  # UnknownShippingMethod (400)
    coupon_code = (coupon_code or "").strip() or None

    snapshots = catalog_public.sku_snapshots(sku_ids=[sku_id for sku_id, _ in merged])
    for sku_id, _qty in merged:
        snapshot = snapshots.get(sku_id)
        if snapshot is None or not snapshot.is_buyable:
            raise exceptions.SkuUnavailable(sku_id)

    now = timezone.now()
    pricing_lines = [
        promotions_public.PricingLine(
            sku_id=sku_id,
            product_id=snapshots[sku_id].product_id,
            category_path=snapshots[sku_id].category_path,
            brand_id=snapshots[sku_id].brand_id,
            unit_price=snapshots[sku_id].price,
            quantity=qty,
        )
        for sku_id, qty in merged
    ]
    breakdown = promotions_public.price_cart(
        lines=pricing_lines, coupon_code=coupon_code, user_id=user.pk, shipping_method=shipping_method, at=now
    )
    if coupon_code and (breakdown.coupon_error or not breakdown.coupon_code):
        raise exceptions.CouponInvalid(breakdown.coupon_error or "coupon_not_applicable")

    with transaction.atomic():
        number = _unused_number(now)
        inventory_public.stock_reserve(lines=merged, reference=number)
        if breakdown.coupon_code:
            promotions_public.coupon_redeem(
                code=breakdown.coupon_code, user_id=user.pk, order_reference=number, breakdown=breakdown, at=now
            )
        order = Order.objects.create(
            number=number,
            user=user,
            status=Order.Status.PENDING_PAYMENT,
            **address,
            shipping_method=shipping_method,
            subtotal=breakdown.subtotal,
            discount_total=breakdown.discount_total,
            shipping_fee=breakdown.shipping_fee,
            shipping_discount=breakdown.shipping_discount,
            total=breakdown.total,
            points_earned=breakdown.points_earned,
            coupon_code=breakdown.coupon_code or "",
            breakdown=_breakdown_snapshot(breakdown),
            placed_at=now,
            payment_deadline=now + payment_timeout(),
        )
        discounts = dict(breakdown.line_discounts)
        order_lines = OrderLine.objects.bulk_create(
            [
                _order_line(order, pricing_line, snapshots[pricing_line.sku_id], discounts)
                for pricing_line in pricing_lines
            ]
        )
        publish(order_placed_event(order, order_lines))
    business_log("order_placed", order_id=order.pk, number=order.number, user_id=user.pk, total=str(order.total))
    return order


def order_placed_event(order: Order, lines) -> OrderPlaced:
    """OrderPlaced for `order` and its `lines`, as order_place publishes it."""
    return OrderPlaced(
        order_id=order.pk,
        number=order.number,
        user_id=order.user_id,
        total=order.total,
        coupon_code=order.coupon_code or None,
        lines=[
            {
                "sku_id": line.sku_id,
                "product_id": line.product_id,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
            for line in lines
        ],
    )


def order_paid_event(order: Order, lines) -> OrderPaid:
    """OrderPaid for `order` and its `lines`, as order_mark_paid publishes it."""
    return OrderPaid(
        order_id=order.pk,
        number=order.number,
        user_id=order.user_id,
        total=order.total,
        discount_total=order.discount_total,
        provider=order.payment_provider,
        paid_at=order.paid_at,
        lines=[
            {
                "sku_id": line.sku_id,
                "product_id": line.product_id,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_total": line.line_total,
            }
            for line in lines
        ],
    )


def order_cancel(*, order: Order, reason: str = CANCELLED_BY_CUSTOMER) -> Order:
    """Cancel an unpaid order: its stock and coupon come back (IllegalTransition otherwise)."""
    if reason not in CANCEL_REASONS:
        raise ValueError(f"unknown cancel reason {reason!r}")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        _cancel_locked(order, reason=reason)
    return order


def order_confirm_receipt(*, order: Order, user) -> Order:
    """The customer says the parcel arrived: shipped -> completed."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk, user_id=user.pk)
        _complete_locked(order)
    business_log("order_completed", order_id=order.pk, number=order.number)
    return order


def order_mark_paid(*, order_number: str, amount: Decimal, provider: str, paid_at: datetime | None = None) -> Order:
    """The payment for an unpaid order arrived: pending_payment -> paid.

    The payments app calls this once it has checked the provider's notification. A
    payment for an order that can no longer be paid (cancelled after its window, say)
    raises IllegalTransition, and the payments app refunds it; an amount other than the
    order's total raises PaymentAmountMismatch. Either way nothing changes.
    """
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
    provider = _short_text(provider, "provider", Order._meta.get_field("payment_provider").max_length)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(number=order_number)
        order.mark_paid(amount=amount, provider=provider, at=paid_at)
        order.save(update_fields=["status", "paid_at", "payment_provider", "updated_at"])
        publish(order_paid_event(order, order.lines.all()))
    business_log("order_paid", order_id=order.pk, number=order.number, provider=provider, total=str(order.total))
    return order


def order_mark_shipped(
    *, order: Order, carrier: str, tracking_number: str, shipped_at: datetime | None = None
) -> Order:
    """The parcel left the warehouse: paid -> shipped (IllegalTransition otherwise).

    The carrier and tracking number travel in OrderShipped; the shipping app keeps them.
    """
    carrier = _short_text(carrier, "carrier", 64)
    tracking_number = _short_text(tracking_number, "tracking_number", 64)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status == OrderStatus.PARTIALLY_REFUNDED and order.shipped_at is not None:
            raise IllegalTransition(order.status, OrderStatus.SHIPPED)  # a partly refunded order ships once
        order.mark_shipped(at=shipped_at)
        order.save(update_fields=["status", "shipped_at", "updated_at"])
        publish(
            OrderShipped(
                order_id=order.pk,
                number=order.number,
                user_id=order.user_id,
                carrier=carrier,
                tracking_number=tracking_number,
            )
        )
    business_log("order_shipped", order_id=order.pk, number=order.number, carrier=carrier)
    return order


def orders_expire_unpaid(*, now: datetime | None = None) -> int:
    """Cancel the unpaid orders whose payment window has closed; returns how many.

    One transaction per order, and rows another worker holds (a payment arriving right
    now, or a second beat run) are skipped: they are dealt with, or come round next run.
    """
    now = now or timezone.now()
    overdue = {"status": Order.Status.PENDING_PAYMENT, "payment_deadline__lt": now}
    ids = list(Order.objects.filter(**overdue).order_by("payment_deadline").values_list("pk", flat=True))
    cancelled = 0
    for order_id in ids:
        with transaction.atomic():
            order = Order.objects.select_for_update(skip_locked=True).filter(pk=order_id, **overdue).first()
            if order is None:
                continue
            _cancel_locked(order, reason=CANCELLED_BY_TIMEOUT, at=now)
            cancelled += 1
    return cancelled


def _cancel_locked(order: Order, *, reason: str, at: datetime | None = None) -> None:
    order.cancel(at=at)
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    reserved = [(line.sku_id, line.quantity) for line in order.lines.all() if line.sku_id is not None]
    if reserved:
        inventory_public.stock_release(lines=reserved, reference=order.number)
    if order.coupon_code:
        promotions_public.coupon_release(order_reference=order.number)
    publish(OrderCancelled(order_id=order.pk, number=order.number, user_id=order.user_id, reason=reason))
    business_log("order_cancelled", order_id=order.pk, number=order.number, reason=reason)


def _short_text(value, name: str, max_length: int) -> str:
    """A required code or reference from another app: a programming error if missing or too long."""
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_length:
        raise ValueError(f"{name} must be a non-empty string of at most {max_length} characters")
    return value.strip()


def _merged(lines) -> list[tuple[int, int]]:
    """One line per SKU, in the order first seen; quantities of repeated SKUs add up."""
    merged: dict[int, int] = {}
    for sku_id, qty in lines:
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            raise exceptions.InvalidQuantity()
        merged[int(sku_id)] = merged.get(int(sku_id), 0) + qty
        if merged[int(sku_id)] > MAX_LINE_QUANTITY:
            raise exceptions.InvalidQuantity()
    if not merged:
        raise exceptions.EmptyOrder()
    return list(merged.items())


def _unused_number(now: datetime) -> str:
    while True:
        number = new_order_number(now)
        if not Order.objects.filter(number=number).exists():
            return number


def _order_line(order: Order, line, snapshot, discounts: dict) -> OrderLine:
    discount = discounts.get(line.sku_id, ZERO)
    return OrderLine(
        order=order,
        sku_id=line.sku_id,
        product_id=line.product_id,
        product_name=snapshot.product_name,
        sku_code=snapshot.code,
        attributes=snapshot.attributes,
        unit_price=line.unit_price,
        quantity=line.quantity,
        line_discount=discount,
        line_total=line.line_total - discount,
    )


def _breakdown_snapshot(breakdown) -> dict:
    """The breakdown as JSON primitives (amounts as strings), as the order was priced."""
    return {
        "subtotal": str(breakdown.subtotal),
        "adjustments": [
            {"kind": a.kind, "label": str(a.label), "amount": str(a.amount)} for a in breakdown.adjustments
        ],
        "discount_total": str(breakdown.discount_total),
        "shipping_fee": str(breakdown.shipping_fee),
        "shipping_discount": str(breakdown.shipping_discount),
        "total": str(breakdown.total),
        "points_earned": breakdown.points_earned,
        "coupon_code": breakdown.coupon_code,
        "line_discounts": [[sku_id, str(amount)] for sku_id, amount in breakdown.line_discounts],
    }


# --- Delivery and completion without the customer (shipping's ShipmentDelivered) ---------


def auto_complete_after() -> timedelta:
    return timedelta(days=int(getattr(settings, "ORDER_AUTO_COMPLETE_DAYS", 7)))


def order_mark_delivered(*, order_number: str, delivered_at: datetime) -> Order:
    """The carrier delivered the parcel: record when. The first delivery counts.

    The status does not change: a shipped order completes ORDER_AUTO_COMPLETE_DAYS later
    (orders_complete_delivered) unless the customer confirms receipt first; an order
    already completed or refunded just keeps the fact.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(number=order_number)
        if order.delivered_at is None:
            order.delivered_at = delivered_at
            order.save(update_fields=["delivered_at", "updated_at"])
    business_log("order_delivered", order_id=order.pk, number=order.number)
    return order


def orders_complete_delivered(*, now: datetime | None = None) -> int:
    """Complete the orders delivered more than ORDER_AUTO_COMPLETE_DAYS ago; returns how many.

    Completion is the same as the customer's confirmation (OrderCompleted, so points
    follow). One transaction per order; rows another worker holds (the customer
    confirming right now) are skipped, and an order completed meanwhile no longer matches.
    """
    now = now or timezone.now()
    due = {
        # A partly refunded order that shipped completes too (see domain/status.py).
        "status__in": [Order.Status.SHIPPED, Order.Status.PARTIALLY_REFUNDED],
        "completed_at__isnull": True,
        "delivered_at__lt": now - auto_complete_after(),
    }
    ids = list(Order.objects.filter(**due).order_by("delivered_at").values_list("pk", flat=True))
    completed = 0
    for order_id in ids:
        try:
            with transaction.atomic():
                order = Order.objects.select_for_update(skip_locked=True).filter(pk=order_id, **due).first()
                if order is None:
                    continue
                _complete_locked(order, at=now)
        except IllegalTransition:  # the state machine says no: one order must not stop the rest
            continue
        business_log("order_completed", order_id=order.pk, number=order.number, automatically=True)
        completed += 1
    return completed


def _complete_locked(order: Order, *, at: datetime | None = None) -> None:
    """shipped -> completed and OrderCompleted, on an order locked by the caller."""
    order.complete(at=at)  # IllegalTransition unless order.can_complete
    order.save(update_fields=["status", "completed_at", "updated_at"])
    product_ids = sorted(set(order.lines.values_list("product_id", flat=True)))
    publish(
        OrderCompleted(
            order_id=order.pk,
            number=order.number,
            user_id=order.user_id,
            product_ids=product_ids,
            total=order.total,
        )
    )


# --- Refunds (payments' RefundSucceeded) ----------------------------------------------------


def order_mark_refunded(*, order_number: str, fully_refunded: bool) -> Order:
    """Money went back to the customer: refunded when nothing of the payment is left,
    partially refunded otherwise (a second partial refund keeps it so).

    IllegalTransition when the order cannot take it: a cancelled order whose late
    payment was refunded stays cancelled, and a refunded order stays refunded.
    """
    target = OrderStatus.REFUNDED if fully_refunded else OrderStatus.PARTIALLY_REFUNDED
    with transaction.atomic():
        order = Order.objects.select_for_update().get(number=order_number)
        ensure_transition(order.status, target)
        order.status = target
        order.save(update_fields=["status", "updated_at"])
    business_log("order_refunded", order_id=order.pk, number=order.number, fully=fully_refunded)
    return order


def order_refund_points(*, order_number: str, refund_reference: str, amount: Decimal, refunded_total: Decimal) -> int:
    """Take back the points of the refunded share of an order; returns how many it loses.

    The share is cumulative: after refunds adding up to X of a total T, the order keeps
    `points - floor(points * X / T)` of the points priced at placement, so partial
    refunds never take back more than a full one, and a full refund takes back all.
    This refund's part is the difference before and after it (`refunded_total` includes
    it), whatever order the refunds arrive in.

    Before completion the order simply earns fewer points (completion awards what is
    left); once completed, the ledger gets one negative line for this refund (reason
    `order_refunded`, reference `refund_reference`: a replay adds nothing), never taking
    the balance below zero. An order that was never paid (a late payment refunded after
    cancelling) has nothing to take back.
    """
    for name, value in (("amount", amount), ("refunded_total", refunded_total)):
        if not isinstance(value, Decimal):
            raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(number=order_number)
        if order.paid_at is None or order.total <= ZERO:
            return 0
        priced = int((order.breakdown or {}).get("points_earned", order.points_earned))

        def taken_back(refunded: Decimal) -> int:
            refunded = min(max(refunded, ZERO), order.total)
            return int((priced * refunded / order.total).to_integral_value(rounding=ROUND_FLOOR))

        if order.completed_at is None:
            keep = priced - taken_back(refunded_total)
            lost = max(order.points_earned - keep, 0)
            if lost:
                order.points_earned = keep
                order.save(update_fields=["points_earned", "updated_at"])
        else:
            share = taken_back(refunded_total) - taken_back(refunded_total - amount)
            lost = min(share, accounts_public.points_balance(user=order.user))
            if lost > 0 and not accounts_public.points_record(
                user=order.user, delta=-lost, reason="order_refunded", reference=refund_reference
            ):
                lost = 0  # taken back already (a replay)
    business_log("order_refund_points", number=order_number, reference=refund_reference, points=lost)
    return max(lost, 0)
