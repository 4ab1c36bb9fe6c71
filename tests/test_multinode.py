"""Two web nodes behind one address, one PostgreSQL primary with a streaming replica,
one Redis, one RabbitMQ: what a customer does on one node holds on the other.

Real processes over real HTTP: two `gunicorn config.wsgi` nodes (ports 8301 and 8302,
two sync workers each) on a fresh database on the primary, with the CI replica
(.ci/replica.sh, 127.0.0.1:5433) in DATABASE_REPLICA_URLS. The client is
`requests.Session`, one cookie jar for both nodes as a browser behind a load balancer
has (cookies do not depend on the port).

- the session and the cart made on node A are node B's too (both live in Redis);
- an order placed on A is on B at once (read-your-writes across nodes): the request
  that placed it left a signed pin cookie, so the client's reads go to the primary for
  REPLICA_PIN_SECONDS on every node. With WAL replay paused on the replica, B still
  shows the order to that client, and without the cookie it does not (404): the router
  really reads from the replica, and the pin is what makes the write visible at once;
- a product list read by a client that wrote nothing is served by the replica:
  PostgreSQL's own counters (pg_stat_user_tables) grow on the replica, not on the primary.

Needs DATABASE_URL on PostgreSQL, TEST_REPLICA_URL (a streaming replica of that
server), REDIS_URL; skipped without them, a failure with REQUIRE_SERVICES=1. Run with
-s to see the figures (replica lag, statistics), which the assertions repeat.
"""

import os
import time
from urllib.parse import urlsplit

import pytest
import requests

from config.db_router import PIN_COOKIE
from tests.cluster_support import (
    Cluster,
    database_url,
    drop_database,
    form_fields,
    fresh_database,
    query,
    table_reads,
    wait_for_database,
)

pytestmark = [pytest.mark.services]

PORTS = (8301, 8302)
PRODUCT_TABLE = "catalog_product"
ORDER_TABLE = "orders_order"

SEED = """
import json
from apps.accounts.tests.factories import PASSWORD, AddressFactory, UserFactory
from apps.catalog.tests.factories import CategoryFactory, published_product
from apps.inventory.services import stock_adjust

customer = UserFactory(email="multinode@example.com", display_name="Multi Node")
AddressFactory(user=customer, is_default=True)
category = CategoryFactory(name="Tea")
products = []
for name in ("Longjing green tea", "Puer brick tea"):
    product = published_product(category=category, name=name, skus=(("88.00", 50),))
    sku = product.skus.get()
    stock_adjust(sku_id=sku.pk, delta=50, reason="receive")
    products.append({"name": product.name, "slug": product.slug, "sku": sku.pk})
print(json.dumps({"email": customer.email, "password": PASSWORD, "products": products, "category": category.slug}))
"""


