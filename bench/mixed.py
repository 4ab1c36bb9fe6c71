"""Mixed load on two web nodes with a real broker and worker: browse, cart, checkout and pay.

Usage (from the repository root; PostgreSQL, Redis and RabbitMQ are required):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_bench_mixed REDIS_URL=redis://127.0.0.1:6379/4 \\
    CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672// CELERY_TASK_DEFAULT_QUEUE=bench-mixed \\
        .venv/bin/python -m bench.mixed

1. migrates the database, seeds the demo catalog (`seed_demo --products N`, idempotent)
   and prepares the buyers and SKUs of bench/checkout.py (one buyer per simulated user,
   plenty of stock) and a coupon for the checkouts (BENCH-MIXED, ¥5 off, no limits);
   all of that in this process with eager Celery (no worker needed yet);
2. starts the web nodes (gunicorn with bench.settings, `--workers` sync workers each,
   one per port of `--ports`: tests/cluster_support.py's `Node`) and one Celery
   worker (prefork, `--concurrency`: tests/worker_support.py's `Worker`) on the queue
   CELERY_TASK_DEFAULT_QUEUE, with the read replica in DATABASE_REPLICA_URLS when
   `--replica` is given or found (auto: 127.0.0.1:5433 answering and in recovery);
3. runs locust headless (bench/locustfile_mixed.py) with `--users` users, split across
   the nodes: every user signs in (a JWT), then the warm-up, then the measured window;
4. waits until the worker has caught up (no unpublished outbox message, every message
   of the run handled by all its subscribers, every sandbox trade paid in the run
   notified), at most `--drain` seconds, then stops the worker and the nodes;
5. checks the invariants (see `invariants()`), prints the table and keeps it, with
   locust's CSV files and the logs of the nodes and the worker, in
   bench/.data/mixed/<date-time>/. Exit status 1 when an invariant fails.

Knobs (options or environment): --users BENCH_USERS (24), --seconds BENCH_SECONDS (60),
--warmup BENCH_WARMUP_SECONDS (10), --ports BENCH_PORTS (8401,8402), --workers
BENCH_WORKERS (2 per node), --concurrency BENCH_CELERY_CONCURRENCY (2), --products
BENCH_PRODUCTS (400), --skus BENCH_SKUS (8), --coupon-share BENCH_COUPON_SHARE (0.3),
--wait BENCH_WAIT ("0.5,2": seconds between a user's journeys), --poll
BENCH_POLL_SECONDS (1: how often a buyer reads the order after Pay), --drain
BENCH_DRAIN_SECONDS (90), --replica BENCH_REPLICA (auto, off or a database URL).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import redirect_stdout, suppress
from datetime import datetime
from math import ceil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data" / "mixed"
COUPON = "BENCH-MIXED"
REPLICA_PORT = 5433
PAID = ("paid", "shipped", "completed")
SEARCH_WORDS = ("手机", "茶", "耳机", "phone", "tea")
# The share of each kind among browse journeys (relative weights).
BROWSE_WEIGHTS = {"home": 2, "category": 2, "search": 1, "product": 3, "products API": 2}


def _env(name: str, default):
    return os.environ.get(name, default)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.mixed", description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--users", type=int, default=int(_env("BENCH_USERS", 24)), help="simulated users: BENCH_USERS (24)")
    add("--seconds", type=float, default=float(_env("BENCH_SECONDS", 60)), help="measured: BENCH_SECONDS (60)")
    add("--warmup", type=float, default=float(_env("BENCH_WARMUP_SECONDS", 10)), help="BENCH_WARMUP_SECONDS (10)")
    add("--ports", default=_env("BENCH_PORTS", "8401,8402"), help="one web node per port: BENCH_PORTS (8401,8402)")
    add("--workers", type=int, default=int(_env("BENCH_WORKERS", 2)), help="gunicorn workers per node (2)")
    add("--concurrency", type=int, default=int(_env("BENCH_CELERY_CONCURRENCY", 2)), help="Celery worker (2)")
    add("--products", type=int, default=int(_env("BENCH_PRODUCTS", 400)), help="seed_demo --products (400)")
    add("--skus", type=int, default=int(_env("BENCH_SKUS", 8)), help="SKUs carted and ordered: BENCH_SKUS (8)")
    add("--coupon-share", type=float, default=float(_env("BENCH_COUPON_SHARE", 0.3)), help="checkouts with coupon")
    add("--wait", default=_env("BENCH_WAIT", "0.5,2"), help="seconds between a user's journeys, min,max")
    add("--poll", type=float, default=float(_env("BENCH_POLL_SECONDS", 1)), help="order polling after Pay (1 s)")
    add("--drain", type=float, default=float(_env("BENCH_DRAIN_SECONDS", 90)), help="worker catch-up limit (90)")
    add("--replica", default=_env("BENCH_REPLICA", "auto"), help="auto, off or a replica database URL")
    args = parser.parse_args(argv)
    args.ports = [int(port) for port in args.ports.split(",") if port.strip()]
    args.wait = [float(value) for value in args.wait.split(",")]
    if len(args.wait) != 2 or not 0 <= args.wait[0] <= args.wait[1]:
        parser.error("--wait takes min,max seconds")
    if args.users < 1 or not args.ports or args.workers < 1 or args.concurrency < 1 or args.seconds <= 0:
        parser.error("--users, --ports, --workers, --concurrency and --seconds must be positive")
    return args


# --- services and processes ---------------------------------------------------------------------


def replica_url(database_url: str, choice: str) -> str:
    """The replica's URL: given, off (""), or auto: the primary's URL on port 5433 when
    something answers there and is in recovery (a streaming replica)."""
    if choice == "off":
        return ""
    if choice != "auto":
        return choice
    import psycopg

    parts = urlsplit(database_url)
    netloc = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    url = urlunsplit(parts._replace(netloc=f"{netloc}:{REPLICA_PORT}"))
    try:
        with psycopg.connect(url, connect_timeout=2) as connection:
            in_recovery = connection.execute("select pg_is_in_recovery()").fetchone()[0]
    except psycopg.Error:
        return ""
    return url if in_recovery else ""


def replica_lag(primary: str, replica: str) -> str:
    """How far the replica's replay is behind the primary's WAL, in bytes."""
    import psycopg

    try:
        with psycopg.connect(replica, connect_timeout=2) as connection:
            replayed = connection.execute("select pg_last_wal_replay_lsn()").fetchone()[0]
        with psycopg.connect(primary, connect_timeout=2) as connection:
            behind = connection.execute("select pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [replayed]).fetchone()[0]
    except psycopg.Error as exc:
        return f"lag unknown ({type(exc).__name__})"
    return f"replay {int(behind):,} bytes behind"


def connections(url: str) -> str:
    """Connections open to the URL's database on its server (pg_stat_activity)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    try:
        with psycopg.connect(url, connect_timeout=2) as connection:
            count = connection.execute(
                "select count(*) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()", [name]
            ).fetchone()[0]
    except psycopg.Error:
        return "?"
    return str(count)


