"""What the shop does when a service fails, against PRIVATE instances the tests stop.

- The broker (RabbitMQ) stops while 100 orders are placed and 20 paid: no request waits
  on it, every event waits in the outbox, and once the broker is back the sweep delivers
  them to a real worker and each takes effect exactly once.
- A worker SIGKILLed while handling: tests/test_worker_crash.py.
- The cache (Redis) stops: catalog pages and sign-in still work from the database; the
  cart says it is unavailable (a page message, 503 `cart_unavailable` in the API) and
  has lost nothing when Redis is back.
- PostgreSQL restarts under a stream of orders: 503 `service_unavailable` meanwhile,
  never a 500, recovery within seconds, and no order half written.

Each test starts its own RabbitMQ (5682), Redis (6390) or PostgreSQL (5442) and web nodes
(8501+), never touching the shared services; all are torn down even when a test fails.
Needs the test database on PostgreSQL (the workers and web nodes are other processes);
skipped without it, a failure with REQUIRE_SERVICES=1. The figures each test checked are
printed (visible under -s) and repeated in its assertion messages.
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from urllib.parse import quote

import pytest
import requests
from celery import Celery, current_app
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from apps.accounts.tests.factories import PASSWORD, AddressFactory, UserFactory
from apps.core import outbox
from apps.core.models import OutboxMessage, ProcessedMessage
from apps.core.outbox import relay_pending, subscribers
from apps.inventory.models import Stock, StockMovement
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock
from apps.payments.services import payments as payment_services
from apps.payments.tests.payment_helpers import (  # noqa: F401 (fixture)
    alipay_params,
    payment_keys_dir,
    post_alipay,
)
from tests import fault_support
from tests.fault_support import Gunicorn, PrivatePostgres, PrivateRabbit, PrivateRedis, wait_until, web_env
from tests.test_worker_crash import every_message_handled
from tests.worker_support import Worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = fault_support.ROOT


def report(name: str, figures: dict) -> str:
    """One line of figures for the lead: printed now, and returned for assertion messages."""
    line = f"[faults: {name}] " + ", ".join(f"{key}: {value}" for key, value in figures.items())
    print("\n" + line, flush=True)
    return line


def database_url_of_the_tests() -> str:
    db = connection.settings_dict  # NAME is the test database pytest-django made
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}"
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL (workers and web nodes are other processes on the test database)")


def needs(*commands: str) -> None:
    absent = fault_support.missing(*commands)
    if absent:
        pytest.skip(f"needs {absent} to start a private instance")


# --- (a) the broker stops -------------------------------------------------------------------

ORDERS = int(os.environ.get("H3_ORDERS", 100))
PAID = ORDERS // 5
SKUS = 10
UNITS = 50


@pytest.fixture
def rabbit(on_postgresql):
    needs("rabbitmq-server", "rabbitmqctl")
    node = PrivateRabbit()
    try:
        node.start_seconds = node.start()
        yield node
    finally:
        node.teardown()


@pytest.fixture
def broker_app(rabbit, monkeypatch):
    """The Celery app of this test: the private broker, a queue of its own, not eager."""
    # Celery prefers the environment's CELERY_BROKER_URL (the shared broker) to its conf.
    monkeypatch.setenv("CELERY_BROKER_URL", rabbit.url)
    queue = f"h3-faults-{uuid.uuid4().hex[:8]}"
    real = current_app._get_current_object()
    app = Celery("faults", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = rabbit.url
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    app.set_current()
    app.finalize(auto=True)
    yield app
    real.set_current()


@pytest.fixture
def broker_worker(tmp_path, rabbit, broker_app, payment_keys_dir, settings):  # noqa: F811
    worker = Worker(
        name=f"faults-{broker_app.conf.task_default_queue}",
        queue=broker_app.conf.task_default_queue,
        env={
            **{key: value for key, value in os.environ.items() if key != "DATABASE_REPLICA_URLS"},
            "DATABASE_URL": database_url_of_the_tests(),
            "CELERY_BROKER_URL": rabbit.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": "dummymail://",
            "PAYMENT_KEYS_DIR": str(settings.PAYMENT_KEYS_DIR),  # this session's keys (payment_keys_dir)
        },
        journal=tmp_path / "worker.journal",
        log=tmp_path / "worker.log",
    )
    try:
        yield worker.start()
    finally:
        worker.kill()


def outbox_state(after_id: int) -> dict:
    rows = OutboxMessage.objects.filter(id__gt=after_id)
    return {
        "messages": rows.count(),
        "pending": rows.filter(published_at__isnull=True).count(),
        "receipts": ProcessedMessage.objects.filter(message_id__in=rows.values("message_id")).count(),
        "errors": Counter(rows.exclude(last_error="").values_list("last_error", flat=True)).most_common(3),
    }


def test_with_the_broker_stopped_orders_do_not_wait_and_every_event_is_handled_once_after(
    rabbit, broker_app, broker_worker, monkeypatch
):
    # given 10 SKUs with stock, a customer signed in to the API, their events handled
    # in-process (eager: the outage comes later)
    broker_app.conf.task_always_eager = True
    user = UserFactory()
    address = AddressFactory(user=user)
    skus = [sku_in_stock(price="50.00", units=UNITS, name=f"Broker item {n}") for n in range(SKUS)]
    broker_app.conf.task_always_eager = False
    current_app.conf.task_always_eager = False
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "order_create", "100000/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "100000/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "payment_notify", "100000/min")
    client = Client()
    client.force_login(user)
    warm_up = client.post(  # one order with the broker up: the first request of a process is slower
        "/api/v1/orders/",
        {"address": address.pk, "lines": [{"sku": skus[0].pk, "quantity": 1}]},
        content_type="application/json",
    )
    assert warm_up.status_code == 201, warm_up.content
    wait_until(lambda: relay_pending() >= 0 and every_message_handled(), "the warm-up order's events handled", 60)
    last_before = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0

    # when the broker stops
    stop_seconds = rabbit.stop()
    failures_before, dropped_before = outbox._nudger().failures, outbox._nudger().dropped

    # and 100 orders are placed through the API, and 20 of them paid (Alipay notifications)
    durations, numbers = [], []
    for n in range(ORDERS):
        started = time.monotonic()
        answer = client.post(
            "/api/v1/orders/",
            {"address": address.pk, "lines": [{"sku": skus[n % SKUS].pk, "quantity": 1}]},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        durations.append(time.monotonic() - started)
        assert answer.status_code == 201, answer.content
        numbers.append(answer.json()["number"])
    for n, number in enumerate(numbers[:PAID]):
        payment = payment_services.payment_create(user=user, order_number=number, provider="alipay").payment
        params = alipay_params(out_trade_no=payment.out_trade_no, amount=str(payment.amount), trade_no=f"2088{n:024d}")
        started = time.monotonic()
        assert post_alipay(Client(), params).content == b"success"
        durations.append(time.monotonic() - started)
    wait_until(outbox._nudger().idle, "the nudger taking every nudge", 30)
    recorded_in_outage = OutboxMessage.objects.filter(id__gt=last_before).count()
    pending_in_outage = OutboxMessage.objects.filter(id__gt=last_before, published_at__isnull=True).count()
    published_in_outage = OutboxMessage.objects.filter(id__gt=last_before, published_at__isnull=False).count()
    nudges_failed = outbox._nudger().failures - failures_before
    nudges_dropped = outbox._nudger().dropped - dropped_before

    # and the broker comes back, with the sweep running as beat runs it
    back_at = time.monotonic()
    start_seconds = rabbit.start()
    deadline = time.monotonic() + 90
    while not every_message_handled():
        assert time.monotonic() < deadline, (
            f"events not all handled 90 s after the broker came back: {outbox_state(last_before)}\n"
            f"{rabbit.log_tail()}\n{broker_worker.log.read_text()[-3000:]}"
        )
        relay_pending()
        time.sleep(0.5)
    delivered_after = time.monotonic() - back_at
    time.sleep(1)  # anything delivered twice would have run by now

    # then no request waited on the broker
    new_topics = OutboxMessage.objects.filter(id__gt=last_before).values_list("topic", flat=True)
    topics = Counter(new_topics)
    new_ids = {
        str(mid) for mid in OutboxMessage.objects.filter(id__gt=last_before).values_list("message_id", flat=True)
    }
    handled = Counter(
        (step["message_id"], step["task"])
        for step in broker_worker.steps().values()
        if step["message_id"] in new_ids and step.get("step") == "done" and step.get("result") == "handled"
    )
    receipts = ProcessedMessage.objects.filter(message_id__in=new_ids).count()
    expected_receipts = sum(len(subscribers(topic)) * count for topic, count in topics.items())
    reserves = Counter(
        StockMovement.objects.filter(reason=StockMovement.Reason.RESERVE, reference__in=numbers).values_list(
            "reference", flat=True
        )
    )
    commits = Counter(
        StockMovement.objects.filter(reason=StockMovement.Reason.COMMIT, reference__in=numbers).values_list(
            "reference", flat=True
        )
    )
    figures = report(
        "broker stopped",
        {
            "orders placed": len(numbers),
            "orders paid": PAID,
            "requests": len(durations),
            "slowest request s": round(max(durations), 3),
            "mean request s": round(sum(durations) / len(durations), 3),
            "all requests s": round(sum(durations), 1),
            "nudges failed": nudges_failed,
            "nudges dropped in the back-off": nudges_dropped,
            "events recorded in the outage": recorded_in_outage,
            "events recorded in all": sum(topics.values()),
            "pending in the outage": pending_in_outage,
            "published in the outage": published_in_outage,
            "events by topic": dict(topics),
            "receipts": receipts,
            "handled by the worker": sum(handled.values()),
            "handled twice": sum(1 for count in handled.values() if count > 1),
            "reservations": sum(reserves.values()),
            "stock commits": sum(commits.values()),
            "broker stop s": round(stop_seconds, 1),
            "broker start s": round(start_seconds, 1),
            "all delivered after broker back s": round(delivered_after, 1),
        },
    )
    # a request that waited on the broker would take its 2 s connect timeout at least
    assert max(durations) < settings.CELERY_BROKER_CONNECTION_TIMEOUT, figures
    assert sum(durations) < 0.5 * len(durations), figures
    assert nudges_failed >= 1, figures  # the nudges really met the stopped broker
    # and nothing was delivered while it was down: every event waited in the outbox
    assert published_in_outage == 0, figures
    assert pending_in_outage == recorded_in_outage >= ORDERS + PAID, figures
    assert topics["orders.order_placed.v1"] == ORDERS, figures
    assert topics["payments.payment_succeeded.v1"] == topics["orders.order_paid.v1"] == PAID, figures
    # and once it was back every event was published and handled exactly once per subscriber
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists(), figures
    assert receipts == expected_receipts, figures
    assert set(handled.values()) == {1}, figures
    assert sum(handled.values()) == expected_receipts, figures
    # and each order reserved its unit once; each paid order committed it once
    assert reserves == dict.fromkeys(numbers, 1), figures
    assert commits == dict.fromkeys(numbers[:PAID], 1), figures
    assert Counter(Order.objects.filter(number__in=numbers).values_list("status", flat=True)) == {
        "paid": PAID,
        "pending_payment": ORDERS - PAID,
    }, figures
    for sku in skus:
        stock = Stock.objects.get(sku=sku)
        paid_here = sum(1 for n in range(PAID) if n % SKUS == skus.index(sku))
        placed_here = ORDERS // SKUS + (1 if sku == skus[0] else 0)  # and the warm-up order
        assert (stock.on_hand, stock.reserved) == (UNITS - paid_here, placed_here - paid_here), figures


# --- (c) the cache stops --------------------------------------------------------------------

CART_UNAVAILABLE = "The cart is unavailable right now, please try again shortly."


@pytest.fixture
def redis_node(on_postgresql):
    needs("redis-server")
    node = PrivateRedis()
    try:
        node.start()
        yield node
    finally:
        node.teardown()


@pytest.fixture
def cache_web(tmp_path, redis_node):
    """A live web node on the test database whose cache, sessions' cache and carts are
    the private Redis."""
    node = Gunicorn(
        port=fault_support.WEB_PORTS[0],
        env=web_env(DATABASE_URL=database_url_of_the_tests(), REDIS_URL=redis_node.url),
        log=tmp_path / "gunicorn.log",
    )
    try:
        node.start()
        yield node
    finally:
        node.stop()


def storefront_add(session: requests.Session, base: str, sku_id: int, back_to: str) -> requests.Response:
    return session.post(
        f"{base}/cart/add/",
        data={"sku": sku_id, "quantity": 1, "next": back_to, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=10,
    )


def test_with_the_cache_stopped_the_catalog_answers_and_the_cart_says_it_is_unavailable(redis_node, cache_web):
    # given a product in a category, a customer, and a guest with one item in the cart
    # (storefront) and one in the API cart
    sku = sku_in_stock(price="88.00", units=20, name="Fault teapot")
    product = sku.product
    customer = UserFactory()
    pbkdf2 = PBKDF2PasswordHasher()  # the tests' MD5 hasher is not one the web node accepts
    customer.password = pbkdf2.encode(PASSWORD, pbkdf2.salt())
    customer.save(update_fields=["password"])
    base = cache_web.url
    pages = {
        "home": "/",
        "category": product.category.get_absolute_url(),
        "product": product.get_absolute_url(),
        "search": "/search/?q=teapot",
    }
    guest = requests.Session()
    for path in pages.values():
        assert guest.get(base + path, timeout=10).status_code == 200, path
    assert storefront_add(guest, base, sku.pk, pages["product"]).status_code == 200  # followed back to the product
    assert "Fault teapot" in guest.get(f"{base}/cart/", timeout=10).text
    added = requests.post(f"{base}/api/v1/cart/items/", json={"sku": sku.pk, "quantity": 2}, timeout=10)
    assert added.status_code == 201, added.text
    token = added.headers["X-Cart-Token"]

    # when Redis stops
    stop_seconds = redis_node.stop()

    # then the catalog pages still answer from the database
    timings = {}
    for name, path in pages.items():
        started = time.monotonic()
        answer = guest.get(base + path, timeout=10)
        timings[name] = round(time.monotonic() - started, 3)
        assert answer.status_code == 200, (name, answer.status_code, cache_web.log_tail())
    assert "Fault teapot" in guest.get(base + pages["search"], timeout=10).text
    # and adding to the cart goes back to the product page with a clear message
    started = time.monotonic()
    page_add = storefront_add(guest, base, sku.pk, pages["product"])
    timings["storefront add"] = round(time.monotonic() - started, 3)
    assert page_add.status_code == 200, page_add.status_code
    assert page_add.url.endswith(pages["product"]), page_add.url
    assert CART_UNAVAILABLE in page_add.text
    # and the cart page is a 503 saying so
    cart_page = guest.get(f"{base}/cart/", timeout=10)
    assert (cart_page.status_code, cart_page.headers.get("Retry-After")) == (503, "10")
    assert CART_UNAVAILABLE in cart_page.text
    # and the API cart answers 503 cart_unavailable, reading or writing
    api_answers = [
        requests.get(f"{base}/api/v1/cart/", headers={"X-Cart-Token": token}, timeout=10),
        requests.post(
            f"{base}/api/v1/cart/items/",
            json={"sku": sku.pk, "quantity": 1},
            headers={"X-Cart-Token": token},
            timeout=10,
        ),
    ]
    for answer in api_answers:
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "cart_unavailable", answer.text
    # and signing in works (sessions in the database, throttle and lockout counters missing)
    refused = requests.post(
        f"{base}/api/v1/auth/token/", json={"email": customer.email, "password": "wrong"}, timeout=10
    )
    assert refused.status_code == 401, (refused.text, cache_web.log_tail())
    signed_in = requests.post(
        f"{base}/api/v1/auth/token/", json={"email": customer.email, "password": PASSWORD}, timeout=10
    )
    assert signed_in.status_code == 200, (signed_in.text, cache_web.log_tail())
    browser = requests.Session()
    browser.get(f"{base}/accounts/login/", timeout=10)
    login = browser.post(
        f"{base}/accounts/login/",
        data={"username": customer.email, "password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        timeout=10,
    )
    assert login.status_code == 200, login.status_code
    assert "/accounts/login/" not in login.url, login.url
    assert browser.get(f"{base}/orders/", timeout=10).status_code == 200
    # and readiness says what is wrong
    ready = requests.get(f"{base}/readyz", timeout=10).json()
    assert ready["checks"]["cache"] == "unavailable", ready

    # when Redis is back, the carts are as they were: nothing lost, nothing added in the outage
    start_seconds = redis_node.start()
    api_cart = requests.get(f"{base}/api/v1/cart/", headers={"X-Cart-Token": token}, timeout=10)
    page_cart = guest.get(f"{base}/cart/", timeout=10)
    figures = report(
        "cache stopped",
        {
            "pages answered 200": len(pages),
            "seconds per page in the outage": timings,
            "cart answers 503": 1 + len(api_answers),
            "redis stop s": round(stop_seconds, 1),
            "redis start s": round(start_seconds, 1),
            "api cart lines after": [(line["sku_id"], line["quantity"]) for line in api_cart.json().get("lines", [])],
        },
    )
    assert max(timings.values()) < 3, figures
    assert api_cart.status_code == 200, figures
    assert [(line["sku_id"], line["quantity"]) for line in api_cart.json()["lines"]] == [(sku.pk, 2)], figures
    assert page_cart.status_code == 200, figures
    assert "Fault teapot" in page_cart.text, figures


# --- (d) PostgreSQL restarts --------------------------------------------------------------

SEED = """
import json, django
django.setup()
from apps.accounts.tests.factories import PASSWORD, AddressFactory, UserFactory
from apps.orders.tests.conftest import sku_in_stock
user = UserFactory()
address = AddressFactory(user=user)
skus = [sku_in_stock(price="20.00", units=1000, name=f"Restart item {n}").pk for n in range(5)]
print(json.dumps({"email": user.email, "password": PASSWORD, "address": address.pk, "skus": skus}))
"""


@pytest.fixture
def private_postgres(on_postgresql):
    needs("initdb", "pg_ctl", "pg_dump", "psql")
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        cluster.copy_schema(database_url_of_the_tests(), "shop")
        yield cluster
    finally:
        cluster.teardown()


@pytest.fixture
def database_web(tmp_path, private_postgres):
    """A live web node on the private cluster (embedded cache, events in-process), seeded."""
    env = web_env(DATABASE_URL=private_postgres.url("shop"), DJANGO_SETTINGS_MODULE="config.settings")
    seeded = subprocess.run(
        [sys.executable, "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    node = Gunicorn(port=fault_support.WEB_PORTS[1], env=env, log=tmp_path / "gunicorn.log")
    try:
        node.start()
        node.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        yield node
    finally:
        node.stop()


class OrderStream:
    """Places orders one after another from a thread, recording every answer."""

    def __init__(self, base: str, seed: dict, access: str):
        self.base, self.seed = base, seed
        self.headers = {"Authorization": f"Bearer {access}"}
        self.answers: list[tuple[float, float, int, str]] = []  # (sent at, seconds, status, code)
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while self.running:
            body = {"address": self.seed["address"], "lines": [{"sku": self.seed["skus"][n % 5], "quantity": 1}]}
            sent = time.monotonic()
            try:
                answer = requests.post(
                    f"{self.base}/api/v1/orders/",
                    json=body,
                    headers={**self.headers, "Idempotency-Key": str(uuid.uuid4())},
                    timeout=30,
                )
                status = answer.status_code
                code = answer.json().get("code", "") if status != 201 else answer.json()["number"]
            except requests.RequestException as exc:
                status, code = 0, type(exc).__name__
            self.answers.append((sent, time.monotonic() - sent, status, code))
            n += 1
            if status != 201:
                time.sleep(0.1)

    def created_since(self, moment: float) -> int:
        return sum(1 for sent, _, status, _ in self.answers if status == 201 and sent >= moment)


def test_a_postgresql_restart_answers_503_meanwhile_and_leaves_no_order_half_written(private_postgres, database_web):
    # given a customer placing orders through the API, one after another
    base, seed = database_web.url, database_web.seed
    token = requests.post(
        f"{base}/api/v1/auth/token/", json={"email": seed["email"], "password": seed["password"]}, timeout=10
    )
    assert token.status_code == 200, token.text
    stream = OrderStream(base, seed, token.json()["access"])
    stream.thread.start()
    try:
        wait_until(lambda: stream.created_since(0) >= 10, "10 orders before the restart", 60)

        # when PostgreSQL stops (fast shutdown: open transactions roll back) and starts again
        stopped_at = time.monotonic()
        private_postgres.stop(mode="fast")
        time.sleep(3)
        private_postgres.start()
        started_at = time.monotonic()
        recovered = wait_until(lambda: stream.created_since(started_at) >= 1, "an order after the restart", 60)
        wait_until(lambda: stream.created_since(started_at) >= 10, "10 orders after the restart", 60)
    finally:
        stream.running = False
        stream.thread.join(timeout=40)

    # then every answer was an order or a clean 503 service_unavailable, never a 500
    statuses = Counter(status for _, _, status, _ in stream.answers)
    codes = Counter(code for _, _, status, code in stream.answers if status != 201)
    during = [a for a in stream.answers if stopped_at <= a[0] <= started_at + recovered]
    failed = [a for a in stream.answers if a[2] != 201]
    first_failure = min((a[0] for a in failed), default=stopped_at)
    last_failure_end = max((a[0] + a[1] for a in failed), default=stopped_at)
    numbers = {code for _, _, status, code in stream.answers if status == 201}
    # and the database holds every order whole: lines, a reservation, its event
    sql = private_postgres.psql

    def count(query: str) -> int:
        return int(sql("shop", query).strip())

    orders = count("SELECT count(*) FROM orders_order")
    without_lines = count(
        "SELECT count(*) FROM orders_order o "
        "WHERE NOT EXISTS (SELECT 1 FROM orders_orderline l WHERE l.order_id = o.id)"
    )
    without_reservation = count(
        "SELECT count(*) FROM orders_order o WHERE NOT EXISTS (SELECT 1 FROM inventory_stockmovement m "
        "WHERE m.reference = o.number AND m.reason = 'reserve')"
    )
    without_event = count(
        "SELECT count(*) FROM orders_order o WHERE NOT EXISTS (SELECT 1 FROM core_outboxmessage e "
        "WHERE e.topic = 'orders.order_placed.v1' AND e.payload->>'number' = o.number)"
    )
    placed_events = count("SELECT count(*) FROM core_outboxmessage WHERE topic = 'orders.order_placed.v1'")
    reserved_units = count("SELECT COALESCE(sum(reserved), 0) FROM inventory_stock")
    ordered_units = count("SELECT COALESCE(sum(quantity), 0) FROM orders_orderline")
    ledger_mismatch = count(
        "SELECT count(*) FROM inventory_stock s LEFT JOIN (SELECT sku_id, sum(delta_reserved) AS r "
        "FROM inventory_stockmovement GROUP BY sku_id) m ON m.sku_id = s.sku_id WHERE s.reserved <> COALESCE(m.r, 0)"
    )
    figures = report(
        "postgresql restarted",
        {
            "requests": len(stream.answers),
            "statuses": dict(statuses),
            "error codes": dict(codes),
            "requests while down": len(during),
            "orders answered 201": len(numbers),
            "orders in the database": orders,
            "orders committed whose answer was a 503": orders - len(numbers),
            "without lines": without_lines,
            "without reservation": without_reservation,
            "without event": without_event,
            "units ordered / reserved": f"{ordered_units}/{reserved_units}",
            "slowest answer s": round(max(a[1] for a in stream.answers), 2),
            "clients saw errors for s": round(last_failure_end - first_failure, 1) if failed else 0,
            "recovered after postgres back s": round(recovered, 2),
            "recovered after stop s": round(started_at + recovered - stopped_at, 2),
        },
    )
    assert set(statuses) <= {201, 503}, figures
    assert statuses[503] >= 1, figures
    assert set(codes) == {"service_unavailable"}, figures
    assert recovered < 60, figures
    assert stream.created_since(started_at) >= 10, figures
    assert numbers <= set(sql("shop", "SELECT number FROM orders_order").split()), figures
    assert orders >= len(numbers), figures  # an order committed as its answer was lost is still whole below
    assert (without_lines, without_reservation, without_event, ledger_mismatch) == (0, 0, 0, 0), figures
    assert placed_events == orders, figures
    assert reserved_units == ordered_units, figures
