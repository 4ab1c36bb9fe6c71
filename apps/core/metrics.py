"""Prometheus metrics: what the shop counts, and the protected `/metrics` endpoint.

- HTTP: `MetricsMiddleware` (first in MIDDLEWARE) counts every request by method, route
  name (the URL pattern's name, never the raw path) and status code, and times it.
- Celery: task outcomes (succeeded, failed, retried) by task name, from Celery's signals,
  wherever the task runs (an eager task in a web process, a pool process of a worker).
- At scrape time: the collectors named in `METRICS_COLLECTORS` read cheap aggregates
  from the database (outbox lag here; orders and payments in their own apps' `metrics`
  modules, so that core imports no other app).

Gunicorn runs several processes, so the counters live in files under
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode, `config/gunicorn.conf.py`)
and a scrape adds up every process's files. A Celery worker serves its own pool's task
counters on METRICS_WORKER_PORT. docs/operations.md (Metrics) has the whole picture.

`/metrics` is answered here, before the rest of the middleware: no session, no host
check, no HTTPS redirect (a scraper talks plain HTTP to each node). A client that may
not scrape gets the shop's ordinary 404 page, as if the endpoint did not exist.
"""

import hmac
import ipaddress
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

# prometheus_client turns multiprocess mode on when the variable merely exists; an empty
# value (`PROMETHEUS_MULTIPROC_DIR=` in a compose file) would write the files to the
# working directory. Empty means off.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR") == "":
    del os.environ["PROMETHEUS_MULTIPROC_DIR"]

from celery import states
from celery.exceptions import Retry
from celery.signals import task_postrun, worker_init, worker_ready
from django.conf import settings
from django.core.checks import Error, register
from django.http import HttpResponse
from django.utils.module_loading import import_string
from prometheus_client import REGISTRY, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer, choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger("shop.metrics")

METRICS_PATH = "/metrics"
UNMATCHED_ROUTE = "unmatched"  # no URL pattern matched (a 404, a redirect before routing)
# No `_created` series beside every counter and histogram (twice the series for nothing;
# multiprocess mode has none anyway).
disable_created_metrics()

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})

