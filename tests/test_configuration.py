"""The settings contract: every variable documented, routing, errors, logs."""

import logging
import re
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from apps.core.middleware import DatabaseRoutingMiddleware
from config import db_router
from config.db_router import PIN_COOKIE, PrimaryReplicaRouter, pin_cookie_value, reset_primary_pin

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_variable_the_code_reads_is_in_env_example():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    read = set(
        re.findall(
            r"env\.(?:str|bool|int|float|list|db_url|email_url)\(\s*\"([A-Z0-9_]+)\"",
            (ROOT / "config" / "settings.py").read_text(),
        )
    )
    for demo in ROOT.glob("apps/*/demo.py"):
        read |= set(re.findall(r"os\.environ(?:\.get)?[\[(]\"([A-Z0-9_]+)\"", demo.read_text()))

    assert len(read) > 40
    assert read - documented == set()


@pytest.fixture
def with_replica(settings, monkeypatch):
    settings.DATABASES = {**settings.DATABASES, "replica1": {**settings.DATABASES["default"]}}
    # The alias only exists in settings here (Django's connections were made before):
    # routing decisions are what these tests check, so the replica counts as reachable.
    monkeypatch.setattr(db_router, "replica_is_usable", lambda alias: True)
    reset_primary_pin()
    yield PrimaryReplicaRouter()
    reset_primary_pin()


@pytest.mark.django_db(transaction=True)
def test_reads_go_to_a_replica_until_the_unit_of_work_writes(with_replica):
    router = with_replica

    assert router.db_for_read(None) == "replica1"
    assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) == "default"  # read-your-writes
    reset_primary_pin()  # the next request
    assert router.db_for_read(None) == "replica1"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary(with_replica):
    with transaction.atomic():
        assert with_replica.db_for_read(None) == "default"


class _Unreachable:
    """A connection whose server is down: connecting raises like psycopg's refusal does."""

    attempts = 0
    in_atomic_block = False

    def ensure_connection(self):
        type(self).attempts += 1
        raise OperationalError("connection refused")


def test_an_unreachable_replica_is_skipped_and_not_retried_for_a_while(settings, monkeypatch, caplog):
    settings.DATABASES = {**settings.DATABASES, "replica1": {**settings.DATABASES["default"]}}
    settings.REPLICA_RETRY_SECONDS = 30
    monkeypatch.setattr(db_router, "connections", {"default": _Unreachable(), "replica1": _Unreachable()})
    monkeypatch.setattr(db_router, "_replica_down_until", {})
    clock = [1000.0]
    monkeypatch.setattr(db_router, "_now", lambda: clock[0])
    _Unreachable.attempts = 0
    reset_primary_pin()
    router = PrimaryReplicaRouter()

    assert router.db_for_read(None) == "default"  # the read still gets an answer
    assert router.db_for_read(None) == "default"
    assert _Unreachable.attempts == 1  # the second read did not wait on the replica again
    assert "replica1 unreachable" in caplog.text

    clock[0] += 31
    router.db_for_read(None)
    assert _Unreachable.attempts == 2  # tried again once the retry time has passed


def test_without_replicas_everything_is_the_primary():
    reset_primary_pin()
    assert PrimaryReplicaRouter().db_for_read(None) == "default"


def _routed(middleware_request, *, write: bool):
    """Pass a request through DatabaseRoutingMiddleware; where its reads went, and the response."""
    seen = {}

    def view(request):
        router = PrimaryReplicaRouter()
        seen["read_before_write"] = router.db_for_read(None)
        if write:
            router.db_for_write(None)
        return HttpResponse("ok")

    response = DatabaseRoutingMiddleware(view)(middleware_request)
    return seen["read_before_write"], response


def test_a_request_that_wrote_pins_the_clients_next_requests_to_the_primary(with_replica, rf, settings):
    settings.REPLICA_PIN_SECONDS = 10

    read, response = _routed(rf.post("/cart/add/"), write=True)
    pin = response.cookies[PIN_COOKIE]
    next_request = rf.get("/orders/")
    next_request.COOKIES[PIN_COOKIE] = pin.value
    next_read, next_response = _routed(next_request, write=False)

    assert read == "replica1"
    assert pin["max-age"] == 10
    assert pin["httponly"]
    assert next_read == "default"  # on any node: the cookie is all it needs
    assert PIN_COOKIE not in next_response.cookies  # a read does not extend the pin


def test_without_a_valid_pin_a_request_reads_from_a_replica(with_replica, rf, settings):
    settings.REPLICA_PIN_SECONDS = 10
    forged, expired, fresh = rf.get("/"), rf.get("/"), rf.get("/")
    forged.COOKIES[PIN_COOKIE] = "1:forged:signature"
    with freeze_signing_time(-11):
        expired.COOKIES[PIN_COOKIE] = pin_cookie_value()

    assert _routed(forged, write=False)[0] == "replica1"
    assert _routed(expired, write=False)[0] == "replica1"
    assert _routed(fresh, write=False)[1].cookies.get(PIN_COOKIE) is None


def test_without_replicas_no_pin_cookie_is_set(rf):
    reset_primary_pin()
    read, response = _routed(rf.post("/cart/add/"), write=True)

    assert read == "default"
    assert PIN_COOKIE not in response.cookies


@contextmanager
def freeze_signing_time(offset_seconds: float):
    """Sign as if the clock were `offset_seconds` away from now."""
    real = time.time()
    with mock.patch("django.core.signing.time.time", return_value=real + offset_seconds):
        yield


def explode(request):
    raise RuntimeError("boom")


urlpatterns = [path("api/v1/explode/", explode), path("explode/", explode)]
handler500 = "apps.core.views.server_error"


@pytest.mark.django_db
@pytest.mark.urls("tests.test_configuration")
def test_a_crash_is_a_500_and_an_error_log_with_traceback(client, caplog):
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        api = client.get("/api/v1/explode/")
        page = client.get("/explode/")

    assert api.status_code == 500
    assert api.json() == {"code": "server_error", "detail": "Server error.", "fields": {}}
    assert page.status_code == 500
    assert "Something went wrong" in page.content.decode()
    errors = [r for r in caplog.records if r.name == "django.request"]
    assert errors
    assert errors[0].exc_info[0] is RuntimeError


@pytest.mark.django_db
def test_an_unknown_host_is_a_clean_400(client):
    with override_settings(ALLOWED_HOSTS=["shop.example.com"]):
        response = client.get("/accounts/login/", HTTP_HOST="evil.example.net")

    assert response.status_code == 400


def test_a_workers_task_reads_from_the_primary(with_replica):
    # A task acts on a commit made just before it was sent; a replica may not have it yet.
    from types import SimpleNamespace

    from config.celery import _end_unit_of_work, _start_unit_of_work

    task = SimpleNamespace(request=SimpleNamespace(is_eager=False, headers={}))
    _start_unit_of_work(task_id="t-1", task=task)
    try:
        assert with_replica.db_for_read(None) == "default"
    finally:
        _end_unit_of_work(task_id="t-1")
