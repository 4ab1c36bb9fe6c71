"""A real Celery worker on RabbitMQ killed with SIGKILL while payments are being handled.

With acks_late and reject_on_worker_lost, whatever the dead worker had started comes
back from the broker; the outbox relay re-sends what it had not stamped; the handlers'
ProcessedMessage receipts and the services' own guards make the second run a no-op
where the first one had committed. After a restart every paid order must have exactly
one stock commit and, once completed, one points award, and the outbox must be empty.

Needs PostgreSQL (the worker is another process, on the test database) and a broker;
skipped without them, a failure with REQUIRE_SERVICES=1. The test's worker sends to
and consumes a queue of its own, so runs sharing a RabbitMQ never take each other's
tasks.
"""

import itertools
import os
import time
import uuid
from collections import Counter
from urllib.parse import quote

import pytest
from celery import current_app
from django.conf import settings
from django.db import connection
from django.test import Client

from apps.accounts.models import PointsEntry
from apps.accounts.tests.factories import AddressFactory
from apps.core.models import OutboxMessage, ProcessedMessage
from apps.core.outbox import relay_pending, subscribers
from apps.inventory.models import Stock, StockMovement
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock
from apps.payments.models import Payment
from apps.payments.services import payments as payment_services
from apps.payments.tests.payment_helpers import (  # noqa: F401 (fixture)
    ORDER_PAID,
    PAYMENT_SUCCEEDED,
    alipay_params,
    payment_keys_dir,
    post_alipay,
)
from tests.worker_support import Worker, queue_delete

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("payment_keys_dir"),
]

ORDERS = 20
UNITS = 10  # on hand per SKU before the order takes one
PAUSE = 0.2  # seconds the first worker's payment handlers hold their transaction, then their ack
PAUSED = ("payments.mark_order_paid", "inventory.commit_reservation")
ORDER_COMPLETED = "orders.order_completed.v1"
WAIT = 60  # seconds, for any one stage


@pytest.fixture
def own_queue():
    """A queue of this test's own; tasks sent from here go there while the test runs."""
    if not settings.BROKER_CONFIGURED:
        pytest.skip("needs CELERY_BROKER_URL (a real broker for a real worker)")
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL (the worker is another process on the test database)")
    name = f"shop-test-crash-{uuid.uuid4().hex[:12]}"
    conf = current_app.conf
    before = (conf.task_default_queue, conf.task_always_eager)
    conf.task_default_queue, conf.task_always_eager = name, False
    yield name
    conf.task_default_queue, conf.task_always_eager = before
    queue_delete(name)


@pytest.fixture
def workers(tmp_path, own_queue):
    """Makes `Worker`s on the test database and the test's queue; kills them all at the end."""
    db = connection.settings_dict  # NAME is the test database pytest-django made
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": "dummymail://",
        "PAYMENT_KEYS_DIR": str(settings.PAYMENT_KEYS_DIR),  # this session's keys (payment_keys_dir)
    }
    env.pop("DATABASE_REPLICA_URLS", None)  # replicas would be the real databases, not the test one
    started: list[Worker] = []

    def make(name: str, *, pause: float = 0) -> Worker:
        extra = {"SHOP_TEST_PAUSE": ",".join(f"{handler}={pause}" for handler in PAUSED)} if pause else {}
        worker = Worker(
            name=f"{name}-{own_queue}",
            queue=own_queue,
            env={**env, **extra},
            journal=tmp_path / f"{name}.journal",
            log=tmp_path / f"{name}.log",
        )
        started.append(worker)
        return worker.start()

    yield make
    for worker in started:
        worker.kill()


