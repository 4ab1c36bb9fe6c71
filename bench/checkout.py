"""Checkout throughput: concurrent buyers placing orders through the API on PostgreSQL.

Usage (from the repository root, against an existing, empty or earlier bench database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_bench .venv/bin/python -m bench.checkout

It migrates the database, prepares the buyers (users with an address) and a product
with a few SKUs and plenty of stock (idempotent: a second run reuses them and tops the
stock up), starts gunicorn with bench.settings, signs every buyer in for a JWT
(POST /api/v1/auth/token/), and then, for each checkout mode, lets the buyers loop for
a warm-up and a measured window:

- cart:  POST /api/v1/cart/items/ (one unit), then POST /api/v1/orders/ with only an
         address and an Idempotency-Key: the cart becomes the order;
- lines: POST /api/v1/orders/ with an address, the line and an Idempotency-Key.

Every buyer sends one request at a time (a new connection each: gunicorn's sync workers
close it anyway). Afterwards it checks the invariants (orders created = successful
answers, stock reserved = units ordered, on hand unchanged, the stock ledger adds up, no
negative stock anywhere, the carts emptied, and a retried order request is replayed
rather than placed again), prints the results table and keeps it, with the server log,
in bench/.data/checkout/<date-time>/. Exit status 1 when an invariant fails.

Knobs (options or environment): --buyers BENCH_BUYERS (16), --seconds BENCH_SECONDS (30),
--warmup BENCH_WARMUP_SECONDS (3), --modes BENCH_CHECKOUT_MODES (cart,lines),
--skus BENCH_SKUS (8), --workers BENCH_WORKERS (2), --threads BENCH_GUNICORN_THREADS
(1: sync workers; more: gthread), --port BENCH_PORT (8101).
"""

import argparse
import http.client
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from math import ceil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data" / "checkout"
PASSWORD = "bench-buyer-Password-1"  # noqa: S105 (the bench buyers' password, local only)
EMAIL = "bench-buyer-{}@bench.example"
SKU_CODE = "BENCH-CHECKOUT-{}"
CATEGORY_SLUG = "bench-checkout"
STOCK_TARGET = 100_000  # units on hand per SKU before a run
STOCK_FLOOR = 50_000  # top up below this many available units
ORDER_LOG = re.compile(r"shop\.request\W.*?\bPOST /api/v1/orders/ 201 ([\d.]+)ms")
ADD_LOG = re.compile(r"shop\.request\W.*?\bPOST /api/v1/cart/items/ 201 ([\d.]+)ms")


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.checkout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=_env_int("BENCH_BUYERS", 16), help="BENCH_BUYERS (16)")
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("BENCH_SECONDS", 30)),
        help="measured, per mode: BENCH_SECONDS (30)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=float(os.environ.get("BENCH_WARMUP_SECONDS", 3)),
        help="per mode: BENCH_WARMUP_SECONDS (3)",
    )
    parser.add_argument(
        "--modes",
        default=os.environ.get("BENCH_CHECKOUT_MODES", "cart,lines"),
        help="cart, lines or both, comma-separated: BENCH_CHECKOUT_MODES (cart,lines)",
    )
    parser.add_argument(
        "--skus", type=int, default=_env_int("BENCH_SKUS", 8), help="SKUs the buyers spread over: BENCH_SKUS (8)"
    )
    parser.add_argument(
        "--workers", type=int, default=_env_int("BENCH_WORKERS", 2), help="gunicorn workers: BENCH_WORKERS (2)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=_env_int("BENCH_GUNICORN_THREADS", 1),
        help="threads per worker, more than 1 runs gthread workers: BENCH_GUNICORN_THREADS (1, sync workers)",
    )
    parser.add_argument("--port", type=int, default=_env_int("BENCH_PORT", 8101), help="BENCH_PORT (8101)")
    args = parser.parse_args(argv)
    args.modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if not args.modes or set(args.modes) - {"cart", "lines"}:
        parser.error("--modes takes cart, lines or both (comma-separated)")
    if args.buyers < 1 or args.skus < 1 or args.workers < 1 or args.threads < 1 or args.seconds <= 0:
        parser.error("--buyers, --skus, --workers, --threads and --seconds must be positive")
    return args


# --- the database side: runs in this process with bench.settings ------------------------------


def migrate() -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True)


