"""The Prometheus endpoint: who may read it, and what it counts (HTTP, Celery, outbox).

Counters are process-wide and keep counting across tests, so each test compares a
scrape before and after what it does. The orders and payments collectors are tested
in tests/test_metrics_collectors.py (they belong to other apps).
"""

import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import current_app, shared_task
from celery.exceptions import Retry
from celery.worker.request import Request
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from apps.core.metrics import render_metrics
from apps.core.models import OutboxMessage
from apps.core.observability import RequestIdFilter, request_id_var

ROOT = Path(__file__).resolve().parents[3]
PUBLIC_ADDRESS = "203.0.113.7"
task_logger = logging.getLogger("core_tests.metrics")


# --- Tasks and a view for the tests ------------------------------------------------------------


@shared_task(name="core_tests.metrics_succeeds")
def succeeds() -> str:
    task_logger.info("inside the task")
    return request_id_var.get()


@shared_task(name="core_tests.metrics_fails")
def fails() -> None:
    raise RuntimeError("failed on purpose")


@shared_task(name="core_tests.metrics_retries_once", bind=True, max_retries=1)
def retries_once(self) -> str:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    return "second try"


def send_a_task(request):
    succeeds.delay()
    return HttpResponse("sent")


urlpatterns = [path("metrics-tests/send-a-task", send_a_task, name="send-a-task")]


# --- Helpers ------------------------------------------------------------------------------------