def _required_urls() -> tuple[str, str, str]:
    primary = os.environ.get("DATABASE_URL", "")
    replica = os.environ.get("TEST_REPLICA_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not primary.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs DATABASE_URL on PostgreSQL")
    if not replica:
        pytest.skip("needs TEST_REPLICA_URL (a streaming replica of DATABASE_URL's server, .ci/replica.sh)")
    if not redis_url:
        pytest.skip("needs REDIS_URL (the nodes share sessions and carts through Redis)")
    return primary, replica, redis_url


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A fresh database (migrated, a customer, two teas), the replica caught up with it,
    and two nodes on it; everything stopped and dropped afterwards."""
    primary, replica, redis_url = _required_urls()
    name = f"{urlsplit(primary).path.lstrip('/') or 'shop'}_multinode"
    primary_db = fresh_database(primary, name)
    replica_db = database_url(replica, name)
    cluster = Cluster(
        database_url=primary_db,
        replica_urls=[replica_db],
        redis_url=redis_url,
        broker_url=os.environ.get("CELERY_BROKER_URL", ""),
        ports=PORTS,
        workers=2,
        log_dir=tmp_path_factory.mktemp("multinode"),
        # Each request closes its connections: a backend's table statistics are flushed
        # when it exits (an open one holds them up to 10 s), which the replica test reads.
        env={"DB_CONN_MAX_AGE": "0"},
    )
    try:
        started = time.monotonic()
        cluster.manage("migrate", "--noinput", "-v0")
        migrated = time.monotonic()
        data = cluster.python(SEED)
        seeded = time.monotonic()
        waited = wait_for_database(replica_db, table=ORDER_TABLE)
        print(
            f"\nsetup: migrate {migrated - started:.1f} s, seed {seeded - migrated:.1f} s; the database was on"
            f" the replica {waited * 1000:.0f} ms after the seed"
        )
        cluster.start()
        print(f"setup: {len(cluster.nodes)} nodes ready {time.monotonic() - seeded:.1f} s after the seed")
        yield {
            "cluster": cluster,
            "a": cluster.nodes[0],
            "b": cluster.nodes[1],
            "primary": primary_db,
            "replica": replica_db,
            "replica_server": replica,
            **data,
        }
    finally:
        stopping = time.monotonic()
        cluster.stop()
        stopped = time.monotonic()
        drop_database(primary, name)
        dropped = time.monotonic() - stopped
        print(f"\nteardown: nodes stopped in {stopped - stopping:.1f} s, database dropped in {dropped:.1f} s")


def _login(client: requests.Session, node, *, email: str, password: str) -> None:
    page = client.get(node.url("/accounts/login/"))
    fields = form_fields(page.text, having="password")
    fields.update(username=email, password=password)
    response = client.post(node.url("/accounts/login/"), data=fields, allow_redirects=False)
    assert response.status_code == 302, response.text[:2000]


def _add_to_cart(client: requests.Session, node, product: dict) -> None:
    page = client.get(node.url(f"/p/{product['slug']}/"))
    assert page.status_code == 200
    fields = form_fields(page.text, action="/cart/add/")
    fields.update(sku=str(product["sku"]), quantity="1", next="/cart/")
    response = client.post(node.url("/cart/add/"), data=fields, allow_redirects=False)
    assert response.status_code == 302, response.text[:2000]


def _place_order(client: requests.Session, node) -> str:
    """Check out the cart on `node`; the new order's number."""
    page = client.get(node.url("/checkout/"))
    assert page.status_code == 200, page.text[:2000]
    fields = form_fields(page.text, form_id="checkout-form")
    fields["action"] = "place"
    response = client.post(node.url("/checkout/"), data=fields, allow_redirects=False)
    assert response.status_code == 302, response.text[:2000]
    location = response.headers["Location"]
    assert location.startswith("/orders/"), location
    return location.strip("/").split("/")[-1]


def _settled_reads(url: str) -> int:
    """The product table's scan count once it stopped moving (two equal readings 0.3 s apart)."""
    last = table_reads(url, PRODUCT_TABLE)
    for _ in range(20):
        time.sleep(0.3)
        now = table_reads(url, PRODUCT_TABLE)
        if now == last:
            break
        last = now
    return last


def _replica_has_order(shop, number: str) -> bool:
    return bool(query(shop["replica"], f"SELECT 1 FROM {ORDER_TABLE} WHERE number = %s", [number]))  # noqa: S608


def test_given_a_customer_signed_in_on_node_a_when_they_move_to_node_b_then_session_and_cart_follow(shop):
    a, b = shop["a"], shop["b"]
    tea, puer = shop["products"]
    client = requests.Session()

    _login(client, a, email=shop["email"], password=shop["password"])
    _add_to_cart(client, a, tea)
    profile_on_b = client.get(b.url("/accounts/profile/"), allow_redirects=False)
    cart_on_b = client.get(b.url("/cart/"))
    _add_to_cart(client, b, puer)
    cart_on_a = client.get(a.url("/cart/"))

    assert profile_on_b.status_code == 200  # not a redirect to the login page
    assert shop["email"] in profile_on_b.text
    assert tea["name"] in cart_on_b.text
    assert tea["name"] in cart_on_a.text
    assert puer["name"] in cart_on_a.text  # added on B, seen on A


