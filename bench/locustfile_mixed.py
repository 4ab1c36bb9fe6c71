"""The mixed load for `python -m bench.mixed` (locust, headless): browse, cart, checkout and pay.

Not meant to be started by hand: bench/mixed.py prepares the database, starts the web
nodes and the Celery worker, writes the plan (a JSON file named by BENCH_MIXED_PLAN:
hosts, buyers, SKUs, pages, coupon, windows) and runs

    locust -f bench/locustfile_mixed.py --headless -u USERS -r RATE

Every simulated user is one `Shopper`: signed in through the API (a JWT; before the
warm-up, which counts from the last sign-in), bound to one web node (users alternate
between the plan's hosts) and to one buyer of its own (so that no two users share a
cart). Each round it picks one journey, by weight:

- browse (70): one storefront or API read: the home page, a category, a search, a
  product page or a page of the products API;
- cart (20): a guest on the storefront (product page, add with the form, the cart
  page), a guest through the API (cart token, add, view) or the signed-in customer
  through the API (add, view), in turn;
- checkout (10): the signed-in customer adds one unit (API), places the order from the
  cart (POST /api/v1/orders/ with an Idempotency-Key, a coupon on some of them),
  starts a payment with the simulated provider (Alipay or WeChat Pay, in turn), opens
  the sandbox cashier and presses Pay, then reads the order every `poll_every` seconds
  until it is paid. Paying sends the provider's signed notification from a Celery task
  (the worker), which settles the payment; the order becomes paid through the outbox
  (the worker again). "checkout: order paid after Pay (async)" is the time from the
  Pay answer until the order reads paid (to within one polling interval).

Only requests that finish inside the measured window (after the warm-up) are kept, in
the JSON file named by the plan's "result": every response time by step, status
classes, per host, and the journeys finished. Every request carries an X-Request-ID
naming its step, so the nodes' request logs tell the time spent inside Django per
step. locust's own statistics (--csv) are reset when the window starts, so they cover
the same window.
"""

import itertools
import json
import os
import random
import re
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["BENCH_MIXED_PLAN"]).read_text(encoding="utf-8"))
PAID = {"paid", "shipped", "completed"}
POLL_EVERY = PLAN.get("poll_every", 1.0)
POLL_FOR = PLAN.get("poll_for", 30.0)

_users = itertools.count()
_slugs: dict[str, str] = {}


def request_id(name: str) -> str:
    """An X-Request-ID naming the step (the nodes log it with each request): the step's
    slug, "m" inside the measured window ("w" outside it), a random part."""
    slug = _slugs.get(name)
    if slug is None:
        slug = _slugs[name] = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:48]
    return f"{slug}.{'m' if Window.measuring else 'w'}{uuid.uuid4().hex[:10]}"


class Window:
    """The measured window and what happened inside it."""

    measuring = False
    started = ended = 0.0
    times: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter] = defaultdict(Counter)
    hosts: dict[str, Counter] = defaultdict(Counter)
    journeys: Counter = Counter()
    failures: Counter = Counter()
    signed_in = 0  # users past their sign-in (successful or not)


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, context=None, **kw):
    if not Window.measuring:
        return
    Window.times[name].append(response_time)
    status = getattr(response, "status_code", 0) if response is not None else 0
    if request_type == "ASYNC":
        kind = "failed" if exception else "ok"
    elif status >= 500:
        kind = "5xx"
    elif status == 0:
        kind = "connection"
    elif exception:
        kind = f"{status}"
    else:
        kind = "ok"
    Window.statuses[name][kind] += 1
    if exception:
        Window.failures[f"{name}: {str(exception)[:160]}"] += 1
    if request_type != "ASYNC":
        host = (context or {}).get("node", "?")
        Window.hosts[host]["requests"] += 1
        Window.hosts[host]["5xx"] += status >= 500
        Window.hosts[host]["failed"] += exception is not None


def _window(environment):
    began = time.time()
    # Every user signs in first (Argon2: seconds each on a busy machine, holding a sync
    # worker); the warm-up counts from the last sign-in.
    while Window.signed_in < PLAN["users"] and time.time() - began < 300:
        gevent.sleep(0.2)
    gevent.sleep(PLAN["warmup"])
    environment.runner.stats.reset_all()
    Window.started = time.time()
    Window.measuring = True
    gevent.sleep(PLAN["seconds"])
    Window.measuring = False
    Window.ended = time.time()
    with Path(PLAN["result"]).open("w", encoding="utf-8") as out:
        json.dump(
            {
                "warmup": Window.started - began,
                "started": Window.started,
                "ended": Window.ended,
                "times": Window.times,
                "statuses": Window.statuses,
                "hosts": Window.hosts,
                "journeys": Window.journeys,
                "slugs": _slugs,
                "failures": Window.failures.most_common(40),
            },
            out,
        )
    environment.runner.quit()


@events.test_start.add_listener
def _start(environment, **kwargs):
    gevent.spawn(_window, environment)


