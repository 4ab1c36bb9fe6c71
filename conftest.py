"""Shared fixtures. Tests read as given/when/then with flat functions."""

import os

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

# Markers whose tests must not be skipped when the named variable is "1" (CI sets them).
REQUIRED_MARKERS = {
    "services": os.environ.get("REQUIRE_SERVICES") == "1",
    "browser": os.environ.get("REQUIRE_BROWSER") == "1",
}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skipped test of a required marker is a failure: CI must run them all."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail"):  # an expected failure is not a skip
        return
    for marker, required in REQUIRED_MARKERS.items():
        if required and item.get_closest_marker(marker):
            report.outcome = "failed"
            report.longrepr = f"{marker} test skipped although it is required: {report.longrepr}"


@pytest.fixture(autouse=True)
def _isolated_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Argon2 is deliberately slow; tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    from apps.accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_user(db):
    from apps.accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def auth_client(user):
    """An API client holding a JWT access token for `user`."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process for this test, whatever broker the suite was given."""
    from celery import current_app

    was_eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = was_eager
