"""Demo setup for `manage.py seed_demo`: this installation's payment keys, then the demo
orders' payments and refunds.

The keys come first, so the simulated Alipay and WeChat Pay can sign and the shop can
verify (keys already there are kept; -v 2 says what was written).

Orders' demo plans each demo order's life and leaves the ones to pay waiting for
payment (apps/orders/demo.py tells how the apps share the plan). Here they are paid as
a customer pays: the payment starts (payment_create: the simulated provider opens a
trade), the buyer pays at the simulated cashier, and the provider's signed notification
goes through the service the notify endpoints call (notification_receive). For a few
the notification never comes and the reconciler's query settles the payment
(payment_reconcile); a few buyers first fail with the other provider. Alipay and WeChat
Pay are mixed. PaymentSucceeded marks the orders paid once this app's transaction has
committed (OrderPaid: inventory commits the stock).

After that commit come the planned refunds, all before the orders ship: a customer asks
and staff approve (refund_request, refund_approve), or staff refund on their own
(refund_create_by_staff); in full (the goods never left the warehouse, so they go back
on hand) or a part (a price cut after payment). RefundSucceeded makes the order
refunded or partially refunded and takes back the refunded share of its points.

Demo only: the services stamp "now"; the times of the payments, their notifications,
the refunds and the sandbox's records are then moved back to the plan's with queryset
updates, before the commit, so an order's paid time, which the order copies from its
payment, is in the past too.

A payment or a refund that the order has already is not made again: a second run adds
nothing. Without PAYMENT_SANDBOX (production) nothing is paid: only the simulated
providers let the demo pay.
"""

import random
from collections import Counter
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from importlib import import_module
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F

from apps.core.domain.exceptions import DomainError
from apps.core.domain.money import CENT
from apps.orders import public as orders_public
from apps.payments.models import Payment, PaymentNotification, Provider, Refund, SandboxRefund, SandboxTrade
from apps.payments.sandbox import delivery, trades
from apps.payments.services import payments as payment_services
from apps.payments.services import refunds as refund_services

SEED = "shop-demo-payments-1"
PROVIDERS = (Provider.ALIPAY, Provider.WECHAT)
PROVIDER_WEIGHTS = (6, 4)
RECONCILED_SHARE = 0.05  # the notification never comes: the reconciler's query settles the payment
FAILED_FIRST_SHARE = 0.06  # the buyer's first try, with the other provider, fails
# The demo customer's showcase orders (by index, see orders' SHOWCASE) show both too.
SHOWCASE_RECONCILED = {2}
SHOWCASE_FAILED_FIRST = {8}
CUSTOMER_ASKS_SHARE = 0.5  # of the other refunds; the rest staff make on their own
CHANGED_MIND = (
    "不想要了 Changed my mind",
    "拍错了颜色 Ordered the wrong colour",
    "重复下单 Ordered twice by mistake",
)
OUT_OF_STOCK = "仓库缺货 Out of stock at the warehouse"
PRICE_CUT = "价格保护 付款后降价退差价 Price protection: the price dropped after payment"
PRICE_CUT_SHARES = (Decimal("0.05"), Decimal("0.08"), Decimal("0.10"), Decimal("0.15"))


def seed(*, stdout, verbosity: int = 1, **options) -> list[str]:
    out = StringIO()
    call_command("payment_keys", stdout=out, verbosity=verbosity)
    if verbosity >= 2:
        stdout.write(out.getvalue().rstrip())
    if not settings.PAYMENT_SANDBOX:
        if verbosity:
            stdout.write("Payments: none (the simulated providers are off: PAYMENT_SANDBOX).")
        return []
    orders_demo = _orders_demo()
    plan = orders_demo.demo_plan()
    if plan is None:
        return []
    _pay(plan, orders_demo, stdout=stdout, verbosity=verbosity)
    # Refunds need the orders paid: PaymentSucceeded's handler does that after this commit.
    transaction.on_commit(lambda: _refund(plan, orders_demo, stdout=stdout, verbosity=verbosity))
    return []


def _orders_demo():
    # The plan is orders' demo tooling, not a domain call: imported by name, as seed_demo
    # imports the demo modules, so it stays out of orders' public door.
    return import_module("apps.orders.demo")


# --- Payments ----------------------------------------------------------------------------