def parse(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: Client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    return parse(response.content.decode())


def without_csrf_token(page: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", page)


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# --- Who may read it --------------------------------------------------------------------------


@pytest.mark.django_db
def test_given_a_public_client_when_it_asks_for_metrics_then_it_gets_the_ordinary_404_page(client):
    response = client.get("/metrics", REMOTE_ADDR=PUBLIC_ADDRESS)
    other = client.get("/metricz", REMOTE_ADDR=PUBLIC_ADDRESS)

    assert response.status_code == 404
    assert without_csrf_token(response.content.replace(b"/metrics", b"/metricz")) == without_csrf_token(other.content)
    assert b"shop_http_requests_total" not in response.content


@pytest.mark.django_db
def test_given_the_default_networks_when_localhost_asks_then_it_gets_the_exposition(client):
    response = client.get("/metrics")  # the test client's REMOTE_ADDR is 127.0.0.1
    ipv6 = client.get("/metrics", REMOTE_ADDR="::1")
    mapped = client.get("/metrics", REMOTE_ADDR="::ffff:127.0.0.1")  # a dual-stack socket

    assert (response.status_code, ipv6.status_code, mapped.status_code) == (200, 200, 200)
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response["Cache-Control"] == "no-store"
    assert "# TYPE shop_http_requests_total counter" in response.content.decode()


@pytest.mark.django_db
def test_given_a_token_when_a_client_sends_it_then_it_may_scrape_and_without_it_not(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    settings.METRICS_ALLOWED_NETWORKS = ["0.0.0.0/0", "::/0"]

    with_token = client.get("/metrics", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_AUTHORIZATION="Bearer s3cret-token")
    wrong = client.get("/metrics", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_AUTHORIZATION="Bearer s3cret-tokeN")
    missing = client.get("/metrics")

    assert with_token.status_code == 200
    assert (wrong.status_code, missing.status_code) == (404, 404)


@pytest.mark.django_db
def test_given_a_token_and_networks_when_the_token_comes_from_elsewhere_then_404(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    inside = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-token")
    outside = client.get("/metrics", REMOTE_ADDR=PUBLIC_ADDRESS, HTTP_AUTHORIZATION="Bearer s3cret-token")

    assert (inside.status_code, outside.status_code) == (200, 404)


@pytest.mark.django_db
def test_given_production_without_a_token_then_metrics_is_off_even_for_localhost(client, settings):
    settings.PRODUCTION = True
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404

    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


@pytest.mark.django_db
def test_given_a_request_through_a_proxy_when_it_asks_for_metrics_then_404(client):
    # Behind a proxy on the same host every client comes from 127.0.0.1.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR=PUBLIC_ADDRESS).status_code == 404
    assert client.get("/metrics", HTTP_FORWARDED=f"for={PUBLIC_ADDRESS}").status_code == 404


def test_the_metrics_endpoint_is_not_in_the_api_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert "/metrics" not in response.content.decode()


def test_a_bad_allowed_network_is_a_configuration_error(settings):
    from apps.core.metrics import check_metrics_settings

    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32", "intranet"]

    assert [error.id for error in check_metrics_settings(None)] == ["shop.E701"]


# --- HTTP requests ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_requests_are_counted_by_route_name_not_by_path_and_timed(client):
    before = scrape(client)

    client.get("/healthz")
    client.get("/healthz")
    client.get("/api/v1/orders/NO-SUCH-1/")  # one route, whatever the number
    client.get("/api/v1/orders/NO-SUCH-2/")
    client.get("/no-such-page")
    client.generic("BREW", "/healthz")  # an unknown method is "other"
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("shop_http_requests_total", method="GET", route="healthz", status="200") == 2
    assert grew("shop_http_requests_total", method="GET", route="order-detail", status="401") == 2
    assert grew("shop_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert grew("shop_http_requests_total", method="other", route="healthz", status="405") == 1
    assert grew("shop_http_request_duration_seconds_count", method="GET", route="healthz") == 2
    assert grew("shop_http_request_duration_seconds_bucket", method="GET", route="healthz", le="+Inf") == 2
    assert grew("shop_http_request_duration_seconds_sum", method="GET", route="healthz") > 0
    assert not any("NO-SUCH" in str(labels) for _, labels in after)


# --- Outbox -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_outbox_lag_shows_the_pending_rows_and_the_age_of_the_oldest(client):
    empty = scrape(client)
    old = OutboxMessage.objects.create(topic="core_tests.thing_happened.v1", payload={})
    OutboxMessage.objects.filter(pk=old.pk).update(occurred_at=timezone.now() - timedelta(minutes=10))
    OutboxMessage.objects.create(topic="core_tests.thing_happened.v1", payload={})
    OutboxMessage.objects.create(topic="core_tests.thing_happened.v1", payload={}, published_at=timezone.now())

    lagging = scrape(client)

    assert value(empty, "shop_outbox_pending_messages") == 0
    assert value(empty, "shop_outbox_oldest_pending_age_seconds") == 0
    assert value(lagging, "shop_outbox_pending_messages") == 2
    assert 600 <= value(lagging, "shop_outbox_oldest_pending_age_seconds") < 660
    assert value(lagging, "shop_metrics_collector_up", collector="outbox") == 1


@pytest.mark.django_db
def test_a_failing_collector_is_reported_down_and_the_rest_still_served(client, settings):
    settings.METRICS_COLLECTORS = ["apps.core.tests.test_metrics.BrokenCollector", "apps.core.metrics.OutboxCollector"]

    samples = scrape(client)

    assert value(samples, "shop_metrics_collector_up", collector="broken") == 0
    assert value(samples, "shop_metrics_collector_up", collector="outbox") == 1
    assert ("shop_outbox_pending_messages", ()) in samples


class BrokenCollector:
    name = "broken"

    def collect(self):
        raise RuntimeError("the database is away")


# --- Celery -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_task_outcomes_are_counted_by_task_name(client, eager_celery):
    before = scrape(client)

    succeeds.delay()
    with pytest.raises(RuntimeError):
        fails.delay()
    retries_once.apply(throw=False)  # an eager retry runs again at once unless it propagates
    with pytest.raises(Retry):
        retries_once.delay()  # propagated to the caller, as the worker's retry would be
    after = scrape(client)

    def grew(task, outcome):
        labels = {"task": task, "outcome": outcome}
        return value(after, "shop_celery_tasks_total", **labels) - value(before, "shop_celery_tasks_total", **labels)

    assert grew("core_tests.metrics_succeeds", "succeeded") == 1
    assert grew("core_tests.metrics_fails", "failed") == 1
    assert grew("core_tests.metrics_fails", "succeeded") == 0
    assert grew("core_tests.metrics_retries_once", "retried") == 2
    assert grew("core_tests.metrics_retries_once", "succeeded") == 1  # the second try


# --- Request ids in tasks -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_log_line_in_an_eager_task_sent_by_a_request_carries_the_requests_id(client, caplog, eager_celery):
    caplog.handler.addFilter(RequestIdFilter())

    with caplog.at_level(logging.INFO, logger=task_logger.name):
        client.get("/metrics-tests/send-a-task", HTTP_X_REQUEST_ID="req-into-the-task")

    record = next(r for r in caplog.records if r.getMessage() == "inside the task")
    assert record.request_id == "req-into-the-task"


def send_then_run_as_a_worker(*, request_id: str, queue_name: str):
    """Send `succeeds` through the broker (memory:// embedded, RabbitMQ with services)
    while `request_id` is current, then take the message and run it the way a worker
    does (Celery's own worker Request, not eager). Returns the message and the result."""
    was_eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    token = request_id_var.set(request_id)
    try:
        succeeds.apply_async(queue=queue_name)
    finally:
        request_id_var.reset(token)
        current_app.conf.task_always_eager = was_eager
    with current_app.connection_for_read() as connection:
        channel = connection.default_channel
        queue = current_app.amqp.queues[queue_name](channel)
        try:
            message = None
            deadline = time.monotonic() + 10
            while message is None and time.monotonic() < deadline:
                message = queue.get(no_ack=True) or time.sleep(0.05)
            assert message is not None, "the task never reached the broker"
            result = Request(message, app=current_app, task=current_app.tasks[message.headers["task"]]).execute()
        finally:
            queue.delete()
            channel.exchange_delete(queue_name)
    return message, result


def test_a_task_sent_during_a_request_carries_its_id_to_the_worker_that_runs_it(caplog, settings):
    caplog.handler.addFilter(RequestIdFilter())
    queue_name = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-metrics-{uuid.uuid4().hex[:8]}"

    with caplog.at_level(logging.INFO, logger=task_logger.name):
        message, seen = send_then_run_as_a_worker(request_id="req-sent-by-a-request", queue_name=queue_name)

    # the message carried the request's id, the task and its log lines ran under it,
    # and the worker's own id is back afterwards
    assert message.headers["shop_request_id"] == "req-sent-by-a-request"
    assert seen == "req-sent-by-a-request"
    record = next(r for r in caplog.records if r.getMessage() == "inside the task")
    assert record.request_id == "req-sent-by-a-request"
    assert request_id_var.get() == "-"


def test_a_task_sent_outside_requests_runs_under_its_own_task_id(settings):
    queue_name = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-metrics-{uuid.uuid4().hex[:8]}"

    message, seen = send_then_run_as_a_worker(request_id="-", queue_name=queue_name)  # beat, a shell

    assert "shop_request_id" not in message.headers
    assert seen == message.headers["id"]


# --- Several processes --------------------------------------------------------------------------

SUBPROCESS_REQUESTS = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
for _ in range(3):
    assert client.get("/healthz").status_code == 200
"""


def test_in_multiprocess_mode_a_scrape_adds_up_the_counts_of_every_process(tmp_path, settings):
    # given two processes (as two gunicorn workers) sharing PROMETHEUS_MULTIPROC_DIR
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    processes = [subprocess.Popen([sys.executable, "-c", SUBPROCESS_REQUESTS], cwd=ROOT, env=env) for _ in range(2)]
    assert [process.wait(timeout=60) for process in processes] == [0, 0]

    # when either of them (here: this process reading the same directory) serves a scrape
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    body, _ = render_metrics(accept=None, scrape_collectors=False)
    samples = parse(body.decode())

    # then the counters are the sum over both processes
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    assert value(samples, "shop_http_requests_total", method="GET", route="healthz", status="200") == 6
    assert value(samples, "shop_http_request_duration_seconds_count", method="GET", route="healthz") == 6


# --- A real worker ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_metrics(port: int, **headers) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (http://127.0.0.1)
            return response.status, parse(response.read().decode())
    except urllib.error.HTTPError as error:
        return error.code, {}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_serves_its_task_outcomes_and_logs_under_the_senders_request_id(tmp_path, settings):
    from tests.worker_support import Worker, queue_delete

    if not settings.BROKER_CONFIGURED:
        pytest.skip("needs CELERY_BROKER_URL (a real broker for a real worker)")
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL (the worker is another process on the test database)")
    # given a prefork worker (2 pool processes) on a queue of its own, counting in a
    # multiprocess directory and serving its metrics on a port
    queue_name = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-metrics-{uuid.uuid4().hex[:8]}"
    port = free_port()
    db = connection.settings_dict  # NAME is the test database pytest-django made
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "METRICS_WORKER_PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "worker-metrics"),
    }
    env.pop("DATABASE_REPLICA_URLS", None)
    worker = Worker(
        name=f"metrics-{queue_name}", queue=queue_name, env=env, journal=tmp_path / "journal", log=tmp_path / "log"
    )
    relay = current_app.tasks["core.relay_outbox"]
    was_eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    stale = tmp_path / "worker-metrics" / "counter_1.db"  # a previous run's pool process
    stale.parent.mkdir()
    stale.write_bytes(b"")
    try:
        worker.start()
        assert not stale.exists()  # the worker starts from zero
        # when a request sends one task that succeeds and one that fails
        token = request_id_var.set("req-to-a-real-worker")
        try:
            relay.apply_async(queue=queue_name)
            current_app.send_task(relay.name, kwargs={"unexpected": 1}, queue=queue_name)  # a TypeError there
        finally:
            request_id_var.reset(token)

        # then the worker's port shows both outcomes, summed over its pool processes
        def counted(samples, outcome):
            return value(samples, "shop_celery_tasks_total", task="core.relay_outbox", outcome=outcome)

        deadline = time.monotonic() + 30
        while True:
            status, samples = worker_metrics(port)
            if status == 200 and counted(samples, "succeeded") == 1 and counted(samples, "failed") == 1:
                break
            assert time.monotonic() < deadline, f"worker metrics {status}: {samples}\n{worker.log.read_text()[-3000:]}"
            time.sleep(0.2)
        # and a request through a proxy is refused there too
        assert worker_metrics(port, **{"X-Forwarded-For": PUBLIC_ADDRESS})[0] == 404
        # and the task's log lines in the worker carry the id of the request that sent it
        log = worker.log.read_text()
        assert "[req-to-a-real-worker] celery.app.trace: Task core.relay_outbox" in log, log[-3000:]
    finally:
        current_app.conf.task_always_eager = was_eager
        worker.kill()
        queue_delete(queue_name)