def start_worker(*, queue: str, concurrency: int, env: dict, run_dir: Path):
    """One Celery worker on the run's queue, started as the crash tests start theirs."""
    from tests.worker_support import Worker

    return Worker(
        name="bench-mixed",
        queue=queue,
        env=env,
        journal=run_dir / "worker.journal",
        log=run_dir / "worker.log",
        concurrency=concurrency,
    ).start(timeout=120)


def stop_worker(worker) -> None:
    """A warm shutdown (SIGTERM to the main process: finish the running tasks), then
    SIGKILL to the whole group after 30 s."""
    if worker is None or worker.process is None or worker.process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.kill(worker.process.pid, signal.SIGTERM)
    try:
        worker.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()


def start_nodes(*, ports: list[int], workers: int, env: dict, run_dir: Path) -> list:
    """The web nodes, as the multi-node tests start theirs (tests/cluster_support.py):
    gunicorn in a process group each, ready once /readyz answers 200."""
    from tests.cluster_support import Node

    nodes = []
    try:
        for port in ports:
            print(f"== web node 127.0.0.1:{port}: gunicorn, {workers} sync workers")
            node = Node(name=f"bench-{port}", port=port, env=env, log=run_dir / f"node-{port}.log", workers=workers)
            nodes.append(node.start())
        for node in nodes:
            node.wait_ready(timeout=120)
    except BaseException:
        for node in nodes:
            node.stop()
        raise
    return nodes