class Shopper(HttpUser):
    wait_time = between(PLAN["wait_min"], PLAN["wait_max"])

    def __init__(self, environment):
        self.number = next(_users)
        self.host = PLAN["hosts"][self.number % len(PLAN["hosts"])]
        super().__init__(environment)
        self.client.trust_env = False
        self.buyer = PLAN["buyers"][self.number % len(PLAN["buyers"])]
        self.token = ""
        self.rounds = itertools.count()
        self.random = random.Random(self.number)

    # --- helpers ------------------------------------------------------------------------

    def _call(self, method, path, name, *, ok=(200,), token=None, **kwargs):
        """One request; a status outside `ok` is a failure (with the error code)."""
        headers = kwargs.pop("headers", {})
        headers["X-Request-ID"] = request_id(name)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        with self.client.request(
            method,
            path,
            name=name,
            headers=headers,
            catch_response=True,
            allow_redirects=False,
            context={"node": self.host},
            **kwargs,
        ) as response:
            if response.status_code in ok:
                response.success()
            else:
                code = self._json(response).get("code", "")
                response.failure(f"HTTP {response.status_code} {code}".strip())
        return response

    def _json(self, response) -> dict:
        try:
            return response.json()
        except ValueError:
            return {}

    def _csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def on_start(self):
        response = self._call(
            "POST",
            "/api/v1/auth/token/",
            "auth: sign in (API, JWT)",
            json={"email": self.buyer["email"], "password": PLAN["password"]},
        )
        self.token = self._json(response).get("access", "")
        Window.signed_in += 1

    # --- journeys ---------------------------------------------------------------------

    @task(PLAN["weights"]["browse"])
    def browse(self):
        pages = PLAN["pages"]
        kind = self.random.choices(list(pages), weights=[len(pages[k]) and PLAN["browse_weights"][k] for k in pages])[0]
        self._call("GET", self.random.choice(pages[kind]), f"browse: {kind}")
        self._finished("browse")

    @task(PLAN["weights"]["cart"])
    def cart(self):
        sku = self.random.choice(PLAN["skus"])
        mode = next(self.rounds) % 3
        if mode == 0:  # a new guest on the storefront
            self.client.cookies.clear()
            self._call("GET", sku["page"], "cart: product page (storefront, guest)")
            self._call(
                "POST",
                PLAN["cart_add"],
                "cart: add (storefront form, guest)",
                ok=(302,),
                data={"sku": sku["id"], "quantity": 1, "csrfmiddlewaretoken": self._csrf()},
                headers={"Referer": f"{self.host}{sku['page']}"},
            )
            self._call("GET", PLAN["cart_page"], "cart: view (storefront, guest)")
        elif mode == 1:  # a new guest through the API
            response = self._call("GET", "/api/v1/cart/", "cart: new cart token (API, guest)")
            cart_token = response.headers.get("X-Cart-Token", "")
            headers = {"X-Cart-Token": cart_token}
            self._call(
                "POST",
                "/api/v1/cart/items/",
                "cart: add (API, guest)",
                ok=(201,),
                json={"sku": sku["id"], "quantity": 1},
                headers=dict(headers),
            )
            self._call("GET", "/api/v1/cart/", "cart: view (API, guest)", headers=dict(headers))
        else:  # the signed-in customer; the next checkout takes what is in the cart
            self._call(
                "POST",
                "/api/v1/cart/items/",
                "cart: add (API, signed in)",
                ok=(201,),
                token=self.token,
                json={"sku": sku["id"], "quantity": 1},
            )
            self._call("GET", "/api/v1/cart/", "cart: view (API, signed in)", token=self.token)
        self._finished("cart")

    @task(PLAN["weights"]["checkout"])
    def checkout(self):
        n = next(self.rounds)
        sku = self.random.choice(PLAN["skus"])
        added = self._call(
            "POST",
            "/api/v1/cart/items/",
            "checkout: add to cart (API)",
            ok=(201,),
            token=self.token,
            json={"sku": sku["id"], "quantity": 1},
        )
        if added.status_code != 201:
            return
        body = {"address": self.buyer["address"]}
        if PLAN["coupon"] and self.random.random() < PLAN["coupon_share"]:
            body["coupon"] = PLAN["coupon"]
        placed = self._call(
            "POST",
            "/api/v1/orders/",
            "checkout: place order (API, Idempotency-Key)",
            ok=(201,),
            token=self.token,
            json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        number = self._json(placed).get("number")
        if placed.status_code != 201 or not number:
            return
        provider = PLAN["providers"][n % len(PLAN["providers"])]
        started = self._call(
            "POST",
            "/api/v1/payments/",
            "checkout: create payment (API)",
            ok=(201,),
            token=self.token,
            json={"order": number, "provider": provider},
        )
        cashier_url = self._json(started).get("cashier_url", "")
        if started.status_code != 201 or not cashier_url:
            return
        parts = urlsplit(cashier_url)
        cashier = f"{parts.path}?{parts.query}"
        token = dict(item.split("=", 1) for item in parts.query.split("&") if "=" in item).get("t", "")
        page = self._call("GET", cashier, "checkout: cashier page (sandbox)")
        if page.status_code != 200:
            return
        pay = self._call(
            "POST",
            f"{parts.path}settle/",
            "checkout: Pay (sandbox cashier)",
            ok=(302, 200),
            data={"t": token, "redirect_url": "", "action": "pay", "csrfmiddlewaretoken": self._csrf()},
            headers={"Referer": f"{self.host}{cashier}"},
        )
        if pay.status_code not in (200, 302):
            return
        paid_from = time.perf_counter()
        deadline = time.monotonic() + POLL_FOR
        status = ""
        while time.monotonic() < deadline:
            gevent.sleep(POLL_EVERY)
            response = self._call(
                "GET", f"/api/v1/orders/{number}/", "checkout: poll order (API)", ok=(200,), token=self.token
            )
            status = self._json(response).get("status", "")
            if status in PAID:
                break
        events.request.fire(
            request_type="ASYNC",
            name="checkout: order paid after Pay (async)",
            response_time=(time.perf_counter() - paid_from) * 1000,
            response_length=0,
            exception=None if status in PAID else RuntimeError(f"not paid within {POLL_FOR:g} s ({status})"),
            context={"node": self.host},
        )
        self._finished("checkout")

    def _finished(self, journey: str) -> None:
        if Window.measuring:
            Window.journeys[journey] += 1