HTTP_REQUESTS = Counter(
    "shop_http_requests_total",
    "HTTP requests answered, by method, route name and status code.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "shop_http_request_duration_seconds",
    "Time from the first middleware to the response, by method and route name.",
    ["method", "route"],
    # Up to gunicorn's 30 s worker timeout.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CELERY_TASKS = Counter(
    "shop_celery_tasks_total",
    "Celery task runs that ended, by task name and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)


# --- HTTP -----------------------------------------------------------------------------------


class MetricsMiddleware:
    """Counts and times every request; answers `/metrics` for allowed scrapers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        if request.path_info == METRICS_PATH and request.method in ("GET", "HEAD") and _may_scrape(request):
            response = metrics_response(request)
        else:
            try:
                response = self.get_response(request)
            except Exception:
                _observe(request, 500, started)
                raise
        _observe(request, response.status_code, started)
        return response


# (method, route, status) -> the counter's and the histogram's children: labels() takes a
# lock and builds tuples on every call; this lookup is a third of its cost. Bounded by the
# label values (methods x routes x status codes seen).
_children: dict[tuple[str, str, int], tuple] = {}


def _observe(request, status: int, started: float) -> None:
    try:
        _count(request, status, time.perf_counter() - started)
    except Exception:  # counting must never fail a request (a full disk in multiprocess mode)
        _warn_once("counting a request failed")


def _count(request, status: int, elapsed: float) -> None:
    method = request.method if request.method in _METHODS else "other"
    match = request.resolver_match
    if match is not None:
        route = match.view_name or match.route or UNMATCHED_ROUTE
    elif status == 200 and request.path_info == METRICS_PATH:
        route = "metrics"
    else:
        route = UNMATCHED_ROUTE
    key = (method, route, status)
    children = _children.get(key)
    if children is None:
        children = _children[key] = (
            HTTP_REQUESTS.labels(method, route, str(status)),
            HTTP_REQUEST_DURATION.labels(method, route),
        )
    children[0].inc()
    children[1].observe(elapsed)


_warned: set[str] = set()


def _warn_once(what: str) -> None:
    if what not in _warned:
        _warned.add(what)
        logger.warning("%s (warned once per process)", what, exc_info=True)


def _may_scrape(request) -> bool:
    meta = request.META
    return scrape_allowed(
        remote_addr=meta.get("REMOTE_ADDR"),
        authorization=meta.get("HTTP_AUTHORIZATION"),
        forwarded="HTTP_X_FORWARDED_FOR" in meta or "HTTP_FORWARDED" in meta,
    )


def scrape_allowed(*, remote_addr: str | None, authorization: str | None, forwarded: bool) -> bool:
    """May this client read the metrics?

    - It connects directly: a request that came through a proxy (X-Forwarded-For or
      Forwarded) is refused, because behind a proxy on the same host every client's
      address is the proxy's. Scrapers talk to each node, not to the load balancer.
    - Its address is in METRICS_ALLOWED_NETWORKS.
    - It sends `Authorization: Bearer <METRICS_TOKEN>` when a token is set. In
      production a token is required: without one the endpoint is off.
    """
    if forwarded:
        return False
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, credentials = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(credentials.strip().encode(), token.encode()):
            return False
    elif settings.PRODUCTION:
        return False
    return _address_allowed(remote_addr, tuple(settings.METRICS_ALLOWED_NETWORKS))


def _address_allowed(remote_addr: str | None, networks: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address((remote_addr or "").split("%")[0])
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:  # a dual-stack socket's IPv4 client
        address = address.ipv4_mapped
    return any(address in network for network in _networks(networks))


@lru_cache(maxsize=8)
def _networks(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    parsed = []
    for network in filter(None, (network.strip() for network in networks)):
        try:
            parsed.append(ipaddress.ip_network(network, strict=False))
        except ValueError:
            continue  # shop.E701 reports it; allow no address for it
    return tuple(parsed)


@register()
def check_metrics_settings(app_configs, **kwargs):
    errors = []
    for network in filter(None, (network.strip() for network in settings.METRICS_ALLOWED_NETWORKS)):
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"METRICS_ALLOWED_NETWORKS has {network!r}, which is not a network.",
                    hint="Comma-separated addresses or networks: 127.0.0.1/32,::1/128,10.0.0.0/8.",
                    id="shop.E701",
                )
            )
    return errors


# --- Exposition -----------------------------------------------------------------------------


def metrics_response(request) -> HttpResponse:
    body, content_type = render_metrics(accept=request.headers.get("Accept"), scrape_collectors=True)
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def render_metrics(*, accept: str | None, scrape_collectors: bool) -> tuple[bytes, str]:
    """The exposition (Prometheus text, or OpenMetrics when the scraper asks for it)."""
    encoder, content_type = choose_encoder(accept or "")
    return encoder(_Scrape(scrape_collectors=scrape_collectors)), content_type


class _Scrape:
    """What one scrape reads: this process's (or, in multiprocess mode, every process's)
    counters, then the database collectors, each timed and fenced off from the others."""

    def __init__(self, *, scrape_collectors: bool):
        self.scrape_collectors = scrape_collectors

    def collect(self) -> Iterator[Metric]:
        directory = settings.PROMETHEUS_MULTIPROC_DIR
        if directory:
            yield from MultiProcessCollector(None, path=directory).collect()
        else:
            yield from REGISTRY.collect()
        if not self.scrape_collectors:
            return
        up = GaugeMetricFamily(
            "shop_metrics_collector_up", "1 when the collector read its data at this scrape.", labels=["collector"]
        )
        duration = GaugeMetricFamily(
            "shop_metrics_collector_duration_seconds", "Time the collector took at this scrape.", labels=["collector"]
        )
        for collector in scrape_collectors():
            started = time.perf_counter()
            try:
                families = list(collector.collect())
            except Exception:
                logger.warning("metrics collector %s failed", collector.name, exc_info=True)
                families = []
                up.add_metric([collector.name], 0)
            else:
                up.add_metric([collector.name], 1)
            duration.add_metric([collector.name], time.perf_counter() - started)
            yield from families
        yield up
        yield duration


class ScrapeCollector:
    """Reads a cheap aggregate when Prometheus scrapes; listed in METRICS_COLLECTORS.

    `collect()` yields metric families (prometheus_client.core.GaugeMetricFamily, ...).
    It runs in the web process serving the scrape, on every node: the values are the
    same everywhere, so aggregate them with max() rather than sum() in queries.
    """

    name = ""

    def collect(self) -> Iterable[Metric]:
        raise NotImplementedError


def scrape_collectors() -> list[ScrapeCollector]:
    return _collectors(tuple(settings.METRICS_COLLECTORS))


@lru_cache(maxsize=4)
def _collectors(paths: tuple[str, ...]) -> list[ScrapeCollector]:
    return [import_string(path)() for path in paths]


class OutboxCollector(ScrapeCollector):
    """Outbox lag: pending messages and the age of the oldest (the partial index on
    pending rows keeps this cheap). Read from the primary, where the relay works."""

    name = "outbox"

    def collect(self) -> Iterable[Metric]:
        from django.db.models import Count, Min
        from django.utils import timezone

        from apps.core.models import OutboxMessage

        stats = (
            OutboxMessage.objects.using("default")
            .filter(published_at__isnull=True)
            .aggregate(pending=Count("id"), oldest=Min("occurred_at"))
        )
        age = max((timezone.now() - stats["oldest"]).total_seconds(), 0.0) if stats["oldest"] else 0.0
        yield GaugeMetricFamily(
            "shop_outbox_pending_messages", "Outbox messages not yet published.", value=stats["pending"]
        )
        yield GaugeMetricFamily(
            "shop_outbox_oldest_pending_age_seconds",
            "Age of the oldest unpublished outbox message (0 when none is pending).",
            value=age,
        )


# --- Celery -----------------------------------------------------------------------------------


# Task states after a run -> outcomes counted (rejected and ignored runs are not).
_OUTCOMES = {states.SUCCESS: "succeeded", states.FAILURE: "failed", states.RETRY: "retried"}


@task_postrun.connect(dispatch_uid="shop.metrics.task_outcome")
def _count_task_outcome(sender=None, task=None, state=None, **kwargs):
    # task_postrun rather than task_success/failure/retry: it also comes when an eager
    # task's exception goes on to its caller (CELERY_TASK_EAGER_PROPAGATES), with no state.
    if state is None:
        outcome = "retried" if isinstance(sys.exc_info()[1], Retry) else "failed"
    else:
        outcome = _OUTCOMES.get(state)
    if outcome:
        try:
            CELERY_TASKS.labels(_task_name(task or sender), outcome).inc()
        except Exception:
            _warn_once("counting a task failed")


def _task_name(task) -> str:
    return getattr(task, "name", None) or "unknown"


@worker_init.connect(dispatch_uid="shop.metrics.worker_init")
def _worker_clear_metrics(**kwargs):
    """A worker starts with empty counters: its pool processes write new files."""
    if settings.METRICS_WORKER_PORT and settings.PROMETHEUS_MULTIPROC_DIR:
        clear_multiprocess_dir(settings.PROMETHEUS_MULTIPROC_DIR)


@worker_ready.connect(dispatch_uid="shop.metrics.worker_ready")
def _worker_serve_metrics(**kwargs):
    if settings.METRICS_WORKER_PORT:
        serve_worker_metrics(port=settings.METRICS_WORKER_PORT)


def clear_multiprocess_dir(directory: str) -> None:
    """Remove the previous run's files (dead processes' counters), keep the directory."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for file in path.glob("*.db"):
        file.unlink(missing_ok=True)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # one line per scrape is noise
        pass