def test_given_an_order_placed_on_node_a_when_node_b_is_asked_at_once_then_it_shows_the_order(shop):
    a, b = shop["a"], shop["b"]
    tea = shop["products"][0]
    client = requests.Session()
    _login(client, a, email=shop["email"], password=shop["password"])

    # Replica lag as it is: how long after the order page's redirect the replica has the order.
    _add_to_cart(client, a, tea)
    first = _place_order(client, a)
    placed = time.monotonic()
    while not _replica_has_order(shop, first) and time.monotonic() - placed < 10:
        time.sleep(0.002)
    lag_ms = (time.monotonic() - placed) * 1000
    lags = query(shop["primary"], "SELECT application_name, write_lag, flush_lag, replay_lag FROM pg_stat_replication")
    print(f"replica lag: order {first} on the replica {lag_ms:.1f} ms after the response; pg_stat_replication {lags}")
    assert _replica_has_order(shop, first), f"order {first} not on the replica after {lag_ms:.0f} ms"

    # With replay paused the replica lags for sure: B must still show the order at once.
    _add_to_cart(client, a, tea)
    query(shop["replica_server"], "SELECT pg_wal_replay_pause()")
    try:
        number = _place_order(client, a)
        detail_on_b = client.get(b.url(f"/orders/{number}/"))
        list_on_b = client.get(b.url("/orders/"))
        unpinned = requests.Session()
        unpinned.cookies.update({k: v for k, v in client.cookies.items() if k != PIN_COOKIE})
        unpinned_detail_on_b = unpinned.get(b.url(f"/orders/{number}/"))
        on_replica_while_paused = _replica_has_order(shop, number)
    finally:
        query(shop["replica_server"], "SELECT pg_wal_replay_resume()")
    resumed = time.monotonic()
    while not _replica_has_order(shop, number) and time.monotonic() - resumed < 10:
        time.sleep(0.002)
    print(f"replica: order {number} replayed {(time.monotonic() - resumed) * 1000:.1f} ms after resuming")

    assert PIN_COOKIE in client.cookies, "placing the order left no pin cookie"
    assert on_replica_while_paused is False
    assert detail_on_b.status_code == 200, f"order {number} not on node B at once: {detail_on_b.status_code}"
    assert number in detail_on_b.text
    assert number in list_on_b.text
    # The same client without its pin reads from the replica, which has not replayed it yet.
    assert unpinned_detail_on_b.status_code == 404, (
        f"without the pin node B answered {unpinned_detail_on_b.status_code}: it did not read from the replica"
    )
    assert _replica_has_order(shop, number)


def test_given_a_client_that_wrote_nothing_when_it_lists_products_then_the_replica_serves_them(shop):
    a, b = shop["a"], shop["b"]
    primary_before = _settled_reads(shop["primary"])  # earlier tests' backends have flushed theirs
    replica_before = _settled_reads(shop["replica"])
    visitor = requests.Session()

    pages = [
        visitor.get(a.url(f"/c/{shop['category']}/")),
        visitor.get(b.url("/search/?q=tea")),
        visitor.get(a.url("/api/v1/products/")),
        visitor.get(b.url("/api/v1/products/?search=tea")),
    ]
    # A backend flushes its statistics when it exits, just after the response: poll.
    deadline = time.monotonic() + 10
    while True:
        replica_reads = table_reads(shop["replica"], PRODUCT_TABLE) - replica_before
        primary_reads = table_reads(shop["primary"], PRODUCT_TABLE) - primary_before
        if replica_reads >= len(pages) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    figures = (
        f"scans of {PRODUCT_TABLE} during {len(pages)} product lists: "
        f"replica +{replica_reads}, primary +{primary_reads}"
    )
    print(figures)

    assert [page.status_code for page in pages] == [200] * len(pages)
    assert all(name["name"] in pages[2].text for name in shop["products"])
    assert PIN_COOKIE not in visitor.cookies, figures
    assert replica_reads >= len(pages), figures
    assert primary_reads == 0, figures