# --- the database side (this process, bench.settings, eager Celery) ----------------------------


def prepare(args) -> dict:
    from datetime import timedelta
    from decimal import Decimal

    from django.urls import reverse
    from django.utils import timezone

    from apps.catalog.models import SKU, Category, Product
    from apps.promotions.models import Coupon
    from apps.promotions.services import promotion_rules_changed
    from bench.checkout import PASSWORD, quiet_logs
    from bench.checkout import prepare as checkout_prepare

    with quiet_logs():
        people, sku_ids = checkout_prepare(buyers=args.users, skus=args.skus)
    now = timezone.now()
    Coupon.objects.get_or_create(
        code=COUPON,
        defaults={
            "name": "bench/mixed.py",
            "kind": Coupon.Kind.FIXED,
            "value": Decimal("5.00"),
            "min_spend": Decimal("0"),
            "per_user_limit": None,
            "total_limit": None,
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=3650),
        },
    )
    promotion_rules_changed()

    skus = [
        {"id": sku.pk, "page": reverse("catalog:product", kwargs={"slug": sku.product.slug})}
        for sku in SKU.objects.filter(pk__in=sku_ids).select_related("product").order_by("pk")
    ]
    published = Product.objects.filter(status=Product.Status.PUBLISHED).exclude(category__slug="bench-checkout")
    product_slugs = list(published.order_by("?").values_list("slug", flat=True)[:60])
    categories = list(Category.objects.exclude(slug="bench-checkout").values_list("slug", flat=True))
    search = reverse("catalog:search")
    from urllib.parse import urlencode

    return {
        "password": PASSWORD,
        "buyers": [{"email": email, "address": address} for email, address in people],
        "skus": skus,
        "sku_ids": sku_ids,
        "coupon": COUPON,
        "pages": {
            "home": ["/"],
            "category": [reverse("catalog:category", kwargs={"slug": slug}) for slug in categories],
            "search": [f"{search}?{urlencode({'q': word})}" for word in SEARCH_WORDS],
            "product": [reverse("catalog:product", kwargs={"slug": slug}) for slug in product_slugs],
            "products API": [f"/api/v1/products/?page={page}" for page in range(1, 6)],
        },
        "cart_add": reverse("cart:add"),
        "cart_page": reverse("cart:detail"),
    }


def snapshot(sku_ids: list[int]) -> dict:
    """What the invariants compare: the last ids before the run and each SKU's stock."""
    from django.db.models import Max

    from apps.core.models import OutboxMessage
    from apps.inventory.models import Stock
    from apps.orders.models import Order
    from apps.payments.models import Payment, SandboxTrade
    from apps.promotions.models import Coupon

    def last(model) -> int:
        return model.objects.aggregate(last=Max("id"))["last"] or 0

    coupon = Coupon.objects.get(code=COUPON)
    return {
        "order": last(Order),
        "payment": last(Payment),
        "trade": last(SandboxTrade),
        "outbox": last(OutboxMessage),
        "stock": {s.sku_id: (s.on_hand, s.reserved) for s in Stock.objects.filter(sku_id__in=sku_ids)},
        "coupon_used": coupon.used_count,
    }


def caught_up(before: dict) -> tuple[bool, str]:
    """Has the worker delivered everything of the run?"""
    from apps.core.models import OutboxMessage, ProcessedMessage
    from apps.core.outbox import subscribers
    from apps.payments.models import SandboxTrade

    pending = OutboxMessage.objects.filter(published_at__isnull=True).count()
    messages = list(OutboxMessage.objects.filter(id__gt=before["outbox"]).values_list("message_id", "topic"))
    handled = set(
        ProcessedMessage.objects.filter(message_id__in=[m for m, _ in messages]).values_list("message_id", "handler")
    )
    unhandled = sum(1 for message, topic in messages for name in subscribers(topic) if (message, name) not in handled)
    unnotified = SandboxTrade.objects.filter(
        id__gt=before["trade"], status=SandboxTrade.Status.SUCCEEDED, notified_at__isnull=True
    ).count()
    state = f"{pending} unpublished, {unhandled} deliveries unhandled, {unnotified} paid trades not notified"
    return pending == 0 and unhandled == 0 and unnotified == 0, state