def wait_for(predicate, what: str, seconds: float = WAIT, relay: bool = False):
    """Poll until `predicate()`; with relay=True also run the relay, as beat's sweep would."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        if relay:
            relay_pending()
        time.sleep(0.2)


def paid_count(numbers) -> int:
    return Order.objects.filter(number__in=numbers, paid_at__isnull=False).count()


def every_message_handled() -> bool:
    """Nothing pending in the outbox, and every subscriber of every message has its receipt."""
    if OutboxMessage.objects.filter(published_at__isnull=True).exists():
        return False
    receipts = set(ProcessedMessage.objects.values_list("message_id", "handler"))
    return all(
        (message_id, handler) in receipts
        for message_id, topic in OutboxMessage.objects.values_list("message_id", "topic")
        for handler in subscribers(topic)
    )


def kill_mid_payments(worker: Worker, numbers: list[str], started: float) -> float:
    """SIGKILL `worker` once some orders are paid and some not, at a moment one payment
    handler holds its effect written but uncommitted and the other has committed and not
    yet acknowledged; after 20 s without that, whenever a payment handler is running.
    Returns the kill time."""
    while True:
        paid = paid_count(numbers)
        assert paid < len(numbers), "every order was paid before the kill: make the handlers pause longer"
        now = time.time()
        steps = [t for t in worker.steps().values() if t["task"] in PAUSED]
        written = [t for t in steps if t["step"] == "effect"]
        unacknowledged = [t for t in steps if t["step"] == "done" and now - t["at"] < PAUSE / 2]
        ideal = written and unacknowledged
        late = time.monotonic() - started > 20 and any(t["step"] in ("start", "effect") for t in steps)
        if paid >= len(numbers) // 3 and (ideal or late):
            worker.kill()
            return now
        assert time.monotonic() - started < WAIT, "no payment handler ran within 60 s"
        time.sleep(0.01)


def test_a_worker_killed_while_handling_payments_leaves_each_effect_exactly_once(user, workers, capsys):
    # given 20 placed orders, one unit of their own SKU each, with a pending Alipay payment
    # (their events handled in-process: the worker is there for the payments)
    clock = [time.monotonic()]
    orders, payments = [], []
    current_app.conf.task_always_eager = True
    try:
        for n in range(ORDERS):
            sku = sku_in_stock(price="99.00", units=UNITS, name=f"Crash item {n}")
            address = AddressFactory(user=user)
            order = order_services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)
            orders.append(order)
            pay = payment_services.payment_create(user=user, order_number=order.number, provider="alipay")
            payments.append(pay.payment)
    finally:
        current_app.conf.task_always_eager = False
    assert every_message_handled()
    receipts_before = ProcessedMessage.objects.count()
    numbers = [order.number for order in orders]
    # and a worker whose payment handlers dwell in their transaction and before their ack
    first = workers("first", pause=PAUSE)
    clock.append(time.monotonic())

    # when the 20 valid notifications arrive, and the worker is SIGKILLed mid-handling
    started = time.monotonic()
    for n, payment in enumerate(payments):
        params = alipay_params(out_trade_no=payment.out_trade_no, amount=str(payment.amount), trade_no=f"2088{n:024d}")
        answer = post_alipay(Client(), params)
        assert answer.content == b"success"
    killed_at = kill_mid_payments(first, numbers, started)
    paid_at_kill = paid_count(numbers)
    at_kill = first.steps()
    uncommitted = {task_id: t for task_id, t in at_kill.items() if t["step"] in ("start", "effect")}
    committed_unacked = {
        task_id: t
        for task_id, t in at_kill.items()
        if t["step"] == "done" and t["task"] in PAUSED and killed_at - t["at"] < PAUSE
    }
    pending_at_kill = OutboxMessage.objects.filter(published_at__isnull=True).count()
    clock.append(time.monotonic())

    # and a new worker starts, with the relay sweeping as beat would
    second = workers("second")
    wait_for(
        lambda: (
            paid_count(numbers) == ORDERS
            and StockMovement.objects.filter(reason=StockMovement.Reason.COMMIT, reference__in=numbers).count()
            >= ORDERS  # more would be the bug the assertions below name
            and every_message_handled()
        ),
        "every order paid, committed, and every message handled after the restart",
        relay=True,
    )
    clock.append(time.monotonic())

    # and every paid order is shipped and its receipt confirmed (OrderCompleted)
    for order in Order.objects.filter(number__in=numbers):
        order_services.order_mark_shipped(order=order, carrier="sf", tracking_number=f"SF{order.number}")
        order_services.order_confirm_receipt(order=order, user=user)
    wait_for(
        lambda: PointsEntry.objects.filter(reason="order_completed").count() >= ORDERS and every_message_handled(),
        "points awarded for every completed order",
        relay=True,
    )
    clock.append(time.monotonic())

    # then every order is paid by its one payment, and completed
    assert paid_at_kill < ORDERS
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == ORDERS
    assert Counter(Order.objects.filter(number__in=numbers).values_list("status", flat=True)) == {"completed": ORDERS}
    # and each order's stock was committed exactly once: one unit out, nothing left reserved
    commits = StockMovement.objects.filter(reason=StockMovement.Reason.COMMIT)
    assert Counter(commits.values_list("reference", flat=True)) == dict.fromkeys(numbers, 1)
    assert set(commits.values_list("delta_on_hand", "delta_reserved")) == {(-1, -1)}
    skus = [order.lines.get().sku_id for order in orders]
    assert set(Stock.objects.filter(sku_id__in=skus).values_list("on_hand", "reserved")) == {(UNITS - 1, 0)}
    # and each completed order earned its points exactly once
    awards = PointsEntry.objects.filter(user=user, reason="order_completed")
    assert Counter(awards.values_list("reference", flat=True)) == dict.fromkeys(numbers, 1)
    expected_points = dict(Order.objects.filter(number__in=numbers).values_list("number", "points_earned"))
    assert dict(awards.values_list("reference", "delta")) == expected_points
    assert all(points > 0 for points in expected_points.values())
    # and each event was recorded once, published, and handled once by each subscriber
    topics = Counter(OutboxMessage.objects.values_list("topic", flat=True))
    assert (topics[PAYMENT_SUCCEEDED], topics[ORDER_PAID], topics[ORDER_COMPLETED]) == (ORDERS, ORDERS, ORDERS)
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()
    expected_receipts = sum(
        count * len(subscribers(topic)) for topic, count in topics.items()
    )  # one per (message, subscriber)
    assert every_message_handled()
    assert ProcessedMessage.objects.count() == expected_receipts
    # and the crash really hit handling: what had started and not committed came back and
    # ran again, and what had committed came back, if at all, as a no-op
    after = second.steps()
    redelivered = {task_id: t for task_id, t in after.items() if t["redelivered"]}
    assert uncommitted, "the kill fell between tasks: nothing was in flight"
    assert set(uncommitted) <= set(redelivered)
    for task_id, task in redelivered.items():
        if task_id in committed_unacked and at_kill[task_id]["result"] == "handled":
            assert task["result"] == "duplicate", (task_id, task)
    # and, across both workers, each (message, handler) took effect in exactly one run
    handled = Counter(
        (t["message_id"], t["task"])
        for t in [*at_kill.values(), *after.values()]
        if t["message_id"] and t["step"] == "done" and t["result"] == "handled"
    )
    assert set(handled.values()) == {1}
    assert sum(handled.values()) == expected_receipts - receipts_before

    with capsys.disabled():
        outcomes = Counter((t["task"], t["result"]) for t in redelivered.values())
        print(
            f"\n[worker crash] paid before the kill: {paid_at_kill}/{ORDERS}; outbox pending at the kill: "
            f"{pending_at_kill}; in flight: {len(uncommitted)} uncommitted "
            f"{sorted(t['task'] + ':' + t['step'] for t in uncommitted.values())}, "
            f"{len(committed_unacked)} committed but unacknowledged "
            f"{sorted(t['task'] for t in committed_unacked.values())}; redelivered: {len(redelivered)} "
            f"{dict(outcomes)}; tasks run by the second worker: {len(after)}; totals: "
            f"{sum(1 for _ in commits)} stock commits, {awards.count()} points awards, "
            f"{sum(topics.values())} outbox messages all published, {expected_receipts} receipts; seconds "
            f"(setup+first worker, to the kill, restart+recovery, completion+points): "
            f"{[round(b - a, 1) for a, b in itertools.pairwise(clock)]}"
        )