def _pay(plan, orders_demo, *, stdout, verbosity: int) -> None:
    numbers = [planned.number for planned in plan.orders if planned.spec.paid_at]
    started = set(Payment.objects.filter(order_number__in=numbers).values_list("order_number", flat=True))
    due = [planned for planned in plan.orders if planned.spec.paid_at and planned.number not in started]
    users = get_user_model().objects.in_bulk({planned.user_id for planned in due})
    counts: Counter[str] = Counter()
    for planned in due:
        showcase = _is_showcase(planned, orders_demo)
        try:
            with transaction.atomic():
                counts.update(_pay_order(planned, users[planned.user_id], showcase=showcase))
        except DomainError:  # no longer payable (paid or cancelled in the shop meanwhile)
            counts["skipped"] += 1
    if verbosity and not counts["paid"]:
        stdout.write("Payments: 0 orders paid.")
    elif verbosity:
        stdout.write(
            f"Payments: {counts['paid']} orders paid ({counts[Provider.ALIPAY]} by Alipay, "
            f"{counts[Provider.WECHAT]} by WeChat Pay; {counts['reconciled']} settled by the reconciler, "
            f"{counts['failed_first']} after a failed first try)."
        )


def _pay_order(planned, user, *, showcase: bool) -> list[str]:
    spec = planned.spec
    index = spec.index
    rng = random.Random(f"{SEED}:{index}")
    provider = PROVIDERS[index % 2] if showcase else rng.choices(PROVIDERS, weights=PROVIDER_WEIGHTS)[0]
    reconciled = index in SHOWCASE_RECONCILED if showcase else rng.random() < RECONCILED_SHARE
    failed_first = index in SHOWCASE_FAILED_FIRST if showcase else rng.random() < FAILED_FIRST_SHARE
    # The cashier opens between placing and paying; a failed try comes before it.
    opened_at = spec.placed_at + (spec.paid_at - spec.placed_at) * rng.uniform(0.4, 0.9)
    happened = ["paid", provider]
    if failed_first:
        other = PROVIDERS[1 - PROVIDERS.index(provider)]
        tried_at, failed_at = (spec.placed_at + (opened_at - spec.placed_at) * share for share in (0.2, 0.6))
        _attempt(user, planned.number, other, paid=False, opened_at=tried_at, settled_at=failed_at)
        happened.append("failed_first")
    _attempt(
        user, planned.number, provider, paid=True, opened_at=opened_at, settled_at=spec.paid_at, reconciled=reconciled
    )
    if reconciled:
        happened.append("reconciled")
    return happened


def _attempt(
    user, order_number: str, provider: str, *, paid: bool, opened_at: datetime, settled_at: datetime, reconciled=False
) -> None:
    """One payment: started, paid (or failed) at the sandbox's cashier, settled by the provider's
    notification or, without one, by the reconciler's query; then moved back in time."""
    payment = payment_services.payment_create(user=user, order_number=order_number, provider=provider).payment
    trade = SandboxTrade.objects.get(provider=provider, out_trade_no=payment.out_trade_no)
    # The buyer at the simulated cashier. (Its page would also queue the notification's
    # HTTP delivery; there is no server to receive it here, so the demo hands it over.)
    trade = trades.trade_settle(trade_id=trade.pk, token=trade.token, paid=paid)
    notification = None if reconciled else delivery.notification_for(trade)
    if notification is not None:
        headers, body = notification
        payment_services.notification_receive(provider=provider, headers=headers, body=body)
    else:  # WeChat Pay notifies successes only; and sometimes nothing arrives at all
        payment_services.payment_reconcile(payment_id=payment.pk)
    expected = Payment.Status.SUCCEEDED if paid else Payment.Status.FAILED
    settled = Payment.objects.values_list("status", flat=True).get(pk=payment.pk)
    if settled != expected:  # a notification refused (keys, settings): say so rather than leave it pending
        raise RuntimeError(f"demo payment {payment.out_trade_no} is {settled}, not {expected}: see the business log")

    # Demo only: the services stamp "now"; move this payment's history into the past.
    Payment.objects.filter(pk=payment.pk).update(
        created_at=opened_at, updated_at=settled_at, paid_at=settled_at if paid else None
    )
    PaymentNotification.objects.filter(payment=payment).update(received_at=settled_at)
    notified = notification is not None
    SandboxTrade.objects.filter(pk=trade.pk).update(
        created_at=opened_at,
        paid_at=settled_at - timedelta(seconds=3) if paid else None,
        notify_attempts=F("notify_attempts") + (1 if notified else 0),
        notified_at=settled_at if notified else None,
    )


