"""The sales dashboard with 1,000 and with 100,000 orders, measured in one run on PostgreSQL.

Usage (from the repository root):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_h_rep_bench .venv/bin/python -m bench.reports_dashboard

The database is DROPPED and created afresh, then migrated: the script refuses a database
whose name does not contain "bench". Then it:

1. builds a catalog through the catalog services (4 top-level categories, 8 leaves,
   BENCH_PRODUCTS products of 1 to 3 SKUs, stock for each, a few SKUs running low), 200
   customers and one Finance staff member;
2. seeds 1,000 orders over the last 120 days (`apps.reports.seeding.seed_orders`, bulk
   inserts, about 4% refunded) and rebuilds the roll-up for those days;
3. renders the dashboard in-process (django.test.Client, the whole middleware stack,
   signed in as Finance, DEBUG off) for each page below: a few warm-up renders, then
   BENCH_RENDERS measured ones; counts the queries of one render;
4. seeds 99,000 more orders (100,000 in all) over the same days, rebuilds, and measures
   again (after each seeding, VACUUM ANALYZE, as autovacuum would do after a bulk load);
5. prints the table and the ratio of the medians (100,000 / 1,000), and keeps them in
   bench/.data/reports/<date-time>/summary.md. Exit status 1 when a page takes more than
   10 queries, or when the dashboard as it opens (the last 30 days) grows by more than
   1.5x; the 120-day range is measured for information.

Knobs (environment): BENCH_PRODUCTS (240), BENCH_RENDERS (60), BENCH_WARMUP_RENDERS (5),
BENCH_SEED (20261126).
"""

import logging
import os
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data" / "reports"
DAYS = 120
SMALL, LARGE = 1_000, 100_000
MAX_QUERIES = 10
MAX_RATIO = 1.5
FINANCE_EMAIL = "bench-finance@bench.example"
TREE = {
    "数码 Electronics": ("手机 Phones", "耳机 Headphones"),
    "家电 Home appliances": ("电饭煲 Rice cookers", "空气炸锅 Air fryers"),
    "服饰 Clothing": ("连衣裙 Dresses", "运动鞋 Sneakers"),
    "茶饮 Tea": ("绿茶 Green tea", "红茶 Black tea"),
}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def recreate_database(url: str) -> str:
    """Drop (if it exists) and create the database named in `url`; returns its name."""
    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the benchmark database's name must contain 'bench'")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


