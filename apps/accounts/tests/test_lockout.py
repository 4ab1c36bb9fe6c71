import threading

import pytest
from django.core.cache import cache
from django.db import connections

from apps.accounts.services import _lockout_keys, login_failure_record, login_lock_seconds
from apps.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def page_login(client, email, password, ip):
    return client.post(
        "/accounts/login/",
        {"username": email, "password": password},
        REMOTE_ADDR=ip,
        HTTP_X_FORWARDED_FOR=ip,
    )


def api_login(api_client, email, password, ip):
    return api_client.post(
        "/api/v1/auth/token/",
        {"email": email, "password": password},
        format="json",
        REMOTE_ADDR=ip,
        HTTP_X_FORWARDED_FOR=ip,
    )


def test_ten_failures_on_the_page_lock_the_account_on_both_paths(client, api_client, user):
    for attempt in range(10):
        response = page_login(client, user.email, "wrong-password-1", ip=f"10.0.0.{attempt}")
        assert response.status_code == 200  # the form again, with its message

    page = page_login(client, user.email, PASSWORD, ip="192.168.1.1")
    api = api_login(api_client, user.email, PASSWORD, ip="172.16.0.1")

    assert page.status_code == 429
    assert 880 <= int(page["Retry-After"]) <= 900
    assert "Too many attempts" in page.content.decode()
    assert api.status_code == 429
    assert api.json()["code"] == "account_locked"
    assert 880 <= int(api["Retry-After"]) <= 900


def test_ten_failures_on_the_api_lock_the_page_too(client, api_client, user):
    for attempt in range(10):
        assert api_login(api_client, user.email, "wrong-password-1", ip=f"10.1.0.{attempt}").status_code == 401

    assert api_login(api_client, user.email.upper(), PASSWORD, ip="10.9.9.9").status_code == 429
    assert page_login(client, user.email, PASSWORD, ip="10.9.9.8").status_code == 429


def test_the_admin_login_is_covered_too(client, user):
    for _ in range(10):
        client.post("/admin/login/", {"username": user.email, "password": "wrong-password-1"})

    response = client.post("/admin/login/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 429


def test_nine_failures_then_the_right_password_still_signs_in_and_resets_the_count(api_client, user):
    for _ in range(9):
        api_login(api_client, user.email, "wrong-password-1", ip="10.0.0.1")

    assert api_login(api_client, user.email, PASSWORD, ip="10.0.0.1").status_code == 200
    assert cache.get(_lockout_keys(user.email)[0]) is None


def test_another_account_is_not_affected(api_client, user, other_user):
    for _ in range(10):
        api_login(api_client, user.email, "wrong-password-1", ip="10.0.0.1")

    assert api_login(api_client, other_user.email, PASSWORD, ip="10.0.0.1").status_code == 200


def test_the_lock_ends_after_the_window(api_client, user, settings):
    for _ in range(10):
        api_login(api_client, user.email, "wrong-password-1", ip="10.0.0.1")
    cache.delete_many(list(_lockout_keys(user.email)))  # what the cache's expiry does after 15 minutes

    assert api_login(api_client, user.email, PASSWORD, ip="10.0.0.1").status_code == 200


def test_failures_are_counted_atomically_under_concurrency(settings):
    settings.LOGIN_FAILURE_LIMIT = 1000
    email = "race@example.com"

    def fail_five_times():
        for _ in range(5):
            login_failure_record(email=email)
        connections.close_all()

    threads = [threading.Thread(target=fail_five_times) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert cache.get(_lockout_keys(email)[0]) == 40
    settings.LOGIN_FAILURE_LIMIT = 40
    assert login_lock_seconds(email=email) > 0