def prepare(*, buyers: int, skus: int) -> tuple[list[tuple[str, int]], list[int]]:
    """The buyers (e-mail, address id) and the SKUs, created once and reused; stock topped up."""
    from apps.accounts import services as accounts
    from apps.accounts.models import Address, User
    from apps.cart.domain.keys import user_cart_key
    from apps.cart.services import cart_clear
    from apps.catalog import services as catalog
    from apps.catalog.models import SKU, Category
    from apps.inventory.public import stock_available
    from apps.inventory.services import stock_adjust

    people = []
    for n in range(buyers):
        email = EMAIL.format(n)
        user = User.objects.filter(email=email).first() or accounts.user_register(email=email, password=PASSWORD)
        address = Address.objects.filter(user=user).order_by("id").first() or accounts.address_create(
            user=user,
            recipient=f"买家 {n}",
            phone="13912345678",
            province="广东省",
            city="深圳市",
            district="南山区",
            street=f"科技园路 {n + 1} 号",
            postcode="518057",
        )
        cart_clear(key=user_cart_key(user.pk))  # a line left by an interrupted run would change the orders
        people.append((email, address.pk))

    category = Category.objects.filter(slug=CATEGORY_SLUG).first() or catalog.category_create(
        name="Bench checkout", slug=CATEGORY_SLUG
    )
    sku_ids = []
    for n in range(skus):
        sku = SKU.objects.filter(code=SKU_CODE.format(n)).first()
        if sku is None:
            product = catalog.product_create(name=f"Bench checkout tea {n}", category=category)
            sku = catalog.sku_create(product=product, code=SKU_CODE.format(n), price="59.00")
            catalog.product_publish(product=product)
        sku_ids.append(sku.pk)
    for sku_id, available in stock_available(sku_ids=sku_ids).items():
        if available < STOCK_FLOOR:
            stock_adjust(sku_id=sku_id, delta=STOCK_TARGET - available, reason="receive", note="bench/checkout.py")
    return people, sku_ids


@contextmanager
def quiet_logs():
    """Preparing logs a business line and (eager Celery) a task line per change."""
    loggers = [logging.getLogger(name) for name in ("shop.business", "celery.app.trace")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def stock_state(sku_ids: list[int]) -> dict:
    """Per SKU: on hand, reserved, the ledger's sums and the units on unpaid orders."""
    from django.db.models import Sum

    from apps.inventory.models import Stock, StockMovement
    from apps.orders.models import Order, OrderLine

    state = {}
    for stock in Stock.objects.filter(sku_id__in=sku_ids):
        ledger = StockMovement.objects.filter(sku_id=stock.sku_id).aggregate(
            on_hand=Sum("delta_on_hand"), reserved=Sum("delta_reserved")
        )
        unpaid = OrderLine.objects.filter(sku_id=stock.sku_id, order__status=Order.Status.PENDING_PAYMENT).aggregate(
            units=Sum("quantity")
        )["units"]
        state[stock.sku_id] = {
            "on_hand": stock.on_hand,
            "reserved": stock.reserved,
            "ledger_on_hand": ledger["on_hand"] or 0,
            "ledger_reserved": ledger["reserved"] or 0,
            "unpaid_units": unpaid or 0,
        }
    return state


def order_count() -> int:
    from apps.orders.models import Order

    return Order.objects.count()


def broken_stock_rows() -> int:
    from django.db.models import F, Q

    from apps.inventory.models import Stock

    return Stock.objects.filter(Q(on_hand__lt=0) | Q(reserved__lt=0) | Q(reserved__gt=F("on_hand"))).count()


# --- the client side ----------------------------------------------------------------------------


@dataclass
class Api:
    port: int

    def call(self, method: str, path: str, body=None, *, token=None, key=None) -> tuple[int, dict, dict]:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if key:
            headers["Idempotency-Key"] = key
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            reply_headers = {name.lower(): value for name, value in response.getheaders()}
        finally:
            connection.close()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {"code": "not_json"}
        return response.status, data, reply_headers


@dataclass
class Buyer:
    index: int
    email: str
    address_id: int
    token: str = ""
    last_order: tuple | None = None  # (key, body, order number) of the last order placed


@dataclass
class Tally:
    """What the buyers saw in one window."""

    add_ms: list[float] = field(default_factory=list)
    order_ms: list[float] = field(default_factory=list)
    round_ms: list[float] = field(default_factory=list)  # add + order, or the order alone
    errors: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def orders(self) -> int:
        return len(self.order_ms)


def sign_in(api: Api, buyers: list[Buyer]) -> None:
    """Every buyer signs in at once (a password hash each: Argon2 takes a while)."""

    def one(buyer: Buyer) -> None:
        status, data, _ = api.call("POST", "/api/v1/auth/token/", {"email": buyer.email, "password": PASSWORD})
        buyer.token = data.get("access", "") if status == 200 else ""

    threads = [threading.Thread(target=one, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [buyer.email for buyer in buyers if not buyer.token]
    if refused:
        raise SystemExit(f"signing in failed for {', '.join(refused)}")


def shop(api: Api, buyer: Buyer, *, mode: str, sku_ids: list[int], until: float, tally: Tally) -> None:
    """One buyer's loop: each round adds to the cart and checks out, or orders a line."""
    n = 0
    while time.monotonic() < until:
        sku_id = sku_ids[(buyer.index + n) % len(sku_ids)]
        n += 1
        try:
            started = time.perf_counter()
            if mode == "cart":
                status, data, _ = api.call(
                    "POST", "/api/v1/cart/items/", {"sku": sku_id, "quantity": 1}, token=buyer.token
                )
                added = time.perf_counter()
                if status != 201:
                    with tally.lock:
                        tally.errors[f"add {status} {data.get('code', '')}".strip()] += 1
                    continue
                body = {"address": buyer.address_id}
            else:
                added = started
                body = {"address": buyer.address_id, "lines": [{"sku": sku_id, "quantity": 1}]}
            key = uuid.uuid4().hex
            status, data, _ = api.call("POST", "/api/v1/orders/", body, token=buyer.token, key=key)
            done = time.perf_counter()
        except OSError as exc:
            with tally.lock:
                tally.errors[f"connection {type(exc).__name__}"] += 1
            continue
        with tally.lock:
            if status == 201:
                tally.order_ms.append((done - added) * 1000)
                tally.round_ms.append((done - started) * 1000)
                if mode == "cart":
                    tally.add_ms.append((added - started) * 1000)
                buyer.last_order = (key, body, data["number"])
            else:
                tally.errors[f"order {status} {data.get('code', '')}".strip()] += 1


def run_window(api: Api, buyers: list[Buyer], *, mode: str, sku_ids: list[int], seconds: float) -> Tally:
    tally = Tally()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=shop, args=(api, buyer), kwargs={"mode": mode, "sku_ids": sku_ids, "until": until, "tally": tally}
        )
        for buyer in buyers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, ceil(share * len(ordered)) - 1)]


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