def _worker_app(environ, start_response):
    allowed = environ.get("PATH_INFO") == METRICS_PATH and scrape_allowed(
        remote_addr=environ.get("REMOTE_ADDR"),
        authorization=environ.get("HTTP_AUTHORIZATION"),
        forwarded="HTTP_X_FORWARDED_FOR" in environ or "HTTP_FORWARDED" in environ,
    )
    if not allowed:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]
    body, content_type = render_metrics(accept=environ.get("HTTP_ACCEPT"), scrape_collectors=False)
    start_response("200 OK", [("Content-Type", content_type), ("Cache-Control", "no-store")])
    return [body]


def serve_worker_metrics(*, port: int, addr: str = "0.0.0.0") -> ThreadingWSGIServer:  # noqa: S104 (allow-list, token)
    """Serve this worker's task counters on `port` (the same protection as the web's
    /metrics) from a daemon thread of the worker's main process."""
    if not settings.PROMETHEUS_MULTIPROC_DIR:
        logger.warning(
            "METRICS_WORKER_PORT without PROMETHEUS_MULTIPROC_DIR: only tasks run in the worker's "
            "main process are counted (pools solo and threads), not a prefork pool's"
        )
    server = make_server(addr, port, _worker_app, ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics-server", daemon=True).start()
    logger.info("worker metrics on http://%s:%s%s", addr, server.server_port, METRICS_PATH)
    return server
