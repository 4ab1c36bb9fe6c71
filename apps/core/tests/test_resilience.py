"""What a request answers when a service is down (the fault tests in tests/test_faults.py
do the same against real services they stop)."""

import time

import pytest
from celery import Celery, current_app
from django.db import transaction

from apps.core import outbox
from apps.core.models import OutboxMessage
from apps.core.tests.handlers_for_tests import ThingHappened

DEAD_BROKER = "amqp://guest:guest@127.0.0.1:1//"


@pytest.mark.urls("apps.core.tests.resilience_urls")
def test_an_unreachable_database_is_a_503_page_not_a_500(client):
    client.raise_request_exception = False

    answer = client.get("/page/")

    assert answer.status_code == 503
    assert answer["Retry-After"] == "10"
    assert "The shop is unavailable right now, please try again shortly." in answer.content.decode()


@pytest.mark.urls("apps.core.tests.resilience_urls")
def test_an_unreachable_database_is_a_503_service_unavailable_in_the_api(client):
    client.raise_request_exception = False

    answer = client.get("/api/v1/thing/")

    assert answer.status_code == 503
    assert answer.json()["code"] == "service_unavailable"
    assert answer["Retry-After"] == "10"


@pytest.mark.urls("apps.core.tests.resilience_urls")
def test_a_broken_query_stays_a_server_error(client):
    client.raise_request_exception = False

    assert client.get("/broken/").status_code == 500


@pytest.fixture
def dead_broker(monkeypatch, settings):
    """The current Celery app's broker refuses connections; nudges back off for a minute."""
    monkeypatch.setenv("CELERY_BROKER_URL", DEAD_BROKER)  # Celery prefers it to its conf
    settings.OUTBOX_NUDGE_BACKOFF_SECONDS = 60
    real = current_app._get_current_object()
    dead = Celery("broker-down", set_as_current=False)
    dead.config_from_object("django.conf:settings", namespace="CELERY")
    dead.conf.broker_url = DEAD_BROKER
    dead.conf.task_always_eager = False
    dead.set_current()
    dead.finalize(auto=True)
    yield dead
    real.set_current()
    outbox._nudger().flush()
    outbox._nudger().paused_until = 0  # the next tests' broker is up


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_commits_do_not_wait_and_nudges_back_off(dead_broker):
    nudger = outbox._nudger()
    nudger.flush()
    failures, dropped, sent = nudger.failures, nudger.dropped, nudger.sent
    nudger.paused_until = 0

    durations = []
    for thing_id in range(5):
        started = time.monotonic()
        with transaction.atomic():
            outbox.publish(ThingHappened(thing_id=thing_id))
        durations.append(time.monotonic() - started)
        deadline = time.monotonic() + 10
        while not nudger.idle() or (nudger.failures == failures and time.monotonic() < deadline):
            time.sleep(0.01)

    # the commits did not wait for the broker (a nudge on the request would take its 2 s timeout)
    assert max(durations) < 0.5, durations
    # the first nudge failed, the ones within the back-off were not even tried
    assert nudger.failures - failures == 1
    assert nudger.sent == sent
    assert nudger.dropped - dropped >= 4  # (other tests' threads may ask for nudges too)
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 5
