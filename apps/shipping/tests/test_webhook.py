"""POST /api/v1/shipping/webhook/{carrier}/: signed, idempotent, never a 500."""

import hashlib
import hmac

import pytest

from apps.core.models import OutboxMessage
from apps.shipping.models import Shipment, TrackingEvent
from apps.shipping.tests.conftest import WEBHOOK, post_update, ship, signed, update_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipment(order):
    return ship(order, carrier="sf", tracking_number="SF1000000001")


def test_a_signed_update_is_recorded(api_client, shipment):
    response = post_update(api_client, update_body(event_id="E1", status="in_transit"))

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False, "status": "in_transit"}
    shipment.refresh_from_db()
    assert shipment.status == "in_transit"
    assert list(TrackingEvent.objects.values_list("event_id", "status", "location")) == [("E1", "in_transit", "杭州")]


def test_a_replayed_update_is_recorded_once(api_client, shipment):
    body = update_body(event_id="E1", status="delivered")

    answers = [post_update(api_client, body) for _ in range(5)]

    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json()["duplicate"] for a in answers] == [False, True, True, True, True]
    assert TrackingEvent.objects.count() == 1
    assert OutboxMessage.objects.filter(topic="shipping.shipment_delivered.v1").count() == 1


@pytest.mark.parametrize(
    "signature_hex",
    [
        "",  # no header at all
        "0" * 64,
        "not-hex",
        hmac.new(b"guessed-key", update_body(), hashlib.sha256).hexdigest(),
    ],
)
def test_a_bad_signature_is_refused_and_changes_nothing(api_client, shipment, signature_hex):
    response = post_update(api_client, update_body(), signature_hex=signature_hex)

    assert response.status_code == 403
    assert response.json() == {
        "code": "invalid_signature",
        "detail": "The signature does not match the request body.",
        "fields": {},
    }
    shipment.refresh_from_db()
    assert shipment.status == "shipped"
    assert not TrackingEvent.objects.exists()


def test_a_tampered_body_does_not_match_its_signature(api_client, shipment):
    signature_hex = signed("sf", update_body(status="picked_up"))

    response = post_update(api_client, update_body(status="delivered"), signature_hex=signature_hex)

    assert response.status_code == 403
    assert not TrackingEvent.objects.exists()


def test_another_carriers_key_does_not_sign_for_this_one(api_client, shipment):
    body = update_body()

    response = post_update(api_client, body, carrier="sf", signature_hex=signed("zto", body))

    assert response.status_code == 403


def test_the_key_comes_from_settings_when_configured(api_client, shipment, settings):
    settings.SHIPPING_WEBHOOK_SECRETS = {"sf": "sf-secret-from-env"}
    body = update_body()

    good = post_update(api_client, body, signature_hex=hmac.new(b"sf-secret-from-env", body, "sha256").hexdigest())

    assert good.status_code == 200


def test_an_unknown_carrier_is_404(api_client, shipment):
    body = update_body()

    response = post_update(api_client, body, carrier="ups", signature_hex=signed("ups", body))

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_carrier"


def test_an_unknown_tracking_number_is_404(api_client, shipment):
    response = post_update(api_client, update_body(tracking_number="SF9999999999"))

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_tracking_number"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (b"{not json", {"non_field_errors": ["The body must be a JSON object."]}),
        (b"", {"non_field_errors": ["The body must be a JSON object."]}),
        (
            update_body(status="lost"),
            {"status": ["Must be one of picked_up, in_transit, out_for_delivery, delivered."]},
        ),
        (update_body(time="2026-03-01 09:30"), {"time": ["Must be an ISO 8601 date and time with a time zone."]}),
    ],
)
def test_a_signed_body_that_is_not_an_update_is_400(api_client, shipment, body, fields):
    response = post_update(api_client, body)

    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "detail": "Invalid input.", "fields": fields}
    assert not TrackingEvent.objects.exists()


def test_a_huge_body_is_refused_before_it_is_read(api_client, shipment):
    response = post_update(api_client, b" " * (64 * 1024), signature_hex="0" * 64)

    assert response.status_code == 400
    assert response.json()["fields"] == {"non_field_errors": ["Too long."]}


def test_field_errors_follow_accept_language(api_client, shipment):
    body = update_body(event_id="")

    response = api_client.generic(
        "POST",
        WEBHOOK.format(carrier="sf"),
        body,
        content_type="application/json",
        headers={"X-Signature": signed("sf", body), "Accept-Language": "zh-hans"},
    )

    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "detail": "输入无效。", "fields": {"event_id": ["该字段是必填项。"]}}


def test_the_webhook_ignores_sessions_and_tokens(auth_client, shipment):
    # a carrier never signs in; a stray Authorization header changes nothing
    response = post_update(auth_client, update_body(event_id="E1"))

    assert response.status_code == 200


def test_only_post_is_allowed(api_client, shipment):
    response = api_client.get(WEBHOOK.format(carrier="sf"))

    assert response.status_code == 405
    assert Shipment.objects.get().status == "shipped"


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "text/plain", "application/octet-stream"])
def test_the_content_type_does_not_matter_only_the_signed_bytes(api_client, shipment, content_type):
    body = update_body(event_id="E1")

    response = api_client.generic(
        "POST",
        WEBHOOK.format(carrier="sf"),
        body,
        content_type=content_type,
        headers={"X-Signature": signed("sf", body)},
    )

    assert response.status_code == 200
    assert TrackingEvent.objects.count() == 1
