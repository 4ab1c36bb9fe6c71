"""The shop against real PostgreSQL, Redis and RabbitMQ, with a real Celery worker.

Run by CI with DATABASE_URL, REDIS_URL and CELERY_BROKER_URL set (see .ci/run);
skipped without them, and a failure if REQUIRE_SERVICES=1.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery, current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from apps.accounts import services
from apps.core.models import OutboxMessage, ProcessedMessage

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
WELCOME = "accounts.send_welcome_email"


def require(condition: bool, what: str):
    if not condition:
        pytest.skip(f"needs {what}")


@pytest.fixture
def worker(tmp_path):
    """A real `celery worker` with an embedded beat, on the test database and broker."""
    require(settings.BROKER_CONFIGURED, "CELERY_BROKER_URL")
    require(connection.vendor == "postgresql", "DATABASE_URL on PostgreSQL (the worker is another process)")
    db = connection.settings_dict
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_URL": f"filemail:///{mail_dir}",  # django-environ drops one slash
        "OUTBOX_SWEEP_SECONDS": "1",
    }
    current_app.control.purge()  # leftovers of other tests' nudges
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-B",
            "--pool",
            "solo",
            "-l",
            "INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not current_app.control.ping(timeout=1):
        assert process.poll() is None, (tmp_path / "worker.log").read_text()
        assert time.monotonic() < deadline, "the worker did not start in 60 s"
    yield mail_dir
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_real_worker_handles_an_outbox_event_once(worker):
    user = services.user_register(email="worker@example.com", password="celery-stalk-2026")

    assert wait_for(lambda: ProcessedMessage.objects.filter(handler=WELCOME).exists())
    message = OutboxMessage.objects.get(topic="accounts.user_registered.v1")
    assert message.payload == {"user_id": user.pk, "email": "worker@example.com"}
    assert wait_for(lambda: any(worker.iterdir()))
    mails = [p.read_text() for p in worker.iterdir()]
    assert len(mails) == 1
    assert "Welcome to Shop" in mails[0]

    # The same message delivered again (a redelivery after a lost ack) changes nothing.
    kwargs = {"message_id": str(message.message_id), "topic": message.topic, "payload": message.payload}
    current_app.tasks[WELCOME].apply_async(kwargs=kwargs)
    current_app.tasks[WELCOME].apply_async(kwargs=kwargs)
    time.sleep(3)
    assert ProcessedMessage.objects.filter(handler=WELCOME).count() == 1
    assert len(list(worker.iterdir())) == 1


def test_with_the_broker_unreachable_the_request_goes_on_and_the_sweep_delivers(worker):
    real = current_app._get_current_object()
    unreachable = Celery("unreachable", set_as_current=False)
    unreachable.config_from_object("django.conf:settings", namespace="CELERY")
    unreachable.conf.broker_url = "amqp://guest:guest@127.0.0.1:1//"
    unreachable.set_current()
    try:
        started = time.monotonic()
        with transaction.atomic():
            services.user_register(email="late@example.com", password="celery-stalk-2026")
        elapsed = time.monotonic() - started
    finally:
        real.set_current()

    assert elapsed < 3.0
    # No nudge reached the worker; its beat sweep (every second here) finds the row.
    assert wait_for(lambda: ProcessedMessage.objects.filter(handler=WELCOME).exists())
    assert OutboxMessage.objects.get().published_at is not None
    time.sleep(2)
    assert ProcessedMessage.objects.filter(handler=WELCOME).count() == 1
    assert len(list(worker.iterdir())) == 1


def test_readyz_sees_all_three_services(client):
    require(settings.BROKER_CONFIGURED and bool(settings.REDIS_URL), "CELERY_BROKER_URL and REDIS_URL")

    response = client.get("/readyz")

    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}


def test_the_lockout_counter_lives_in_redis(api_client, user):
    require(bool(settings.REDIS_URL), "REDIS_URL")
    from django_redis import get_redis_connection

    for _ in range(3):
        api_client.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong-pass-1"}, format="json")

    keys = [k.decode() for k in get_redis_connection("default").keys("*login-failures:*")]
    assert len(keys) == 1
    assert cache.get(keys[0].split(":", 2)[-1]) == 3