# --- the server ---------------------------------------------------------------------------------


def start_gunicorn(*, workers: int, threads: int, port: int, log: Path) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    # Every buyer signs in from 127.0.0.1: the login throttle (30/min) would refuse a
    # second run within the minute when the throttle's cache is Redis.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "THROTTLE_LOGIN": "100000/min"}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)  # noqa: S603
    api = Api(port)
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log}")
        try:
            if api.call("GET", "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz; see {log}")


# --- one measurement ----------------------------------------------------------------------------


def measure(args, api: Api, buyers: list[Buyer], sku_ids: list[int], mode: str, log: Path) -> tuple[str, list]:
    """Warm up, measure, then check the invariants; returns a table row and the checks."""
    orders_before = order_count()
    stock_before = stock_state(sku_ids)
    warmup = run_window(api, buyers, mode=mode, sku_ids=sku_ids, seconds=args.warmup) if args.warmup else Tally()
    log_offset = log.stat().st_size
    started = time.monotonic()
    tally = run_window(api, buyers, mode=mode, sku_ids=sku_ids, seconds=args.seconds)
    elapsed = time.monotonic() - started
    with log.open(errors="replace") as server_log:
        server_log.seek(log_offset)
        window = server_log.read()
    inside_order = [float(value) for value in ORDER_LOG.findall(window)]
    inside_add = [float(value) for value in ADD_LOG.findall(window)]

    placed = warmup.orders + tally.orders
    orders_added = order_count() - orders_before
    stock_after = stock_state(sku_ids)
    reserved_added = sum(stock_after[s]["reserved"] - stock_before[s]["reserved"] for s in sku_ids)
    units_ordered = sum(stock_after[s]["unpaid_units"] - stock_before[s]["unpaid_units"] for s in sku_ids)
    checks = [
        (f"orders created {orders_added} = 201 answers {placed}", orders_added == placed),
        # one unit per order, unless a failed cart checkout left its unit for the next one
        (
            f"units reserved +{reserved_added} = units ordered {units_ordered} (>= orders)",
            reserved_added == units_ordered >= placed,
        ),
        (
            "on hand unchanged",
            all(stock_after[s]["on_hand"] == stock_before[s]["on_hand"] for s in sku_ids),
        ),
        (
            "reserved = units on unpaid orders, per SKU",
            all(row["reserved"] == row["unpaid_units"] for row in stock_after.values()),
        ),
        (
            "stock = sum of its ledger, per SKU",
            all(
                (row["on_hand"], row["reserved"]) == (row["ledger_on_hand"], row["ledger_reserved"])
                for row in stock_after.values()
            ),
        ),
        ("no stock row negative or over-reserved", broken_stock_rows() == 0),
    ]
    if mode == "cart":
        leftovers = [b.email for b in buyers if api.call("GET", "/api/v1/cart/", token=b.token)[1].get("quantity")]
        checks.append((f"carts emptied by checkout ({len(buyers) - len(leftovers)}/{len(buyers)})", not leftovers))
    replayed = 0
    orders_before_replay = order_count()
    for buyer in buyers:
        if buyer.last_order is None:
            continue
        key, body, number = buyer.last_order
        status, data, headers = api.call("POST", "/api/v1/orders/", body, token=buyer.token, key=key)
        replayed += status == 201 and headers.get("idempotent-replayed") == "true" and data.get("number") == number
    with_orders = sum(buyer.last_order is not None for buyer in buyers)
    checks.append(
        (
            f"a retried order request is replayed ({replayed}/{with_orders}), no order added",
            replayed == with_orders and order_count() == orders_before_replay,
        )
    )

    errors = sum(tally.errors.values())
    row = (
        f"| {mode} | {tally.orders:,} | {tally.orders / elapsed:,.1f} | {ms(percentile(tally.order_ms, 0.5))} | "
        f"{ms(percentile(tally.order_ms, 0.99))} | {ms(percentile(tally.add_ms, 0.5))} | "
        f"{ms(percentile(tally.add_ms, 0.99))} | {ms(percentile(tally.round_ms, 0.5))} | "
        f"{ms(percentile(tally.round_ms, 0.99))} | {ms(percentile(inside_add, 0.5))} | "
        f"{ms(percentile(inside_order, 0.5))} | {errors} |"
    )
    if errors:
        checks.append((f"errors: {dict(tally.errors)}", True))
    return row, checks


