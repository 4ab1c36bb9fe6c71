"""The settings contract: every variable documented, routing, errors, logs."""

import logging
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import path

from config.db_router import PrimaryReplicaRouter, reset_primary_pin

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
def with_replica(settings):
    settings.DATABASES = {**settings.DATABASES, "replica1": {**settings.DATABASES["default"]}}
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


def test_without_replicas_everything_is_the_primary():
    reset_primary_pin()
    assert PrimaryReplicaRouter().db_for_read(None) == "default"


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