# --- Refunds -----------------------------------------------------------------------------


def _refund(plan, orders_demo, *, stdout, verbosity: int) -> None:
    due = [planned for planned in plan.orders if planned.spec.refund_at]
    numbers = [planned.number for planned in due]
    done = set(Refund.objects.filter(order_number__in=numbers).values_list("order_number", flat=True))
    due = [planned for planned in due if planned.number not in done]
    staff = get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if not due or staff is None:
        return
    users = get_user_model().objects.in_bulk({planned.user_id for planned in due})
    counts: Counter[str] = Counter()
    with transaction.atomic():
        for planned in due:
            order = orders_public.refund_order_get(number=planned.number)
            if order is None or not order.is_refundable:
                counts["waiting"] += 1  # not paid (yet: with a broker, the workers may be behind)
                continue
            try:
                with transaction.atomic():
                    counts.update(
                        _refund_order(
                            planned,
                            order,
                            user=users[planned.user_id],
                            staff=staff,
                            now=plan.now,
                            showcase=_is_showcase(planned, orders_demo),
                        )
                    )
            except DomainError:
                counts["waiting"] += 1
    if verbosity:
        waiting = f", {counts['waiting']} waiting for their payment" if counts["waiting"] else ""
        stdout.write(
            f"Refunds: {counts['full']} in full and {counts['part']} in part before shipping "
            f"({counts['asked']} asked for by the customer and approved by staff){waiting}."
        )


def _refund_order(planned, order, *, user, staff, now: datetime, showcase: bool) -> list[str]:
    spec = planned.spec
    rng = random.Random(f"{SEED}:refund:{spec.index}")
    # The demo customer asks for hers, so they show in her account as she would see them.
    asks = showcase or rng.random() < CUSTOMER_ASKS_SHARE
    reason_draw, share, approve_after = rng.choice(CHANGED_MIND), rng.choice(PRICE_CUT_SHARES), rng.uniform(0.3, 6)
    if spec.refund_in_full:
        amount = refund_services.refundable_amount(order_number=planned.number)
        reason = reason_draw if asks else OUT_OF_STOCK
    else:
        amount = (order.total * share).quantize(Decimal("1"), rounding=ROUND_HALF_UP).quantize(CENT)
        amount = max(amount, Decimal("1.00"))
        reason = PRICE_CUT
        if amount >= order.total:
            return ["skipped"]
    # The goods of an order that never shipped stay in the warehouse: a full refund
    # puts them back on hand (the service would insist anyway).
    return_goods = spec.refund_in_full
    if asks:
        refund = refund_services.refund_request(
            order_number=planned.number, user=user, amount=amount, reason=reason, return_goods=return_goods
        )
        approved_at = spec.refund_at + min(timedelta(hours=approve_after), (now - spec.refund_at) / 2)
        refund = refund_services.refund_approve(refund_id=refund.pk, staff=staff)
    else:
        refund = refund_services.refund_create_by_staff(
            order_number=planned.number, amount=amount, reason=reason, return_goods=return_goods, staff=staff
        )
        approved_at = spec.refund_at

    # Demo only: move the refund's history into the past.
    succeeded_at = approved_at + timedelta(seconds=2)
    done = refund.status == Refund.Status.SUCCEEDED
    Refund.objects.filter(pk=refund.pk).update(
        created_at=spec.refund_at,
        approved_at=approved_at,
        succeeded_at=succeeded_at if done else None,
        updated_at=succeeded_at,
    )
    SandboxRefund.objects.filter(out_refund_no=refund.out_refund_no).update(created_at=succeeded_at)
    Payment.objects.filter(pk=refund.payment_id).update(updated_at=succeeded_at)
    return ["full" if spec.refund_in_full else "part", *(["asked"] if asks else [])]


def _is_showcase(planned, orders_demo) -> bool:
    return planned.spec.customer == orders_demo.CUSTOMER_EMAIL and planned.spec.index < len(orders_demo.SHOWCASE)
