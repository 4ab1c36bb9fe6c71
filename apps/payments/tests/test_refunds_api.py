"""POST and GET /api/v1/orders/{number}/refunds/: a customer's own orders only."""

from decimal import Decimal

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.tests.factories import UserFactory
from apps.payments.models import Payment, Refund
from apps.payments.services import refunds as services
from apps.payments.tests import refund_helpers
from apps.payments.tests.refund_helpers import paid_order

fake_gateway = refund_helpers.fake_gateway  # the fixture, from the shared helpers

pytestmark = pytest.mark.django_db


def _url(number: str) -> str:
    return f"/api/v1/orders/{number}/refunds/"


def _login(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return api_client


def test_a_customer_asks_for_part_of_the_money_back(api_client, fake_gateway):
    # given the customer's paid order of 109.00
    order, payment = paid_order()
    client = _login(api_client, order.user)

    # when they ask for 12.30 with the goods sent back
    response = client.post(
        _url(order.number), {"amount": "12.30", "reason": "Cracked", "return_goods": True}, format="json"
    )

    # then the request is stored and waits for staff
    assert response.status_code == 201, response.content
    refund = Refund.objects.get()
    line = order.lines.get()
    assert response.json() == {
        "id": refund.pk,
        "number": refund.out_refund_no,
        "order": order.number,
        "amount": "12.30",
        "reason": "Cracked",
        "status": "requested",
        "return_goods": True,
        "lines": [{"sku_id": line.sku_id, "quantity": 1}],
        "created_at": response.json()["created_at"],
        "approved_at": None,
        "succeeded_at": None,
    }
    payment.refresh_from_db()
    assert payment.refund_held == Decimal("12.30")
    assert fake_gateway.calls == []


def test_the_list_shows_the_orders_refunds_and_what_is_left(api_client, fake_gateway):
    # given a request of 9.00 and an approved staff refund of 20.00
    order, _payment = paid_order()
    asked = services.refund_request(order_number=order.number, user=order.user, amount=Decimal("9.00"), reason="a")
    done = services.refund_create_by_staff(
        order_number=order.number, amount=Decimal("20.00"), reason="b", staff=UserFactory(is_staff=True)
    )

    # when the customer lists them
    response = _login(api_client, order.user).get(_url(order.number))

    # then both are there, newest first, and 80.00 is left to ask for
    assert response.status_code == 200
    body = response.json()
    assert body["refundable"] == "80.00"
    assert [(r["id"], r["status"], r["amount"]) for r in body["results"]] == [
        (done.pk, "succeeded", "20.00"),
        (asked.pk, "requested", "9.00"),
    ]


def test_another_customers_order_is_a_404_both_ways(api_client, fake_gateway, other_user):
    order, _payment = paid_order()
    client = _login(api_client, other_user)

    listed = client.get(_url(order.number))
    asked = client.post(_url(order.number), {"amount": "1.00", "reason": "mine now"}, format="json")
    unknown = client.get(_url("2026010100000000"))

    assert [listed.status_code, asked.status_code, unknown.status_code] == [404, 404, 404]
    assert asked.json()["code"] == "not_found"
    assert not Refund.objects.exists()


def test_signing_in_is_required(api_client, fake_gateway):
    order, _payment = paid_order()

    response = api_client.post(_url(order.number), {"amount": "1.00", "reason": "x"}, format="json")

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_more_than_is_left_is_a_409_refund_exceeds_paid(api_client, fake_gateway):
    order, _payment = paid_order()
    client = _login(api_client, order.user)
    client.post(_url(order.number), {"amount": "100.00", "reason": "a"}, format="json")

    response = client.post(_url(order.number), {"amount": "9.01", "reason": "b"}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "code": "refund_exceeds_paid",
        "detail": "The refund is more than what is left to refund on this order.",
        "fields": {},
    }
    assert Refund.objects.count() == 1


def test_an_unpaid_order_is_a_409_order_not_refundable(api_client, fake_gateway, user):
    order, payment = paid_order(user=user)
    Payment.objects.filter(pk=payment.pk).delete()  # as if it had never been paid
    type(order).objects.filter(pk=order.pk).update(status="pending_payment", paid_at=None)

    response = _login(api_client, user).post(_url(order.number), {"amount": "1.00", "reason": "x"}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "order_not_refundable")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0.00", "reason": "x"}, "amount"),
        ({"amount": "-5", "reason": "x"}, "amount"),
        ({"amount": "1.234", "reason": "x"}, "amount"),
        ({"amount": "lots", "reason": "x"}, "amount"),
        ({"amount": "1e30", "reason": "x"}, "amount"),
        ({"reason": "x"}, "amount"),
        ({"amount": "1.00"}, "reason"),
        ({"amount": "1.00", "reason": "   "}, "reason"),
        ({"amount": "1.00", "reason": "x" * 201}, "reason"),
        ({"amount": "1.00", "reason": "x", "return_goods": "maybe"}, "return_goods"),
        ({"amount": "1.00", "reason": "x", "status": "succeeded"}, "status"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_client, fake_gateway, body, field):
    order, _payment = paid_order()

    response = _login(api_client, order.user).post(_url(order.number), body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert not Refund.objects.exists()


def test_an_amount_sent_as_a_json_number_is_read_as_its_decimal_text(api_client, fake_gateway):
    order, _payment = paid_order()

    response = _login(api_client, order.user).post(
        _url(order.number), b'{"amount": 12.3, "reason": "x"}', content_type="application/json"
    )

    assert (response.status_code, response.json()["amount"]) == (201, "12.30")
    assert Refund.objects.get().amount == Decimal("12.30")


def test_an_amount_too_large_for_json_floats_is_a_400(api_client, fake_gateway):
    order, _payment = paid_order()

    response = _login(api_client, order.user).post(
        _url(order.number), b'{"amount": 1e999, "reason": "x"}', content_type="application/json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "amount" in response.json()["fields"]


def test_a_retry_with_the_same_idempotency_key_asks_once(api_client, fake_gateway):
    order, _payment = paid_order()
    client = _login(api_client, order.user)
    body = {"amount": "5.00", "reason": "x"}

    first = client.post(_url(order.number), body, format="json", HTTP_IDEMPOTENCY_KEY="refund-1")
    second = client.post(_url(order.number), body, format="json", HTTP_IDEMPOTENCY_KEY="refund-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Refund.objects.count() == 1