@contextmanager
def quiet_logs():
    loggers = [logging.getLogger(name) for name in ("shop.business", "celery.app.trace", "shop.request")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def build_shop(products: int):
    """A catalog, customers and a Finance member, through the services; returns the Finance user."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from apps.accounts.models import User
    from apps.catalog import services as catalog
    from apps.inventory.services import stock_adjust

    leaves = []
    for top_name, leaf_names in TREE.items():
        top = catalog.category_create(name=top_name)
        leaves += [catalog.category_create(name=leaf, parent=top) for leaf in leaf_names]
    sku_ids = []
    for n in range(products):
        product = catalog.product_create(name=f"Bench product {n + 1}", category=leaves[n % len(leaves)])
        for k in range(1 + n % 3):
            price = f"{19 + (n * 37 + k * 11) % 900}.00"
            size = catalog.attribute_value_get_or_create(attribute="Size", value=("S", "M", "L")[k])
            sku = catalog.sku_create(product=product, code=f"BENCH-{n}-{k}", price=price, attribute_values=[size])
            stock_adjust(sku_id=sku.pk, delta=500, reason="receive")
            sku_ids.append(sku.pk)
        catalog.product_publish(product=product)
    for sku_id in sku_ids[:12]:  # running low, for the low-stock table
        stock_adjust(sku_id=sku_id, delta=-497, reason="adjust")
    unusable = make_password(None)  # nobody signs in as them; the bench uses force_login
    User.objects.bulk_create([User(email=f"bench-buyer-{n}@bench.example", password=unusable) for n in range(200)])
    finance = User.objects.create(email=FINANCE_EMAIL, is_staff=True, password=unusable)
    finance.groups.add(Group.objects.get(name="Finance"))
    return finance


def measure(client, url: str, *, renders: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    queries = len(captured.captured_queries)  # now: the next request clears the connection's log
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "queries": queries,
        "bytes": len(response.content),
        "median": statistics.median(times),
        "p90": times[int(len(times) * 0.9) - 1],
        "min": times[0],
    }


def vacuum_analyze() -> None:
    """What autovacuum does soon after a bulk load: planner statistics, and the visibility
    map that lets PostgreSQL count on an index without visiting the table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def rollup_size() -> tuple[int, int]:
    from apps.orders.models import Order
    from apps.reports.models import DailyProductSales

    return Order.objects.count(), DailyProductSales.objects.count()


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench'.", file=sys.stderr)
        return 2
    products = _env_int("BENCH_PRODUCTS", 240)
    renders = _env_int("BENCH_RENDERS", 60)
    warmup = _env_int("BENCH_WARMUP_RENDERS", 5)
    seed = _env_int("BENCH_SEED", 20261126)
    started_at = datetime.now()
    run_dir = DATA / started_at.strftime("%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)

    name = recreate_database(url)
    print(f"== Database {name}: created afresh and migrated")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True)

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from apps.reports.seeding import seed_orders
    from apps.reports.services import sales_rebuild

    with quiet_logs():
        print(f"== Catalog: {products} products, stock, 200 customers, a Finance member")
        t = time.monotonic()
        finance = build_shop(products)
        print(f"   {time.monotonic() - t:.1f} s")
        client = Client()
        client.force_login(finance)
        today = timezone.localdate()
        # (label, URL, whether the 1.5x limit applies: the dashboard as it opens does; the
        # longest range is shown for information)
        pages = [
            ("dashboard, default range (30 days)", "/admin/reports/dashboard/", True),
            (
                f"dashboard, {DAYS} days",
                f"/admin/reports/dashboard/?start={today - timedelta(days=DAYS - 1)}&end={today}",
                False,
            ),
        ]
        results = {}
        seeded = 0
        for target in (SMALL, LARGE):
            t = time.monotonic()
            seed_orders(orders=target - seeded, days=DAYS, seed=seed + target)
            seed_seconds = time.monotonic() - t
            t = time.monotonic()
            sales_rebuild(date_from=today - timedelta(days=DAYS - 1), date_to=today)
            rebuild_seconds = time.monotonic() - t
            vacuum_analyze()
            seeded = target
            orders, rows = rollup_size()
            print(
                f"== {orders:,} orders (seeded in {seed_seconds:.1f} s), roll-up rebuilt in {rebuild_seconds:.1f} s: "
                f"{rows:,} product rows"
            )
            for label, page, _checked in pages:
                figures = measure(client, page, renders=renders, warmup=warmup)
                figures.update(orders=orders, rows=rows, seed_s=seed_seconds, rebuild_s=rebuild_seconds)
                results[(label, target)] = figures
                print(
                    f"   {label}: {figures['queries']} queries, median {figures['median']:.1f} ms, "
                    f"p90 {figures['p90']:.1f} ms"
                )

    failed = False
    lines = [
        f"{started_at:%Y-%m-%d %H:%M} · commit {_commit()} · database postgresql · cache "
        f"{'Redis' if os.environ.get('REDIS_URL') else 'local-memory'} · {products} products · "
        f"{renders} renders per page after {warmup} warm-up · DEBUG {settings.DEBUG} · {os.cpu_count()} CPUs · "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} after",
        "",
        "| page | orders | roll-up rows | queries | median ms | p90 ms | min ms |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for label, _page, _checked in pages:
        for target in (SMALL, LARGE):
            f = results[(label, target)]
            lines.append(
                f"| {label} | {f['orders']:,} | {f['rows']:,} | {f['queries']} | {f['median']:.1f} | "
                f"{f['p90']:.1f} | {f['min']:.1f} |"
            )
    lines.append("")
    for label, _page, checked in pages:
        small, large = results[(label, SMALL)], results[(label, LARGE)]
        ratio = large["median"] / small["median"]
        ok = (ratio <= MAX_RATIO or not checked) and max(small["queries"], large["queries"]) <= MAX_QUERIES
        failed |= not ok
        limit = f"limit {MAX_RATIO}x" if checked else "for information"
        lines.append(
            f"- {label}: median {large['median']:.1f} ms / {small['median']:.1f} ms = **{ratio:.2f}x** "
            f"({limit}), queries {small['queries']} and {large['queries']} (limit {MAX_QUERIES}): "
            f"{'ok' if ok else 'FAILED'}"
        )
    summary = "\n".join(lines) + "\n"
    (run_dir / "summary.md").write_text(summary)
    print()
    print(summary)
    print(f"Kept in {run_dir}")
    return 1 if failed else 0


def _commit() -> str:
    git = shutil.which("git")
    if git is None:
        return "?"
    head = subprocess.run([git, "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    dirty = subprocess.run([git, "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    return head.stdout.strip() + (" with uncommitted changes" if dirty.stdout.strip() else "")


if __name__ == "__main__":
    raise SystemExit(main())
