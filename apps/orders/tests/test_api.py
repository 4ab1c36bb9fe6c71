from decimal import Decimal

import pytest
from django.db import OperationalError

from apps.accounts.tests.factories import AddressFactory
from apps.inventory.public import stock_available
from apps.orders import services
from apps.orders.models import Order
from apps.orders.tests.conftest import sku_in_stock
from apps.promotions.models import Coupon
from apps.promotions.tests.factories import CouponFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/"


def _body(address, sku, quantity=2, **extra):
    return {"address": address.pk, "lines": [{"sku": sku.pk, "quantity": quantity}], **extra}


def test_placing_an_order(auth_client, address, sku):
    CouponFactory(code="SAVE20")

    response = auth_client.post(URL, _body(address, sku, coupon="SAVE20", shipping_method="express"), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    order = Order.objects.get()
    assert data["number"] == order.number
    assert data["status"] == "pending_payment"
    assert (data["subtotal"], data["discount_total"], data["shipping_fee"], data["total"]) == (
        "198.00",
        "20.00",
        "25.00",
        "203.00",
    )
    assert data["breakdown"]["adjustments"] == [{"kind": "coupon", "label": "SAVE20", "amount": "20.00"}]
    assert data["address"]["recipient"] == "李雷"
    assert [(line["sku_id"], line["quantity"], line["line_total"]) for line in data["lines"]] == [(sku.pk, 2, "178.00")]
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 8}


def test_the_same_idempotency_key_places_one_order(auth_client, address, sku):
    body = _body(address, sku)

    first = auth_client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")
    again = auth_client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 8}


def test_when_storing_the_answer_fails_the_order_rolls_back_and_a_retry_places_exactly_one(
    auth_client, address, sku, monkeypatch
):
    from apps.core.api import idempotency

    def database_lost(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(idempotency, "idempotency_complete", database_lost)
    lost = auth_client.post(URL, _body(address, sku), format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")
    assert (lost.status_code, lost.json()["code"]) == (503, "service_unavailable")
    assert Order.objects.count() == 0  # no order without its key
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 10}
    monkeypatch.undo()

    retry = auth_client.post(URL, _body(address, sku), format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")

    assert retry.status_code == 201
    assert Order.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_422(auth_client, address, sku):
    auth_client.post(URL, _body(address, sku), format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")

    response = auth_client.post(URL, _body(address, sku, quantity=3), format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_out_of_stock_is_409_and_places_nothing(auth_client, address, sku):
    response = auth_client.post(URL, _body(address, sku, quantity=11), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert Order.objects.count() == 0


def test_an_unusable_coupon_is_400_with_its_reason(auth_client, address, sku):
    CouponFactory(code="BIG", min_spend=Decimal("500.00"))

    response = auth_client.post(URL, _body(address, sku, coupon="BIG"), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "coupon_invalid"
    assert Coupon.objects.get().used_count == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"address": 1, "lines": []},
        {"address": 1, "lines": [{"sku": 1, "quantity": 0}]},
        {"address": 1, "lines": [{"sku": 1, "quantity": 1, "price": "0.01"}]},
        {"address": 1, "lines": [{"sku": "x", "quantity": 1}]},
        {"address": 1, "lines": [{"sku": 1, "quantity": 1}], "shipping_method": "teleport"},
        {"address": 1, "lines": [{"sku": 1, "quantity": 1}], "total": "0.01"},
    ],
)
def test_bad_input_is_400(auth_client, body):
    response = auth_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_another_users_address_is_refused(auth_client, other_user, sku):
    response = auth_client.post(URL, _body(AddressFactory(user=other_user), sku), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "address_not_found"


def test_anonymous_clients_are_refused(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.post(URL, {}, format="json").status_code == 401


def test_listing_my_orders_in_few_queries(auth_client, user, other_user, address, sku, django_assert_max_num_queries):
    second = sku_in_stock(name="Teapot")
    for _ in range(3):
        services.order_place(user=user, lines=[(sku.pk, 1), (second.pk, 1)], address_id=address.pk)
    services.order_place(user=other_user, lines=[(sku.pk, 1)], address_id=AddressFactory(user=other_user).pk)

    with django_assert_max_num_queries(5):
        response = auth_client.get(URL)

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    assert all(len(order["lines"]) == 2 for order in results)


def test_reading_one_of_my_orders(auth_client, user, address, sku):
    order = services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)

    response = auth_client.get(f"{URL}{order.number}/")

    assert response.status_code == 200
    assert response.json()["total"] == "109.00"


def test_another_users_order_is_404_everywhere(auth_client, other_user, sku):
    theirs = services.order_place(user=other_user, lines=[(sku.pk, 1)], address_id=AddressFactory(user=other_user).pk)

    assert auth_client.get(f"{URL}{theirs.number}/").status_code == 404
    assert auth_client.post(f"{URL}{theirs.number}/cancel/").status_code == 404
    assert auth_client.post(f"{URL}{theirs.number}/confirm-receipt/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Order.Status.PENDING_PAYMENT


def test_cancelling_my_order_gives_the_stock_back(auth_client, user, address, sku):
    order = services.order_place(user=user, lines=[(sku.pk, 4)], address_id=address.pk)

    response = auth_client.post(f"{URL}{order.number}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 10}


def test_cancelling_a_cancelled_order_is_409(auth_client, user, address, sku):
    order = services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)
    services.order_cancel(order=order, reason=services.CANCELLED_BY_CUSTOMER)

    response = auth_client.post(f"{URL}{order.number}/cancel/")

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


def test_confirming_receipt_of_a_shipped_order(auth_client, user, address, sku):
    order = services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.SHIPPED)

    response = auth_client.post(f"{URL}{order.number}/confirm-receipt/")

    assert response.status_code == 200
    assert response.json()["status"] == "completed"


def test_confirming_receipt_of_an_unpaid_order_is_409(auth_client, user, address, sku):
    order = services.order_place(user=user, lines=[(sku.pk, 1)], address_id=address.pk)

    response = auth_client.post(f"{URL}{order.number}/confirm-receipt/")

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


def test_checking_out_the_cart_orders_its_lines_and_empties_it(
    auth_client, address, sku, django_capture_on_commit_callbacks
):
    assert auth_client.post("/api/v1/cart/items/", {"sku": sku.pk, "quantity": 3}, format="json").status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post("/api/v1/orders/", {"address": address.pk}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending_payment"
    assert [(line["sku_code"], line["quantity"]) for line in body["lines"]] == [(sku.code, 3)]
    assert stock_available(sku_ids=[sku.pk]) == {sku.pk: 7}
    assert auth_client.get("/api/v1/cart/").json()["lines"] == []


def test_checking_out_an_empty_cart_is_409(auth_client, address):
    response = auth_client.post("/api/v1/orders/", {"address": address.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "cart_not_ready"
    assert Order.objects.count() == 0


def test_placing_orders_is_throttled_per_user_but_reading_them_is_not(auth_client, address, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "order_create", "2/min")
    cache.clear()
    sku = sku_in_stock(units=10)
    body = {"address": address.pk, "lines": [{"sku": sku.pk, "quantity": 1}]}

    placed = [auth_client.post("/api/v1/orders/", body, format="json") for _ in range(3)]
    listed = [auth_client.get("/api/v1/orders/") for _ in range(3)]

    assert [r.status_code for r in placed] == [201, 201, 429]
    assert placed[2].json()["code"] == "throttled"
    assert int(placed[2]["Retry-After"]) > 0
    assert [r.status_code for r in listed] == [200, 200, 200]
    assert Order.objects.count() == 2