def invariants(before: dict, sku_ids: list[int]) -> list[tuple[str, bool]]:
    from django.db.models import Count, Sum

    from apps.core.models import OutboxMessage
    from apps.inventory.models import Stock
    from apps.orders.models import Order, OrderLine
    from apps.payments.models import Payment, SandboxTrade
    from apps.promotions.models import Coupon, CouponRedemption
    from bench.checkout import broken_stock_rows, stock_state

    run_orders = Order.objects.filter(id__gt=before["order"])
    by_status = dict(run_orders.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    checks = [(f"orders placed in the run: {sum(by_status.values())} ({_counts(by_status)})", True)]

    def units(**filters) -> dict[int, int]:
        rows = OrderLine.objects.filter(sku_id__in=sku_ids, **filters).values("sku_id").annotate(n=Sum("quantity"))
        return {row["sku_id"]: row["n"] for row in rows}

    paid_units = units(order__id__gt=before["order"], order__status__in=PAID)
    pending_run_units = units(order__id__gt=before["order"], order__status=Order.Status.PENDING_PAYMENT)
    pending_all_units = units(order__status=Order.Status.PENDING_PAYMENT)
    other_units = units(order__id__gt=before["order"], order__status__in=["cancelled", "refunded"])
    after = {s.sku_id: (s.on_hand, s.reserved) for s in Stock.objects.filter(sku_id__in=sku_ids)}
    committed = {sku: before["stock"][sku][0] - after[sku][0] for sku in sku_ids}
    reserved_added = {sku: after[sku][1] - before["stock"][sku][1] for sku in sku_ids}
    checks += [
        (
            f"per SKU, on hand at start - on hand at end = units on the run's paid orders "
            f"({sum(committed.values())} = {sum(paid_units.values())}, {len(sku_ids)} SKUs)",
            all(committed[sku] == paid_units.get(sku, 0) for sku in sku_ids),
        ),
        (
            f"per SKU, reserved now = units on all pending-payment orders "
            f"({sum(a[1] for a in after.values())} = {sum(pending_all_units.values())}); "
            f"reserved added in the run = units on the run's pending orders "
            f"({sum(reserved_added.values())} = {sum(pending_run_units.values())})",
            all(after[sku][1] == pending_all_units.get(sku, 0) for sku in sku_ids)
            and all(reserved_added[sku] == pending_run_units.get(sku, 0) for sku in sku_ids),
        ),
        (f"no run order cancelled or refunded ({sum(other_units.values())} units)", not other_units),
    ]
    state = stock_state(sku_ids)
    checks.append(
        (
            "stock = sum of its ledger, per SKU",
            all(
                (row["on_hand"], row["reserved"]) == (row["ledger_on_hand"], row["ledger_reserved"])
                for row in state.values()
            ),
        )
    )
    broken = broken_stock_rows()
    total_rows = Stock.objects.count()
    checks.append((f"no stock row negative or over-reserved ({broken} of {total_rows} rows, whole table)", not broken))

    coupon = Coupon.objects.get(code=COUPON)
    active = CouponRedemption.objects.filter(coupon=coupon, released_at__isnull=True).count()
    with_coupon = Order.objects.filter(coupon_code__iexact=COUPON).exclude(status="cancelled").count()
    run_with_coupon = run_orders.filter(coupon_code__iexact=COUPON).count()
    checks.append(
        (
            f"coupon {COUPON}: used {coupon.used_count} = redemption rows {active} = orders with it {with_coupon} "
            f"(this run: +{coupon.used_count - before['coupon_used']} uses, {run_with_coupon} orders)",
            coupon.used_count == active == with_coupon and coupon.used_count - before["coupon_used"] == run_with_coupon,
        )
    )

    pending_outbox = OutboxMessage.objects.filter(published_at__isnull=True).count()
    run_messages = OutboxMessage.objects.filter(id__gt=before["outbox"]).count()
    checks.append(
        (f"outbox drained: {pending_outbox} unpublished ({run_messages} messages in the run)", not pending_outbox)
    )

    payments = Payment.objects.filter(id__gt=before["payment"])
    pay_status = dict(payments.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    unpaid_succeeded = payments.filter(status=Payment.Status.SUCCEEDED).exclude(
        order_id__in=Order.objects.filter(status__in=PAID).values("id")
    )
    checks.append(
        (
            f"every succeeded payment's order paid ({pay_status.get('succeeded', 0)} succeeded, "
            f"{unpaid_succeeded.count()} orders not paid; payments {_counts(pay_status)})",
            not unpaid_succeeded.exists(),
        )
    )
    trades = SandboxTrade.objects.filter(id__gt=before["trade"])
    paid_trades = trades.filter(status=SandboxTrade.Status.SUCCEEDED)
    not_settled = paid_trades.exclude(
        out_trade_no__in=payments.filter(status=Payment.Status.SUCCEEDED).values("out_trade_no")
    ).count()
    checks.append(
        (
            f"every trade paid at the cashier has its payment succeeded ({paid_trades.count()} paid trades, "
            f"{not_settled} not settled; notified after {_attempts(paid_trades)} attempt(s))",
            not not_settled,
        )
    )
    paid_orders_no_payment = (
        run_orders.filter(status__in=PAID)
        .exclude(id__in=Payment.objects.filter(status=Payment.Status.SUCCEEDED).values("order_id"))
        .count()
    )
    checks.append(
        (f"every paid order has a succeeded payment ({paid_orders_no_payment} without)", not paid_orders_no_payment)
    )
    multiple = (
        Payment.objects.filter(status=Payment.Status.SUCCEEDED, order_id__in=run_orders.values("id"))
        .values("order_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    checks.append((f"no order paid twice ({multiple})", not multiple))
    return checks


def async_steps(before: dict) -> list[str]:
    """After Pay, by the database's own clocks, for every trade paid in the run: until the
    shop acknowledged the notification (the worker's delivery task, the notify request on
    a node), until the order read paid (+ the outbox relay and payments.mark_order_paid),
    and until its stock was committed (+ inventory.commit_reservation)."""
    from django.db.models import Min

    from apps.inventory.models import StockMovement
    from apps.orders.models import Order
    from apps.payments.models import Payment, SandboxTrade

    trades = SandboxTrade.objects.filter(id__gt=before["trade"], status=SandboxTrade.Status.SUCCEEDED)
    paid_at = dict(trades.values_list("out_trade_no", "paid_at"))
    notified = dict(trades.values_list("out_trade_no", "notified_at"))
    number_of = dict(Payment.objects.filter(out_trade_no__in=paid_at).values_list("out_trade_no", "order_number"))
    order_paid = dict(
        Order.objects.filter(number__in=number_of.values(), status__in=PAID).values_list("number", "updated_at")
    )
    committed = dict(
        StockMovement.objects.filter(reason=StockMovement.Reason.COMMIT, reference__in=number_of.values())
        .values("reference")
        .annotate(at=Min("created_at"))
        .values_list("reference", "at")
    )
    steps = {"notification acknowledged": [], "order paid": [], "stock committed": []}
    for trade, paid in paid_at.items():
        number = number_of.get(trade)
        for step, at in (
            ("notification acknowledged", notified.get(trade)),
            ("order paid", order_paid.get(number)),
            ("stock committed", committed.get(number)),
        ):
            if paid and at:
                steps[step].append((at - paid).total_seconds() * 1000)
    rows = [
        "| after Pay, until (database clocks) | orders | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for step, times in steps.items():
        rows.append(
            f"| {step} | {len(times)} of {len(paid_at)} | {ms(percentile(times, 0.5))} | "
            f"{ms(percentile(times, 0.95))} | {ms(percentile(times, 0.99))} | {ms(max(times, default=None))} |"
        )
    return rows


def tasks_done(worker) -> str:
    """The tasks the worker finished during the whole run, by name (from its journal)."""
    from collections import Counter

    done = Counter(entry["task"] for entry in worker.entries() if entry["event"] == "done")
    return f"{sum(done.values()):,} ({', '.join(f'{name} {n}' for name, n in done.most_common())})"


def _counts(counter: dict) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counter.items())) or "none"


def _attempts(trades) -> str:
    from django.db.models import Max

    most = trades.aggregate(most=Max("notify_attempts"))["most"]
    return f"at most {most or 0}"


# --- results ----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, ceil(share * len(ordered)) - 1)]


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}" if value >= 100 else f"{value:.1f}"


STEP_ORDER = ("browse:", "cart:", "checkout:", "auth:")


def inside_django(result: dict, logs: list[Path]) -> dict[str, list[float]]:
    """Per step, the durations the nodes logged (shop.request) for the window's requests,
    found by the X-Request-ID each request carried (`<step slug>.m<random>`)."""
    import re

    step_of = {slug: name for name, slug in result.get("slugs", {}).items()}
    line = re.compile(r"\[([A-Za-z0-9-]+)\.m[0-9a-f]+\] shop\.request\W.*? (\d{3}) ([\d.]+)ms")
    durations: dict[str, list[float]] = {}
    for log in logs:
        if not log.exists():
            continue
        for slug, _status, duration in line.findall(log.read_text(errors="replace")):
            if slug in step_of:
                durations.setdefault(step_of[slug], []).append(float(duration))
    return durations


def table(result: dict, inside: dict[str, list[float]]) -> tuple[list[str], dict]:
    elapsed = result["ended"] - result["started"]
    names = sorted(
        result["times"], key=lambda name: (next(i for i, p in enumerate(STEP_ORDER) if name.startswith(p)), name)
    )
    rows = [
        "| step (locust name) | requests | req/s | p50 ms | p95 ms | p99 ms | in Django p50 ms | failed | 5xx |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    totals = {"requests": 0, "failed": 0, "5xx": 0, "times": [], "by_kind": {}}
    for name in names:
        times = result["times"][name]
        statuses = result["statuses"][name]
        failed = sum(n for kind, n in statuses.items() if kind != "ok")
        fivexx = statuses.get("5xx", 0)
        asynchronous = name.endswith("(async)")
        if not asynchronous:
            totals["requests"] += len(times)
            totals["failed"] += failed
            totals["5xx"] += fivexx
            totals["times"] += times
            kind = name.split(":", 1)[0]
            totals["by_kind"][kind] = totals["by_kind"].get(kind, 0) + len(times)
        rows.append(
            f"| {name} | {len(times):,}{' (orders)' if asynchronous else ''} | "
            f"{len(times) / elapsed:,.1f} | {ms(percentile(times, 0.5))} | {ms(percentile(times, 0.95))} | "
            f"{ms(percentile(times, 0.99))} | {ms(percentile(inside.get(name, []), 0.5))} | {failed} | {fivexx} |"
        )
    every = totals["times"]
    rows.append(
        f"| **all requests** | **{totals['requests']:,}** | **{totals['requests'] / elapsed:,.1f}** | "
        f"**{ms(percentile(every, 0.5))}** | **{ms(percentile(every, 0.95))}** | **{ms(percentile(every, 0.99))}** | "
        f"**{ms(percentile([d for times in inside.values() for d in times], 0.5))}** | "
        f"**{totals['failed']}** | **{totals['5xx']}** |"
    )
    totals["elapsed"] = elapsed
    return rows, totals


def server_errors(logs: list[Path]) -> int:
    """5xx answers in the nodes' request logs (shop.request: `METHOD path STATUS ...ms`)."""
    import re

    pattern = re.compile(r"shop\.request\W.*?\b(?:GET|POST|PUT|PATCH|DELETE|HEAD) \S+ 5\d\d ")
    return sum(len(pattern.findall(log.read_text(errors="replace"))) for log in logs if log.exists())


# --- the run ----------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    database_url = os.environ.get("DATABASE_URL", "")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    queue = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "")
    missing = [
        name
        for name, ok in (
            ("DATABASE_URL (PostgreSQL)", database_url.startswith(("postgres://", "postgresql://"))),
            ("REDIS_URL", bool(os.environ.get("REDIS_URL"))),
            ("CELERY_BROKER_URL", bool(broker_url)),
            ("CELERY_TASK_DEFAULT_QUEUE (a queue of the bench's own)", bool(queue) and queue != "celery"),
        )
        if not ok
    ]
    if missing:
        print(f"Set {', '.join(missing)}; see python -m bench.mixed --help.", file=sys.stderr)
        return 2

    started_at = datetime.now()
    run_dir = DATA / started_at.strftime("%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MEDIA_ROOT", str(DATA / "media"))
    os.environ.setdefault("PAYMENT_KEYS_DIR", str(DATA / "payment-keys"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # Preparing runs with eager Celery (its events handled here); the nodes and the
    # worker get the broker back.
    for name in ("CELERY_BROKER_URL", "CELERY_TASK_DEFAULT_QUEUE", "DATABASE_REPLICA_URLS"):
        os.environ.pop(name, None)

    print(f"== Migrating, seed_demo --products {args.products} (idempotent), buyers, SKUs and the coupon")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True)
    seeding = time.monotonic()
    subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "manage.py", "seed_demo", "--products", str(args.products), "-v0"],
        cwd=ROOT,
        check=True,
        stdout=(run_dir / "seed.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    print(f"   seed_demo took {time.monotonic() - seeding:.0f} s")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from config.celery import app

    app.loader.import_default_modules()  # registers the outbox subscribers here too
    with (run_dir / "prepare.log").open("w") as prepare_log, redirect_stdout(prepare_log):
        plan = prepare(args)  # new buyers' welcome mails go to the console backend
    before = snapshot(plan["sku_ids"])
    connection.close()

    replica = replica_url(database_url, args.replica)
    site = f"http://127.0.0.1:{args.ports[0]}"
    os.environ.update(
        {
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            # The providers' notifications and the cashier's links go to the first node.
            "SITE_URL": site,
            # Every user signs in and every notification comes from 127.0.0.1: the
            # per-address limits (30/min, 600/min) would refuse some.
            "THROTTLE_LOGIN": "100000/min",
            "THROTTLE_PAYMENT_NOTIFY": "100000/min",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if replica:
        os.environ["DATABASE_REPLICA_URLS"] = replica
    services_env = dict(os.environ)

    nodes, worker, worker_tasks, held = [], None, "", "?"
    lag, load_after = "", ["?"]
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    locust_prefix = run_dir / "locust"
    plan.update(
        {
            "hosts": [f"http://127.0.0.1:{port}" for port in args.ports],
            "weights": {"browse": 70, "cart": 20, "checkout": 10},
            "browse_weights": BROWSE_WEIGHTS,
            "providers": ["alipay", "wechat"],
            "coupon_share": args.coupon_share,
            "wait_min": args.wait[0],
            "wait_max": args.wait[1],
            "warmup": args.warmup,
            "seconds": args.seconds,
            "users": args.users,
            "poll_every": args.poll,
            "result": str(run_dir / "window.json"),
        }
    )
    (run_dir / "plan.json").write_text(json.dumps(plan, ensure_ascii=False, indent=1))
    drained, drain_state, drain_seconds = False, "", 0.0
    try:
        nodes = start_nodes(ports=args.ports, workers=args.workers, env=services_env, run_dir=run_dir)
        print(f"== Celery worker, queue {queue}, concurrency {args.concurrency}")
        worker = start_worker(queue=queue, concurrency=args.concurrency, env=services_env, run_dir=run_dir)
        rate = max(1.0, args.users / max(1.0, args.warmup / 2))
        print(
            f"== locust: {args.users} users over {len(args.ports)} nodes, {args.warmup:g} s warm-up + "
            f"{args.seconds:g} s measured{', replica ' + replica if replica else ', no replica'}"
        )
        with (run_dir / "locust.log").open("w") as locust_log:
            subprocess.run(  # noqa: S603 (our own locust and arguments)
                [
                    str(ROOT / ".venv" / "bin" / "locust"),
                    "-f",
                    str(ROOT / "bench" / "locustfile_mixed.py"),
                    "--headless",
                    "--users",
                    str(args.users),
                    "--spawn-rate",
                    f"{rate:g}",
                    "--run-time",
                    f"{ceil(args.warmup + args.seconds + 330)}s",  # the window ends it sooner
                    "--stop-timeout",
                    "35",
                    "--csv",
                    str(locust_prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env={**services_env, "BENCH_MIXED_PLAN": str(run_dir / "plan.json")},
                stdout=locust_log,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=args.warmup + args.seconds + 420,
            )
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        held = f"primary {connections(database_url)}" + (f", replica {connections(replica)}" if replica else "")
        print(f"== Waiting for the worker to catch up (at most {args.drain:g} s)")
        waiting = time.monotonic()
        while True:
            drained, drain_state = caught_up(before)
            drain_seconds = time.monotonic() - waiting
            if drained or drain_seconds > args.drain:
                break
            time.sleep(1)
        print(f"   {drain_state} after {drain_seconds:.0f} s")
        worker_tasks = tasks_done(worker)
        lag = replica_lag(database_url, replica) if replica else ""
    finally:
        stop_worker(worker)
        for node in nodes:
            node.stop()

    window = run_dir / "window.json"
    if not window.exists():
        print(f"locust wrote no results; see {run_dir / 'locust.log'}", file=sys.stderr)
        return 1
    result = json.loads(window.read_text())
    node_logs = [run_dir / f"node-{port}.log" for port in args.ports]
    rows, totals = table(result, inside_django(result, node_logs))
    checks = invariants(before, plan["sku_ids"])
    async_rows = async_steps(before)
    logged_5xx = server_errors(node_logs)
    checks.append(
        (
            f"no 5xx: {totals['5xx']} seen by locust in the window, "
            f"{logged_5xx} in the nodes' request logs (whole run)",
            totals["5xx"] == 0 and logged_5xx == 0,
        )
    )
    checks.append((f"the worker caught up in {drain_seconds:.0f} s ({drain_state})", drained))
    error_rate = totals["failed"] / totals["requests"] if totals["requests"] else 0.0
    journeys = result["journeys"]
    journey_total = sum(journeys.values()) or 1
    per_node = ", ".join(
        f"{host.rsplit(':', 1)[1]}: {c.get('requests', 0):,} requests, {c.get('failed', 0)} failed, "
        f"{c.get('5xx', 0)} 5xx"
        for host, c in sorted(result["hosts"].items())
    )

    from bench.checkout import code_version

    header = (
        f"{started_at:%Y-%m-%d %H:%M} · commit {code_version()} · "
        f"PostgreSQL{' + streaming replica (' + lag + ' at the end)' if replica else ' (no replica)'} · "
        f"Redis cache and carts ({settings.CART_BACKEND}) · RabbitMQ, 1 Celery worker x {args.concurrency} · "
        f"{len(args.ports)} nodes x {args.workers} sync gunicorn workers · {args.users} locust users, "
        f"{args.wait[0]:g}-{args.wait[1]:g} s between journeys · {args.products} demo products · "
        f"sign-in and warm-up {result['warmup']:.0f} s + {totals['elapsed']:.0f} s measured · {os.cpu_count()} CPUs · "
        f"load average {' '.join(load_before)} before, {' '.join(load_after)} after"
    )
    summary = "\n".join(
        [
            header,
            "",
            *rows,
            "",
            *async_rows,
            "",
            f"- journeys finished in the window: {sum(journeys.values()):,} (browse "
            f"{journeys.get('browse', 0) / journey_total:.0%}, cart {journeys.get('cart', 0) / journey_total:.0%}, "
            f"checkout {journeys.get('checkout', 0) / journey_total:.0%}); requests by kind: "
            + ", ".join(
                f"{kind} {totals['by_kind'].get(kind, 0) / (totals['requests'] or 1):.0%}"
                for kind in ("browse", "cart", "checkout", "auth")
            ),
            f"- requests: {totals['requests']:,} in {totals['elapsed']:.0f} s = "
            f"{totals['requests'] / totals['elapsed']:.1f} req/s; failed {totals['failed']} ({error_rate:.2%}); "
            f"per node: {per_node}",
            f"- the worker's tasks, whole run: {worker_tasks}",
            f"- database connections held by the nodes and the worker after the window: {held}",
            *(f"- failure: {text} x {n}" for text, n in result.get("failures", [])[:10]),
            "",
            *(f"- {'ok' if ok else 'FAILED'}: {text}" for text, ok in checks),
        ]
    )
    (run_dir / "summary.md").write_text(summary + "\n")
    print()
    print(summary)
    print(f"\nThe table, locust's CSV files and the logs: {run_dir}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
