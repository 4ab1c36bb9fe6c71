from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.api.idempotency import request_fingerprint
from apps.core.models import IdempotencyKey
from apps.core.tasks import purge_idempotency_keys

pytestmark = [pytest.mark.django_db, pytest.mark.urls("apps.core.tests.idempotency_urls")]


def post(client, body, key="key-1"):
    return client.post("/things/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_with_the_same_key_and_body_returns_the_first_response(auth_client):
    first = post(auth_client, {"name": "a"})
    retry = post(auth_client, {"name": "a"})

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().status == IdempotencyKey.Status.COMPLETED


def test_the_same_key_with_another_body_is_422(auth_client):
    post(auth_client, {"name": "a"})

    response = post(auth_client, {"name": "b"})

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"


def test_a_retry_while_the_first_is_running_is_409(auth_client, user):
    IdempotencyKey.objects.create(
        scope=f"user:{user.pk}",
        key="key-1",
        fingerprint=request_fingerprint("POST", "/things/", {"name": "a"}),
        method="POST",
        path="/things/",
    )

    response = post(auth_client, {"name": "a"})

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_progress"


def test_keys_are_scoped_to_the_user(auth_client, other_user, api_client):
    first = post(auth_client, {"name": "a"})
    api_client.force_authenticate(other_user)

    other = post(api_client, {"name": "a"})

    assert other.status_code == 201
    assert other.json()["call"] != first.json()["call"]
    assert "Idempotent-Replayed" not in other


def test_without_a_key_every_request_runs(auth_client):
    first = auth_client.post("/things/", {"name": "a"}, format="json")
    second = auth_client.post("/things/", {"name": "a"}, format="json")

    assert first.json()["call"] != second.json()["call"]
    assert IdempotencyKey.objects.count() == 0


def test_a_server_error_releases_the_key_so_the_client_can_retry(auth_client):
    response = post(auth_client, {"explode": True})

    assert response.status_code == 500
    assert IdempotencyKey.objects.count() == 0


def test_an_expired_key_runs_again(auth_client):
    first = post(auth_client, {"name": "a"})
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))

    again = post(auth_client, {"name": "a"})

    assert again.status_code == 201
    assert again.json()["call"] != first.json()["call"]


def test_keys_are_kept_24_hours_then_purged(auth_client):
    post(auth_client, {"name": "a"}, key="fresh")
    post(auth_client, {"name": "a"}, key="old")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=24, minutes=1))

    assert purge_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve-key"])
def test_a_malformed_key_is_400(auth_client, key):
    response = post(auth_client, {"name": "a"}, key=key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"


def test_a_key_left_in_progress_by_a_dead_request_is_claimed_again_after_two_minutes(auth_client, user):
    # given a claim whose request died without completing or releasing it
    IdempotencyKey.objects.create(scope=f"user:{user.pk}", key="key-1", fingerprint="x", method="POST", path="/things/")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(minutes=3))

    # when the client retries
    response = post(auth_client, {"name": "a"})

    # then it runs
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