def code_version() -> str:
    """The commit measured, for the results' header: "abc1234", or "abc1234 with uncommitted changes"."""

    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603, S607

    commit = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit or '?'}{' with uncommitted changes' if dirty else ''}"


def main(argv=None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to a PostgreSQL database (an empty one, or one of an earlier run).", file=sys.stderr)
        return 2

    started_at = datetime.now()  # before django.setup(), which sets the process's time zone to the shop's
    run_dir = DATA / started_at.strftime("%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    log = run_dir / "gunicorn.log"
    print("== Migrating and preparing buyers and stock")
    migrate()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    with quiet_logs():
        people, sku_ids = prepare(buyers=args.buyers, skus=args.skus)
    buyers = [Buyer(index, email, address_id) for index, (email, address_id) in enumerate(people)]
    connection.close()  # reopened for the checks; not held idle while gunicorn runs

    kind = "gthread" if args.threads > 1 else "sync"
    threads = f" x {args.threads} threads" if args.threads > 1 else ""
    print(f"== gunicorn, {args.workers} {kind} workers{threads}, 127.0.0.1:{args.port} (log: {log})")
    server = start_gunicorn(workers=args.workers, threads=args.threads, port=args.port, log=log)
    api = Api(args.port)
    rows, checks = [], []
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    try:
        sign_in(api, buyers)
        for mode in args.modes:
            print(f"== {mode}: {args.buyers} buyers, {args.warmup:g} s warm-up, {args.seconds:g} s measured")
            row, mode_checks = measure(args, api, buyers, sku_ids, mode, log)
            rows.append(row)
            checks += [(f"{mode}: {text}", ok) for text, ok in mode_checks]
            connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = Path("/proc/loadavg").read_text().split()[:3]

    commit = code_version()
    cache = "Redis" if settings.REDIS_URL else "local-memory"
    celery = "eager Celery (events handled in the request)" if settings.CELERY_TASK_ALWAYS_EAGER else "Celery broker"
    summary = "\n".join(
        [
            f"{started_at:%Y-%m-%d %H:%M} · commit {commit} · database postgresql · cache {cache} · "
            f"cart store {settings.CART_BACKEND} · {celery} · gunicorn {args.workers} "
            f"{kind} workers{threads} · {args.buyers} buyers · {args.skus} SKUs · {args.warmup:g} s warm-up + "
            f"{args.seconds:g} s per mode · {os.cpu_count()} CPUs · load average {' '.join(load_before)} before, "
            f"{' '.join(load_after)} after",
            "",
            "| checkout | orders | orders/s | order p50 ms | order p99 ms | add p50 ms | add p99 ms | "
            "add+order p50 ms | add+order p99 ms | in Django add p50 ms | in Django order p50 ms | errors |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
            *rows,
            "",
            *(f"- {'ok' if ok else 'FAILED'}: {text}" for text, ok in checks),
        ]
    )
    (run_dir / "summary.md").write_text(summary + "\n")
    print()
    print(summary)
    print(f"\nThe table and the server log: {run_dir}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
