"""Bulk sales data for the reports' scale test and for trying the dashboard out.

`seed_orders` writes paid (and some cancelled) orders with their lines, successful
payments and some succeeded refunds straight into the orders and payments tables with
`bulk_create`: 100,000 orders take about a minute, where the services would take hours.
It is test data, not shop data, so it bypasses what the services do:

- no stock is reserved or committed, no coupon redeemed, no points awarded;
- no events are published, so nothing reacts to these orders (mail, stock, roll-up):
  rebuild the roll-up afterwards (`reports_seed_orders` does, for the seeded days);
- amounts follow the shop's rules (line totals after discounts, free shipping above a
  threshold, a refund never above the payment), states and times are consistent
  (placed < paid < shipped < completed, refunds after payment, nothing in the future).

The tables are reached through `django.apps.apps.get_model`, never by importing another
app's code. Orders are spread over the last `days` days, more of them lately (a growing
shop) and on weekends; popular products sell more (a Zipf-like weighting).
"""

import dataclasses
import random
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.core.domain.money import ZERO, allocate, to_money

CHUNK = 5000
SHIPPING_FEE = Decimal("10.00")
FREE_SHIPPING_FROM = Decimal("99.00")
# 满200减20, up to three times per order
THRESHOLD, THRESHOLD_OFF, THRESHOLD_TIMES = Decimal("200.00"), Decimal("20.00"), 3
PROVIDERS = (("alipay", 58), ("wechat", 42))
LINES_PER_ORDER = ((1, 55), (2, 30), (3, 12), (4, 3))
QUANTITIES = ((1, 78), (2, 17), (3, 5))
CANCELLED_SHARE = 0.09
SEED_BUYERS = 200
SEED_BUYER_EMAIL = "reports-seed-buyer-{}@example.com"
PLACES = (
    ("广东省", "深圳市", "南山区"),
    ("广东省", "广州市", "天河区"),
    ("浙江省", "杭州市", "西湖区"),
    ("上海市", "上海市", "浦东新区"),
    ("北京市", "北京市", "朝阳区"),
    ("四川省", "成都市", "武侯区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("湖北省", "武汉市", "洪山区"),
)
NAMES = ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄婷", "周杰", "吴涛")


@dataclasses.dataclass(frozen=True)
class SeedResult:
    orders: int
    paid: int
    refunds: int
    first_day: date
    last_day: date


@dataclasses.dataclass(frozen=True)
class _Sku:
    id: int
    product_id: int
    code: str
    product_name: str
    price: Decimal


def seed_orders(
    *,
    orders: int,
    days: int = 120,
    refund_rate: float = 0.04,
    seed: int | None = None,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Add `orders` orders placed over the last `days` days (today included)."""
    if orders < 1 or days < 1:
        raise ValueError("orders and days must be at least 1")
    if not 0 <= refund_rate <= 1:
        raise ValueError("refund_rate must be between 0 and 1")
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_day = today - timedelta(days=days - 1)
    skus = _buyable_skus()
    if not skus:
        raise LookupError("there is no buyable SKU to sell: create a catalog first (manage.py seed_demo)")
    sku_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(skus))]
    rng.shuffle(skus)  # popularity does not follow the id order
    buyers = _buyers()
    approver = get_user_model().objects.filter(is_staff=True).order_by("-is_superuser", "id").first()
    day_list = [first_day + timedelta(days=n) for n in range(days)]
    # Growth: the last day sells about three times the first; weekends a fifth more.
    day_weights = [
        (1 + 2 * n / max(days - 1, 1)) * (1.2 if day.weekday() >= 5 else 1) for n, day in enumerate(day_list)
    ]

    made = paid = refunds = 0
    while made < orders:
        size = min(CHUNK, orders - made)
        with transaction.atomic():
            chunk = _seed_chunk(
                rng=rng,
                size=size,
                now=now,
                days=rng.choices(day_list, weights=day_weights, k=size),
                skus=skus,
                sku_weights=sku_weights,
                buyers=buyers,
                approver=approver,
                refund_rate=refund_rate,
            )
        made += size
        paid += chunk[0]
        refunds += chunk[1]
        if progress:
            progress(made)
    return SeedResult(orders=made, paid=paid, refunds=refunds, first_day=first_day, last_day=today)


def _buyable_skus() -> list[_Sku]:
    SKU = django_apps.get_model("catalog", "SKU")
    rows = (
        SKU.objects.filter(is_active=True, product__status="published", price__gt=0)
        .order_by("id")
        .values_list("id", "product_id", "code", "product__name", "price")
    )
    return [_Sku(*row) for row in rows]


def _buyers() -> list[int]:
    """Customers to order as: existing non-staff accounts, else SEED_BUYERS new ones
    (unusable passwords: nobody signs in as them)."""
    User = get_user_model()
    ids = list(User.objects.filter(is_staff=False, is_active=True).order_by("id").values_list("id", flat=True)[:2000])
    if ids:
        return ids
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(email=SEED_BUYER_EMAIL.format(n), display_name=f"Seed buyer {n}", password=unusable)
            for n in range(SEED_BUYERS)
        ],
        ignore_conflicts=True,
    )
    return list(User.objects.filter(email__startswith="reports-seed-buyer-").values_list("id", flat=True))


def _seed_chunk(*, rng, size, now, days, skus, sku_weights, buyers, approver, refund_rate) -> tuple[int, int]:
    Order = django_apps.get_model("orders", "Order")
    OrderLine = django_apps.get_model("orders", "OrderLine")
    Payment = django_apps.get_model("payments", "Payment")
    Refund = django_apps.get_model("payments", "Refund")

    plans = [_plan_order(rng=rng, day=day, now=now, skus=skus, sku_weights=sku_weights) for day in days]
    plans = [plan for plan in plans if plan is not None]
    numbers = _unused_numbers(rng, [plan["placed_at"] for plan in plans])
    orders = []
    for plan, number in zip(plans, numbers, strict=True):
        place = rng.choice(PLACES)
        orders.append(
            Order(
                number=number,
                user_id=rng.choice(buyers),
                status=plan["status"],
                recipient=rng.choice(NAMES),
                phone=f"139{rng.randrange(10**8):08d}",
                province=place[0],
                city=place[1],
                district=place[2],
                street=f"科技路 {rng.randint(1, 300)} 号",
                shipping_method="standard",
                subtotal=plan["subtotal"],
                discount_total=plan["discount"],
                shipping_fee=SHIPPING_FEE,
                shipping_discount=plan["shipping_discount"],
                total=plan["total"],
                points_earned=int(plan["subtotal"] - plan["discount"]),
                breakdown=plan["breakdown"],
                placed_at=plan["placed_at"],
                payment_deadline=plan["placed_at"] + timedelta(minutes=30),
                paid_at=plan["paid_at"],
                payment_provider=plan["provider"],
                shipped_at=plan["shipped_at"],
                completed_at=plan["completed_at"],
                cancelled_at=plan["cancelled_at"],
            )
        )
    Order.objects.bulk_create(orders, batch_size=1000)
    OrderLine.objects.bulk_create(
        [
            OrderLine(order_id=order.pk, **line)
            for order, plan in zip(orders, plans, strict=True)
            for line in plan["lines"]
        ],
        batch_size=2000,
    )
    ids = [order.pk for order in orders]
    Order.objects.filter(pk__in=ids).update(created_at=F("placed_at"))

    paid = [(order, plan) for order, plan in zip(orders, plans, strict=True) if plan["paid_at"] is not None]
    payments = [
        Payment(
            order_id=order.pk,
            order_number=order.number,
            user_id=order.user_id,
            provider=plan["provider"],
            amount=order.total,
            status="succeeded",
            out_trade_no=f"S{order.number}{secrets.token_hex(4)}",
            provider_trade_no=f"P{secrets.token_hex(10)}",
            paid_at=plan["paid_at"],
            refund_held=ZERO,
            refunded=ZERO,
        )
        for order, plan in paid
    ]
    Payment.objects.bulk_create(payments, batch_size=2000)
    Payment.objects.filter(pk__in=[payment.pk for payment in payments]).update(created_at=F("paid_at"))

    refunds, refunded_orders, refunded_payments = [], [], []
    for (order, plan), payment in zip(paid, payments, strict=True):
        if rng.random() >= refund_rate:
            continue
        succeeded_at = plan["paid_at"] + timedelta(hours=rng.uniform(2, 24 * 10))
        if succeeded_at >= now:
            continue
        full = rng.random() < 0.5
        amount = order.total if full else to_money(order.total * Decimal(rng.choice((20, 30, 50))) / 100)
        if amount <= 0:
            continue
        refunds.append(
            Refund(
                payment_id=payment.pk,
                order_number=order.number,
                amount=amount,
                reason="质量问题" if full else "部分退款 少发一件",
                status="succeeded",
                out_refund_no=f"R{order.number}{secrets.token_hex(4)}",
                provider_refund_no=f"PR{secrets.token_hex(10)}",
                return_goods=False,
                lines=[],
                requested_by_id=order.user_id,
                approved_by=approver,
                approved_at=succeeded_at if approver else None,
                succeeded_at=succeeded_at,
            )
        )
        payment.refund_held = payment.refunded = amount
        refunded_payments.append(payment)
        order.status = "refunded" if full else "partially_refunded"
        refunded_orders.append(order)
    Refund.objects.bulk_create(refunds, batch_size=2000)
    Refund.objects.filter(pk__in=[refund.pk for refund in refunds]).update(created_at=F("succeeded_at"))
    Payment.objects.bulk_update(refunded_payments, ["refund_held", "refunded"], batch_size=1000)
    Order.objects.bulk_update(refunded_orders, ["status"], batch_size=1000)
    return len(paid), len(refunds)


def _plan_order(*, rng, day: date, now: datetime, skus, sku_weights) -> dict | None:
    # Mostly daytime and evening, as shoppers do.
    seconds = int(rng.triangular(7 * 3600, 24 * 3600 - 1, 21 * 3600))
    placed_at = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(seconds=seconds)
    if placed_at >= now:
        placed_at = now - timedelta(minutes=rng.uniform(1, 60 * 8))
        if timezone.localdate(placed_at) != day:
            return None  # no time left today before now: skip this one
    count = _pick(rng, LINES_PER_ORDER)
    chosen = {sku.id: sku for sku in rng.choices(skus, weights=sku_weights, k=count)}.values()
    items = [(sku, _pick(rng, QUANTITIES)) for sku in chosen]
    gross = [to_money(sku.price * quantity) for sku, quantity in items]
    subtotal = sum(gross, ZERO)
    discount = min(THRESHOLD_OFF * min(int(subtotal // THRESHOLD), THRESHOLD_TIMES), subtotal)
    shares = allocate(discount, gross)
    goods = subtotal - discount
    shipping_discount = SHIPPING_FEE if goods >= FREE_SHIPPING_FROM else ZERO
    total = goods + SHIPPING_FEE - shipping_discount
    lines = [
        {
            "sku_id": sku.id,
            "product_id": sku.product_id,
            "product_name": sku.product_name,
            "sku_code": sku.code,
            "attributes": "",
            "unit_price": sku.price,
            "quantity": quantity,
            "line_discount": share,
            "line_total": line_gross - share,
        }
        for (sku, quantity), line_gross, share in zip(items, gross, shares, strict=True)
    ]
    plan = {
        "placed_at": placed_at,
        "lines": lines,
        "subtotal": subtotal,
        "discount": discount,
        "shipping_discount": shipping_discount,
        "total": total,
        "breakdown": {
            "subtotal": str(subtotal),
            "adjustments": [{"kind": "threshold", "label": "满200减20", "amount": str(discount)}] if discount else [],
            "discount_total": str(discount),
            "shipping_fee": str(SHIPPING_FEE),
            "shipping_discount": str(shipping_discount),
            "total": str(total),
            "points_earned": int(goods),
            "coupon_code": None,
            "line_discounts": [[line["sku_id"], str(line["line_discount"])] for line in lines],
        },
        "provider": "",
        "paid_at": None,
        "shipped_at": None,
        "completed_at": None,
        "cancelled_at": None,
    }
    paid_at = placed_at + timedelta(seconds=rng.uniform(20, 20 * 60))
    if rng.random() < CANCELLED_SHARE:
        cancelled_at = placed_at + timedelta(minutes=rng.choice((5, 30)))
        if cancelled_at < now:
            return {**plan, "status": "cancelled", "cancelled_at": cancelled_at}
    if paid_at >= now:
        return {**plan, "status": "pending_payment"}
    plan.update(status="paid", paid_at=paid_at, provider=_pick(rng, PROVIDERS))
    shipped_at = paid_at + timedelta(hours=rng.uniform(4, 40))
    if shipped_at < now:
        plan.update(status="shipped", shipped_at=shipped_at)
        completed_at = shipped_at + timedelta(days=rng.uniform(2, 9))
        if completed_at < now:
            plan.update(status="completed", completed_at=completed_at)
    return plan


def _pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _unused_numbers(rng, placed: list[datetime]) -> list[str]:
    """Order numbers as the shop makes them (local date, then 8 random digits), none
    already taken."""
    Order = django_apps.get_model("orders", "Order")
    numbers = [f"{timezone.localtime(moment):%Y%m%d}{rng.randrange(10**8):08d}" for moment in placed]
    while True:
        taken = set(Order.objects.filter(number__in=numbers).values_list("number", flat=True))
        seen: set[str] = set()
        clashes = []
        for index, number in enumerate(numbers):
            if number in taken or number in seen:
                clashes.append(index)
            seen.add(number)
        if not clashes:
            return numbers
        for index in clashes:
            numbers[index] = f"{timezone.localtime(placed[index]):%Y%m%d}{rng.randrange(10**8):08d}"
